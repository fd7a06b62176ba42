import type { MigrationInterface, QueryRunner } from 'typeorm';

const DAY_MS = 86_400_000;

/**
 * API tokens hold several scopes and expire. The single `scope` becomes a JSON array `scopes`
 * (["targets:register"]); tokens from before get an expiry 365 days from the moment this runs
 * (docs/operations.md says so), since they were made without one. The table is rebuilt, not
 * altered, so that both columns are NOT NULL without a default.
 */
export class TokenScopes1764806400000 implements MigrationInterface {
  name = 'TokenScopes1764806400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE api_tokens_new (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      name TEXT NOT NULL,
      token_hash TEXT NOT NULL UNIQUE,
      scopes TEXT NOT NULL,
      created_by INTEGER,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      last_used_at INTEGER,
      revoked_at INTEGER)`);
    await q.query(
      `INSERT INTO api_tokens_new (id, name, token_hash, scopes, created_by, created_at, expires_at, last_used_at, revoked_at)
       SELECT id, name, token_hash, json_array(scope), created_by, created_at, ?, last_used_at, revoked_at FROM api_tokens`,
      [Date.now() + 365 * DAY_MS],
    );
    await q.query('DROP TABLE api_tokens');
    await q.query('ALTER TABLE api_tokens_new RENAME TO api_tokens');
  }

  /** Back to one scope: a token keeps its first; the expiry is dropped. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE api_tokens_old (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      name TEXT NOT NULL,
      token_hash TEXT NOT NULL UNIQUE,
      scope TEXT NOT NULL,
      created_by INTEGER,
      created_at INTEGER NOT NULL,
      last_used_at INTEGER,
      revoked_at INTEGER)`);
    await q.query(
      `INSERT INTO api_tokens_old (id, name, token_hash, scope, created_by, created_at, last_used_at, revoked_at)
       SELECT id, name, token_hash, json_extract(scopes, '$[0]'), created_by, created_at, last_used_at, revoked_at FROM api_tokens`,
    );
    await q.query('DROP TABLE api_tokens');
    await q.query('ALTER TABLE api_tokens_old RENAME TO api_tokens');
  }
}
