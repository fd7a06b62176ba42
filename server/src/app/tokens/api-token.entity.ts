import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const TOKEN_SCOPES = ['targets:register', 'metrics:read'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

@Entity({ name: 'api_tokens' })
export class ApiTokenEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'text' })
  name!: string;

  /** SHA-256 of the token, hex: the token itself is shown once and never stored. */
  @Column({ name: 'token_hash', type: 'text' })
  tokenHash!: string;

  @Column({ type: 'text' })
  scope!: TokenScope;

  @Column({ name: 'created_by', type: 'integer', nullable: true })
  createdBy!: number | null;

  @Column({ name: 'created_at', type: 'integer' })
  createdAt!: number;

  @Column({ name: 'last_used_at', type: 'integer', nullable: true })
  lastUsedAt!: number | null;

  @Column({ name: 'revoked_at', type: 'integer', nullable: true })
  revokedAt!: number | null;
}
