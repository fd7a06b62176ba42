import type { IncidentDto } from '@meshping/api-client';

/** What the grid needs of an open incident. */
export type GridIncident = Pick<IncidentDto, 'id' | 'kind' | 'severity' | 'title' | 'agentIds' | 'targetIds' | 'openedAt'>;

const RANK = { critical: 0, warning: 1 } as const;

/**
 * Which cells open incidents cover, by agent and target id (so a new layout needs no rebuild): an
 * agent's whole row for "agent silent" and "agent problem", the agents x targets it names for a
 * target, block or path incident. Where two cover a cell the more severe (then the older) is the one
 * shown. Built once per poll; a lookup is two map reads.
 */
export class IncidentMarks {
  static readonly NONE = new IncidentMarks([]);
  /** Most severe first, then oldest. */
  readonly list: readonly GridIncident[];
  private readonly rows = new Map<number, GridIncident>();
  private readonly pairs = new Map<number, Map<number, GridIncident>>();

  constructor(incidents: readonly GridIncident[]) {
    this.list = [...incidents].sort((a, b) => RANK[a.severity] - RANK[b.severity] || a.openedAt - b.openedAt);
    // First come (most severe) wins: later ones only fill what is left.
    for (const i of this.list) {
      if (i.kind === 'silent' || i.kind === 'agent') {
        for (const a of i.agentIds) if (!this.rows.has(a)) this.rows.set(a, i);
        continue;
      }
      for (const a of i.agentIds) {
        let row = this.pairs.get(a);
        if (!row) this.pairs.set(a, (row = new Map()));
        for (const t of i.targetIds) if (!row.has(t)) row.set(t, i);
      }
    }
  }

  /** The incident covering agent -> target, or null. */
  at(agentId: number, targetId: number): GridIncident | null {
    return this.rows.get(agentId) ?? this.pairs.get(agentId)?.get(targetId) ?? null;
  }

  /** The incident covering the agent's whole row, or null. */
  row(agentId: number): GridIncident | null {
    return this.rows.get(agentId) ?? null;
  }

  /** Whether any incident covers a cell of the agent's row. */
  touches(agentId: number): boolean {
    return this.rows.has(agentId) || this.pairs.has(agentId);
  }
}
