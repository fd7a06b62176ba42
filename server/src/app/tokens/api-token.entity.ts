import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { TokenScope } from '../auth/token-scopes';

@Entity({ name: 'api_tokens' })
export class ApiTokenEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'text' })
  name!: string;

  /** SHA-256 of the token, hex: the token itself is shown once and never stored. */
  @Column({ name: 'token_hash', type: 'text' })
  tokenHash!: string;

  /** A JSON array of scopes (validated at creation against TOKEN_SCOPES). */
  @Column({ type: 'simple-json' })
  scopes!: TokenScope[];

  /** The admin who created it: the token works only while that account is enabled and holds the role a route needs. */
  @Column({ name: 'created_by', type: 'integer', nullable: true })
  createdBy!: number | null;

  @Column({ name: 'created_at', type: 'integer' })
  createdAt!: number;

  /** Epoch ms; refused from then on. */
  @Column({ name: 'expires_at', type: 'integer' })
  expiresAt!: number;

  /** Epoch ms, written at most once a minute per token. */
  @Column({ name: 'last_used_at', type: 'integer', nullable: true })
  lastUsedAt!: number | null;

  @Column({ name: 'revoked_at', type: 'integer', nullable: true })
  revokedAt!: number | null;
}
