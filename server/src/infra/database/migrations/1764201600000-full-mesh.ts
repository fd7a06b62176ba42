import type { MigrationInterface, QueryRunner } from 'typeorm';

export class FullMesh1764201600000 implements MigrationInterface {
  name = 'FullMesh1764201600000';

  async up(q: QueryRunner): Promise<void> {
    // A target made from an agent (full mesh) points at it; such targets come and go with the agent.
    await q.query('ALTER TABLE targets ADD COLUMN agent_id INTEGER');
    await q.query("INSERT OR IGNORE INTO settings (key, value) VALUES ('mesh.full', 'false')");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DELETE FROM settings WHERE key = 'mesh.full'");
  }
}
