import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Back-off probing of long-unreachable targets (issue 15): when a target went dormant (epoch ms,
 * NULL while awake), and its own time without any reply before it does (seconds; NULL = the
 * setting dormantAfterSeconds, 0 = never).
 */
export class DormantTargets1765152000000 implements MigrationInterface {
  name = 'DormantTargets1765152000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE targets ADD COLUMN dormant_since INTEGER');
    await q.query('ALTER TABLE targets ADD COLUMN dormant_after_seconds INTEGER');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE targets DROP COLUMN dormant_after_seconds');
    await q.query('ALTER TABLE targets DROP COLUMN dormant_since');
  }
}
