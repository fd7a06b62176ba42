import type { MigrationInterface, QueryRunner } from 'typeorm';

export class LatencyThresholds1764464400000 implements MigrationInterface {
  name = 'LatencyThresholds1764464400000';

  async up(q: QueryRunner): Promise<void> {
    // A target may override the global latency threshold (settings 'latency.threshold_ms'); null = use it.
    await q.query('ALTER TABLE targets ADD COLUMN latency_threshold_ms REAL');
    await q.query("INSERT OR IGNORE INTO settings (key, value) VALUES ('latency.threshold_ms', '100')");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DELETE FROM settings WHERE key = 'latency.threshold_ms'");
  }
}
