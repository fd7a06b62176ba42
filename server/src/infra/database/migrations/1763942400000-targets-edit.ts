import type { MigrationInterface, QueryRunner } from 'typeorm';

export class TargetsEdit1763942400000 implements MigrationInterface {
  name = 'TargetsEdit1763942400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE targets ADD COLUMN group_name TEXT');
    await q.query("ALTER TABLE targets ADD COLUMN updated_at DATETIME NOT NULL DEFAULT '1970-01-01 00:00:00'");
    // Deleted targets stay as tombstones: their history keeps a name, and results still in flight
    // for them are dropped quietly instead of failing a whole batch.
    await q.query('ALTER TABLE targets ADD COLUMN deleted_at INTEGER');
    // The address is unique among live targets only.
    await q.query('CREATE TABLE targets_new (id INTEGER PRIMARY KEY AUTOINCREMENT, address TEXT NOT NULL, name TEXT, group_name TEXT, created_at DATETIME NOT NULL DEFAULT (datetime(\'now\')), updated_at DATETIME NOT NULL DEFAULT (datetime(\'now\')), deleted_at INTEGER)');
    await q.query('INSERT INTO targets_new (id, address, name, group_name, created_at, updated_at, deleted_at) SELECT id, address, name, group_name, created_at, created_at, deleted_at FROM targets');
    await q.query('DROP TABLE targets');
    await q.query('ALTER TABLE targets_new RENAME TO targets');
    await q.query('CREATE UNIQUE INDEX targets_live_address ON targets (address COLLATE NOCASE) WHERE deleted_at IS NULL');
    await q.query('CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    await q.query("INSERT INTO settings (key, value) VALUES ('targets.version', '1')");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE settings');
    await q.query('DROP INDEX targets_live_address');
    await q.query('DELETE FROM targets WHERE deleted_at IS NOT NULL');
  }
}
