import { CELL_STRIDE, type Sample } from '@meshping/protocol';

interface Cell {
  agentId: number;
  targetId: number;
  at: number;
  rtt: number;
}

/** The newest sample of every (agent, target) pair, and which cells changed since the last drain. */
export class LatestCells {
  private readonly byAgent = new Map<number, Map<number, Cell>>();
  private readonly dirty = new Set<Cell>();

  apply(agentId: number, samples: readonly Sample[]): void {
    let row = this.byAgent.get(agentId);
    if (!row) this.byAgent.set(agentId, (row = new Map()));
    for (const s of samples) {
      let cell = row.get(s.targetId);
      if (!cell) row.set(s.targetId, (cell = { agentId, targetId: s.targetId, at: s.at, rtt: s.rtt }));
      else if (s.at >= cell.at) Object.assign(cell, { at: s.at, rtt: s.rtt });
      else continue; // a resent, older sample does not overwrite the newest
      this.dirty.add(cell);
    }
  }

  /** Every cell, flat (see CELL_STRIDE). */
  all(): number[] {
    const out: number[] = [];
    for (const row of this.byAgent.values()) for (const c of row.values()) out.push(c.agentId, c.targetId, c.at, c.rtt);
    return out;
  }

  /** Cells changed since the previous drain, flat; clears the change set. */
  drainChanges(): number[] {
    const out = new Array<number>(this.dirty.size * CELL_STRIDE);
    let i = 0;
    for (const c of this.dirty) {
      out[i++] = c.agentId;
      out[i++] = c.targetId;
      out[i++] = c.at;
      out[i++] = c.rtt;
    }
    this.dirty.clear();
    return out;
  }
}
