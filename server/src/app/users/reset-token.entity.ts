import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'reset_tokens' })
export class ResetTokenEntity {
  /** SHA-256 of the token, hex: the token itself is never stored. */
  @PrimaryColumn({ name: 'token_hash', type: 'text' })
  tokenHash!: string;

  @Column({ name: 'user_id', type: 'integer' })
  userId!: number;

  @Column({ name: 'expires_at', type: 'integer' })
  expiresAt!: number;

  @Column({ name: 'used_at', type: 'integer', nullable: true })
  usedAt!: number | null;

  @Column({ name: 'created_by', type: 'integer', nullable: true })
  createdBy!: number | null;
}
