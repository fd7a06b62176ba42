import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { CELL_STATE_NAMES, type CellStateCode, type CellStateName } from '@meshping/protocol';
import type { DataSource } from 'typeorm';
import type { KnownState } from './state-tracker';
import { NO_ID, STATE_CHANGE_KINDS, type StateChangeKind, type TransitionBuffer } from './transition-buffer';

/** Rows per INSERT statement (6 parameters each, well under SQLite's parameter limit). */
const ROWS_PER_STATEMENT = 150;
/** Rows per retention DELETE (each a short write between the others). */
const ROWS_PER_DELETE = 5_000;

export interface StateChangeRow {
  id: number;
  kind: StateChangeKind;
  agentId: number | null;
  targetId: number | null;
  from: CellStateName;
  to: CellStateName;
  at: number;
}

export interface StateChangeFilter {
  kind?: StateChangeKind;
  agentId?: number;
  targetId?: number;
  /** Rows whose new state is this. */
  state?: CellStateName;
  /** Sample time from (inclusive) and to (exclusive), epoch ms. */
  from?: number;
  to?: number;
  /** Only rows with an id below this (paging, newest first). */
  before?: number;
  limit: number;
}

interface RawRow {
  id: number;
  kind: StateChangeKind;
  agent_id: number | null;
  target_id: number | null;
  from_state: CellStateName;
  to_state: CellStateName;
  at: number;
}

const toRow = (r: RawRow): StateChangeRow => ({ id: r.id, kind: r.kind, agentId: r.agent_id, targetId: r.target_id, from: r.from_state, to: r.to_state, at: r.at });
const SELECT = 'SELECT id, kind, agent_id, target_id, from_state, to_state, at FROM state_changes';

/** All SQL of the state-change log (table state_changes, migration 1765065600000). */
@Injectable()
export class StateChangesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Writes a batch of transitions in one transaction, in their order (ids follow it). */
  async insert(rows: TransitionBuffer): Promise<void> {
    if (rows.length === 0) return;
    await this.db.transaction(async (em) => {
      for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
        const end = Math.min(rows.length, start + ROWS_PER_STATEMENT);
        const params: unknown[] = [];
        for (let i = start; i < end; i++) {
          params.push(
            STATE_CHANGE_KINDS[rows.kind[i]],
            rows.agentId[i] === NO_ID ? null : rows.agentId[i],
            rows.targetId[i] === NO_ID ? null : rows.targetId[i],
            CELL_STATE_NAMES[rows.from[i]],
            CELL_STATE_NAMES[rows.to[i]],
            rows.at[i],
          );
        }
        await em.query(`INSERT INTO state_changes (kind, agent_id, target_id, from_state, to_state, at) VALUES ${'(?,?,?,?,?,?),'.repeat(end - start).slice(0, -1)}`, params);
      }
    });
  }

  /** Newest first. */
  async find(f: StateChangeFilter): Promise<StateChangeRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown) => {
      where.push(clause);
      params.push(value);
    };
    if (f.kind) add('kind = ?', f.kind);
    if (f.agentId !== undefined) add('agent_id = ?', f.agentId);
    if (f.targetId !== undefined) add('target_id = ?', f.targetId);
    if (f.state) add('to_state = ?', f.state);
    if (f.from !== undefined) add('at >= ?', f.from);
    if (f.to !== undefined) add('at < ?', f.to);
    if (f.before !== undefined) add('id < ?', f.before);
    params.push(f.limit);
    const rows: RawRow[] = await this.db.query(`${SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`, params);
    return rows.map(toRow);
  }

  /** One pair's newest transitions (the hover). */
  async lastOfPair(agentId: number, targetId: number, limit: number): Promise<StateChangeRow[]> {
    const rows: RawRow[] = await this.db.query(`${SELECT} WHERE agent_id = ? AND target_id = ? AND kind = 'pair' ORDER BY id DESC LIMIT ?`, [agentId, targetId, limit]);
    return rows.map(toRow);
  }

  /** Every subject's newest row: the states the log says are current (read once at start, along the subject index). */
  async lastStates(): Promise<KnownState[]> {
    // SQLite takes the bare columns of a MAX() aggregate from the row that has the maximum.
    const rows: { kind: StateChangeKind; agent_id: number | null; target_id: number | null; to_state: CellStateName; at: number; id: number }[] = await this.db.query(
      'SELECT kind, agent_id, target_id, to_state, at, MAX(id) AS id FROM state_changes GROUP BY agent_id, target_id, kind',
    );
    return rows.map((r) => ({
      kind: STATE_CHANGE_KINDS.indexOf(r.kind) as KnownState['kind'],
      agentId: r.agent_id ?? NO_ID,
      targetId: r.target_id ?? NO_ID,
      state: CELL_STATE_NAMES.indexOf(r.to_state) as CellStateCode,
      at: r.at,
    }));
  }

  /**
   * Deletes the rows about changes before `at` (retention), in short steps, except each subject's
   * newest row: that is its current state (the restart restores from it), however old.
   */
  async deleteBefore(at: number): Promise<number> {
    let deleted = 0;
    for (;;) {
      const ids: { id: number }[] = await this.db.query(
        `SELECT s.id FROM state_changes s WHERE s.at < ? AND EXISTS (
           SELECT 1 FROM state_changes n WHERE n.agent_id IS s.agent_id AND n.target_id IS s.target_id AND n.kind = s.kind AND n.id > s.id) LIMIT ?`,
        [at, ROWS_PER_DELETE],
      );
      const n = ids.length;
      if (n) await this.db.query(`DELETE FROM state_changes WHERE id IN (${ids.map((r) => Number(r.id)).join(',')})`);
      deleted += n;
      if (n < ROWS_PER_DELETE) return deleted;
    }
  }

  /** Rows held (figures). */
  async count(): Promise<number> {
    const rows: { n: number }[] = await this.db.query('SELECT COUNT(*) AS n FROM state_changes');
    return rows[0].n;
  }
}
