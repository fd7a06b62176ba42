import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AgentEnrollment1764028800000 implements MigrationInterface {
  name = 'AgentEnrollment1764028800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE agents ADD COLUMN public_key TEXT');
    await q.query('ALTER TABLE agents ADD COLUMN ip TEXT');
    await q.query('ALTER TABLE agents ADD COLUMN approved_at INTEGER');
    await q.query('CREATE UNIQUE INDEX agents_public_key ON agents (public_key) WHERE public_key IS NOT NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX agents_public_key');
  }
}
