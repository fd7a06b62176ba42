import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A `dropped` gap remembers which outage report it records (the `seq` of the outage's first
 * report, or the `replaces` of a report extending it): a report resent after a lost ack, or
 * extended under a new seq, then replaces its record instead of counting the results twice.
 * Records from before stay without one (NULL) and are never replaced.
 */
export class DroppedReportKey1764720000000 implements MigrationInterface {
  name = 'DroppedReportKey1764720000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE gaps ADD COLUMN report_seq INTEGER');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE gaps DROP COLUMN report_seq');
  }
}
