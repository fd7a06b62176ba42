import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The state-change log (issue 15): every transition of a pair (agent_id and target_id), a target
 * (agent_id NULL) or an agent (target_id NULL) between silent, up, degraded and down, at the time
 * of the sample that caused it. Listed newest first (by id), filtered by subject, kind and time;
 * the subject index also finds each subject's last state, which the tracker restores at start.
 */
export class StateChanges1765065600000 implements MigrationInterface {
  name = 'StateChanges1765065600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE state_changes (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      kind TEXT NOT NULL,
      agent_id INTEGER,
      target_id INTEGER,
      from_state TEXT NOT NULL,
      to_state TEXT NOT NULL,
      at INTEGER NOT NULL)`);
    await q.query('CREATE INDEX state_changes_subject ON state_changes (agent_id, target_id, kind, id)');
    await q.query('CREATE INDEX state_changes_target ON state_changes (target_id, id)');
    await q.query('CREATE INDEX state_changes_kind ON state_changes (kind, id)');
    await q.query('CREATE INDEX state_changes_at ON state_changes (at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE state_changes');
  }
}
