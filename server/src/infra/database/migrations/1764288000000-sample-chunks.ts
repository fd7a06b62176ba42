import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Samples move to compact chunks (see docs/architecture.md, "Sample storage"): the journal of
 * committed batches not yet written as chunks, the gaps in agents' streams, and the retention
 * setting. The chunk tables themselves (chunks_<hour>) are created by SamplesRepository as time
 * goes on and dropped whole by retention. The old one-row-per-sample table is renamed; the sample
 * store converts it into chunks on start and drops it (data there is at most a day old).
 */
export class SampleChunks1764288000000 implements MigrationInterface {
  name = 'SampleChunks1764288000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE TABLE sample_journal (id INTEGER PRIMARY KEY, max_at INTEGER NOT NULL, data BLOB NOT NULL)');
    await q.query(`CREATE TABLE gaps (
      id INTEGER PRIMARY KEY,
      agent_id INTEGER NOT NULL,
      from_at INTEGER NOT NULL,
      to_at INTEGER NOT NULL,
      reason TEXT NOT NULL CHECK (reason IN ('dropped', 'disconnected')),
      samples INTEGER)`);
    await q.query('CREATE INDEX gaps_agent_to ON gaps (agent_id, to_at)');
    await q.query('ALTER TABLE samples RENAME TO samples_legacy');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE gaps');
    await q.query('DROP TABLE sample_journal');
    await q.query(`CREATE TABLE IF NOT EXISTS samples_legacy (
      agent_id INTEGER NOT NULL, target_id INTEGER NOT NULL, at INTEGER NOT NULL, rtt INTEGER NOT NULL,
      PRIMARY KEY (agent_id, target_id, at)) WITHOUT ROWID`);
    await q.query('ALTER TABLE samples_legacy RENAME TO samples');
  }
}
