import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notification channels (webhook, Slack-compatible, Alertmanager, email), their delivery log, and
 * maintenance windows, during which incidents open but nobody is told (issue 15). An incident
 * remembers whether its opening was told (`notified`), so that its resolution is told only then.
 */
export class Notifications1764979200000 implements MigrationInterface {
  name = 'Notifications1764979200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE notification_channels (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      name TEXT NOT NULL UNIQUE,
      kind TEXT NOT NULL,
      enabled BOOLEAN NOT NULL,
      min_severity TEXT NOT NULL,
      url_sealed TEXT,
      secret_sealed TEXT,
      url_hint TEXT,
      email_to TEXT NOT NULL,
      created_at INTEGER NOT NULL)`);
    await q.query(`CREATE TABLE notification_deliveries (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      channel_id INTEGER NOT NULL REFERENCES notification_channels (id) ON DELETE CASCADE,
      incident_id INTEGER,
      event TEXT NOT NULL,
      payload TEXT NOT NULL,
      state TEXT NOT NULL,
      attempts INTEGER NOT NULL,
      next_attempt_at INTEGER,
      last_error TEXT,
      created_at INTEGER NOT NULL,
      delivered_at INTEGER)`);
    await q.query('CREATE INDEX notification_deliveries_due ON notification_deliveries (state, next_attempt_at)');
    await q.query('CREATE INDEX notification_deliveries_channel ON notification_deliveries (channel_id, id)');
    await q.query(`CREATE TABLE maintenance_windows (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      reason TEXT NOT NULL,
      agent_id INTEGER,
      target_id INTEGER,
      agent_group TEXT,
      target_group TEXT,
      starts_at INTEGER NOT NULL,
      ends_at INTEGER NOT NULL,
      created_by TEXT,
      created_at INTEGER NOT NULL)`);
    await q.query('CREATE INDEX maintenance_windows_ends ON maintenance_windows (ends_at)');
    await q.query('ALTER TABLE incidents ADD COLUMN notified BOOLEAN NOT NULL DEFAULT 0');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE incidents DROP COLUMN notified');
    await q.query('DROP TABLE maintenance_windows');
    await q.query('DROP TABLE notification_deliveries');
    await q.query('DROP TABLE notification_channels');
  }
}
