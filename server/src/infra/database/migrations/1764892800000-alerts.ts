import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Alerts (issue 15): rules, incidents, and a group for agents (until sites exist, an agent group and
 * a target group of the same name are one site for block incidents). The default rules are inserted
 * by the alerts service on its first start (alert-rules.service.ts), once.
 */
export class Alerts1764892800000 implements MigrationInterface {
  name = 'Alerts1764892800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE alert_rules (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      name TEXT NOT NULL UNIQUE,
      enabled BOOLEAN NOT NULL,
      metric TEXT NOT NULL,
      threshold REAL,
      percentile REAL,
      window_seconds INTEGER,
      scope TEXT NOT NULL,
      agent_id INTEGER,
      target_id INTEGER,
      agent_group TEXT,
      target_group TEXT,
      quorum INTEGER,
      paths BOOLEAN NOT NULL,
      fire_after INTEGER NOT NULL,
      resolve_after INTEGER NOT NULL,
      severity TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL)`);
    await q.query(`CREATE TABLE incidents (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      cause_key TEXT NOT NULL,
      kind TEXT NOT NULL,
      state TEXT NOT NULL,
      severity TEXT NOT NULL,
      title TEXT NOT NULL,
      rule_ids TEXT NOT NULL,
      agent_ids TEXT NOT NULL,
      target_ids TEXT NOT NULL,
      sites TEXT,
      pairs TEXT NOT NULL,
      pair_count INTEGER NOT NULL,
      since INTEGER,
      opened_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      resolved_at INTEGER,
      updates INTEGER NOT NULL)`);
    await q.query(`CREATE UNIQUE INDEX incidents_open_cause ON incidents (cause_key) WHERE state = 'open'`);
    await q.query('CREATE INDEX incidents_opened_at ON incidents (opened_at)');
    await q.query('ALTER TABLE agents ADD COLUMN group_name TEXT');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE incidents');
    await q.query('DROP TABLE alert_rules');
    await q.query('ALTER TABLE agents DROP COLUMN group_name');
  }
}
