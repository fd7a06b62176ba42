import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1763769600000 implements MigrationInterface {
  name = 'InitialSchema1763769600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE agents (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      hostname TEXT NOT NULL,
      version TEXT NOT NULL,
      addresses TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('pending','approved','hold','blacklisted')),
      is_local BOOLEAN NOT NULL DEFAULT 0,
      last_seen_at INTEGER,
      created_at DATETIME NOT NULL DEFAULT (datetime('now')))`);
    await q.query(`CREATE TABLE targets (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      address TEXT NOT NULL UNIQUE,
      name TEXT,
      created_at DATETIME NOT NULL DEFAULT (datetime('now')))`);
    // Skeleton layout: one row per sample, keyed so a resent sample is stored once. Issue 6 replaces it.
    await q.query(`CREATE TABLE samples (
      agent_id INTEGER NOT NULL,
      target_id INTEGER NOT NULL,
      at INTEGER NOT NULL,
      rtt INTEGER NOT NULL,
      PRIMARY KEY (agent_id, target_id, at)) WITHOUT ROWID`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE samples');
    await q.query('DROP TABLE targets');
    await q.query('DROP TABLE agents');
  }
}
