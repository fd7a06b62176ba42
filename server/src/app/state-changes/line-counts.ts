import { CELL_STATE_NAMES } from '@meshping/protocol';
import { resized } from './typed-arrays';

/** Counts per line: one per cell state (silent, up, degraded, down, dormant). */
export const STATES = CELL_STATE_NAMES.length;

/** Per-id state of the rows (agents) or the columns (targets): cells counted by state, the derived state, the dirty list. */
export class LineCounts {
  counts = new Int32Array(STATES * 64);
  state = new Uint8Array(64);
  since = new Float64Array(64).fill(-Infinity);
  /** Latest time of a cell change since the line was last settled (-Infinity: not dirty). */
  changedAt = new Float64Array(64).fill(-Infinity);
  isDirty = new Uint8Array(64);
  dirty: number[] = [];

  ensure(id: number): void {
    if (id < this.state.length) return;
    let n = this.state.length;
    while (n <= id) n *= 2;
    this.counts = resized(this.counts, STATES * n);
    this.state = resized(this.state, n);
    this.since = resized(this.since, n, -Infinity);
    this.changedAt = resized(this.changedAt, n, -Infinity);
    this.isDirty = resized(this.isDirty, n);
  }

  /** A cell of line `id` moves from state `from` to `to` (-1: in or out of the line) at `at`: O(1), the line is re-derived at settle. */
  move(id: number, from: number, to: number, at: number): void {
    if (from >= 0) this.counts[id * STATES + from]--;
    if (to >= 0) this.counts[id * STATES + to]++;
    if (!this.isDirty[id]) {
      this.isDirty[id] = 1;
      this.dirty.push(id);
    }
    if (at > this.changedAt[id]) this.changedAt[id] = at;
  }
}

/**
 * Per agent (row): its pairs' indices, and a lower bound of its coloured (non-silent) cells' newest
 * sample time, as the web grid's rowOldest: a row whose bound is not older than the stale limit has
 * nothing that can have gone grey, and is not scanned; -Infinity: unknown. The bound is lowered when
 * a cell turns coloured and, unlike the grid's, raised without a scan when every cell of the row has
 * had a sample since the last raise (a generation: an agent's round covers its whole row), so rows
 * of agents that report every 5 s are never scanned. A marked row (its agent connected,
 * disconnected, came or went; every row when thresholds or targets change) is scanned regardless.
 */
export class RowIndex {
  pairs: Int32Array[] = [];
  size = new Int32Array(64);
  oldest = new Float64Array(64).fill(-Infinity);
  marked = new Uint8Array(64);
  /** The current generation, how many of its cells have had a sample in it, and the oldest of those samples. */
  gen = new Int32Array(64);
  refreshed = new Int32Array(64);
  genOldest = new Float64Array(64).fill(Infinity);

  ensure(id: number): void {
    if (id < this.size.length) return;
    let n = this.size.length;
    while (n <= id) n *= 2;
    this.size = resized(this.size, n);
    this.oldest = resized(this.oldest, n, -Infinity);
    this.marked = resized(this.marked, n);
    this.gen = resized(this.gen, n);
    this.refreshed = resized(this.refreshed, n);
    this.genOldest = resized(this.genOldest, n, Infinity);
  }

  add(id: number, p: number): void {
    let list = this.pairs[id];
    const n = this.size[id];
    if (!list || n === list.length) {
      const grown = new Int32Array(Math.max(64, n * 2));
      if (list) grown.set(list);
      list = this.pairs[id] = grown;
    }
    list[n] = p;
    this.size[id] = n + 1;
    this.marked[id] = 1;
  }

  /** A cell of row `id`, last sampled in generation `cellGen`, has a sample of time `at`; returns the cell's generation now. */
  sampled(id: number, cellGen: number, at: number): number {
    const gen = this.gen[id];
    if (cellGen === gen) return gen;
    if (at < this.genOldest[id]) this.genOldest[id] = at;
    if (++this.refreshed[id] < this.size[id]) return gen;
    // Every cell has a sample at least this new: the bound rises, and a new generation starts.
    if (this.genOldest[id] > this.oldest[id]) this.oldest[id] = this.genOldest[id];
    this.gen[id] = gen + 1;
    this.refreshed[id] = 0;
    this.genOldest[id] = Infinity;
    return gen;
  }

  /** Every row scanned at the next sweep (thresholds or the tracked targets changed). */
  markAll(): void {
    this.marked.fill(1);
  }

  bytes(): number {
    return this.size.length * 30 + this.pairs.reduce((n, l) => n + (l ? l.byteLength : 0), 0);
  }
}
