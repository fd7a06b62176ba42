import type { MigrationInterface, QueryRunner } from 'typeorm';

export class UsersAuthAudit1763856000000 implements MigrationInterface {
  name = 'UsersAuthAudit1763856000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE users (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      username TEXT NOT NULL UNIQUE COLLATE NOCASE,
      email TEXT,
      password_hash TEXT NOT NULL,
      role TEXT NOT NULL CHECK (role IN ('admin','operator','viewer')),
      disabled BOOLEAN NOT NULL DEFAULT 0,
      session_epoch INTEGER NOT NULL DEFAULT 0,
      created_at DATETIME NOT NULL DEFAULT (datetime('now')),
      updated_at DATETIME NOT NULL DEFAULT (datetime('now')))`);
    await q.query(`CREATE TABLE sessions (
      sid TEXT PRIMARY KEY,
      user_id INTEGER,
      expires_at INTEGER NOT NULL,
      data TEXT NOT NULL)`);
    await q.query('CREATE INDEX sessions_user ON sessions (user_id)');
    await q.query('CREATE INDEX sessions_expiry ON sessions (expires_at)');
    await q.query(`CREATE TABLE reset_tokens (
      token_hash TEXT PRIMARY KEY,
      user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      expires_at INTEGER NOT NULL,
      used_at INTEGER,
      created_by INTEGER)`);
    await q.query(`CREATE TABLE audit_log (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      at INTEGER NOT NULL,
      actor_id INTEGER,
      actor TEXT,
      action TEXT NOT NULL,
      subject TEXT,
      detail TEXT,
      source TEXT)`);
    await q.query('CREATE INDEX audit_at ON audit_log (at)');
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['audit_log', 'reset_tokens', 'sessions', 'users']) await q.query(`DROP TABLE ${t}`);
  }
}
