import { computed, Injectable, signal } from '@angular/core';
import {
  CELL_STRIDE,
  DEFAULT_LATENCY_THRESHOLD_US,
  type LiveAgent,
  type LiveTarget,
  type ServerToBrowser,
} from '@meshping/protocol';
import { cellStatus, type CellSample, type CellStatus } from './cell-status';

export interface GridCell {
  targetId: number;
  status: CellStatus;
  sample: CellSample | undefined;
}

export interface GridRow {
  agent: LiveAgent;
  cells: GridCell[];
}

/**
 * State of the live grid: agents, targets and the newest sample per cell, changed only through
 * apply(). A message whose seq does not follow the previous one means something was missed:
 * apply() then answers 'resync' and the caller asks the server for a snapshot.
 */
@Injectable()
export class LiveGridStore {
  private readonly agentsSig = signal<LiveAgent[]>([]);
  private readonly targetsSig = signal<LiveTarget[]>([]);
  /** Bumped on every change to `cells` (a Map kept outside signals to avoid copying it). */
  private readonly version = signal(0);
  private readonly cells = new Map<number, Map<number, CellSample>>();
  private seq: number | null = null;
  readonly now = signal(Date.now());
  readonly thresholdUs = signal(DEFAULT_LATENCY_THRESHOLD_US);

  readonly agents = this.agentsSig.asReadonly();
  readonly targets = this.targetsSig.asReadonly();

  readonly rows = computed<GridRow[]>(() => {
    this.version();
    const now = this.now();
    const threshold = this.thresholdUs();
    const targets = this.targetsSig();
    return this.agentsSig().map((agent) => {
      const row = this.cells.get(agent.id);
      return {
        agent,
        cells: targets.map((t) => {
          const sample = row?.get(t.id);
          return { targetId: t.id, sample, status: cellStatus(sample, now, threshold, agent.online) };
        }),
      };
    });
  });

  /** Applies a server message; returns 'resync' when a message was missed. */
  apply(message: ServerToBrowser): 'ok' | 'resync' {
    if (message.type === 'error') return 'ok';
    if (message.type === 'snapshot') {
      this.cells.clear();
      this.agentsSig.set(message.agents);
      this.targetsSig.set(message.targets);
      this.merge(message.cells);
      this.seq = message.seq;
      return 'ok';
    }
    if (this.seq === null || message.seq !== this.seq + 1) {
      this.seq = null;
      return 'resync';
    }
    this.merge(message.cells);
    this.seq = message.seq;
    return 'ok';
  }

  tick(now: number): void {
    this.now.set(now);
  }

  private merge(flat: readonly number[]): void {
    for (let i = 0; i + CELL_STRIDE <= flat.length; i += CELL_STRIDE) {
      const [agentId, targetId, at, rtt] = [flat[i], flat[i + 1], flat[i + 2], flat[i + 3]];
      let row = this.cells.get(agentId);
      if (!row) this.cells.set(agentId, (row = new Map()));
      const prev = row.get(targetId);
      if (!prev || prev.at <= at) row.set(targetId, { at, rtt });
    }
    this.version.update((v) => v + 1);
  }
}
