import {
  CELL_RECORD_INTS,
  CellState,
  classifyCell,
  type CellStateCode,
  CELL_STALE_AFTER_MS,
  RttCode,
  type LiveAgent,
  type LiveCells,
  type LiveLayout,
  type LiveTarget,
  type ServerToBrowser,
} from '@meshping/protocol';

/**
 * Cell states as stored (one byte a cell): the shared rule of libs/protocol (cell-state.ts), which the
 * server's state-change log uses too. UNKNOWN = grey (silent), OK = green (up), SLOW = yellow
 * (degraded), DOWN = red, DORMANT = a target no agent got a reply from for a long time, probed on the
 * back-off schedule (its cells in the rows of online agents, whatever their last sample).
 */
export const Cell = { UNKNOWN: CellState.SILENT, OK: CellState.UP, SLOW: CellState.DEGRADED, DOWN: CellState.DOWN, DORMANT: CellState.DORMANT } as const;
export type CellCode = CellStateCode;
export const CELL_NAMES = ['unknown', 'ok', 'slow', 'down', 'dormant'] as const;
export type CellStatus = (typeof CELL_NAMES)[number];

/** The colour rule, for one cell (merge() below inlines it for speed). */
export const classify = classifyCell;

const isProblem = (s: number): number => (s === Cell.DOWN || s === Cell.SLOW ? 1 : 0);

/** id -> index: a dense Int32Array for the usual small ids, a Map beyond. */
class IdIndex {
  private dense: Int32Array = new Int32Array(0);
  private sparse: Map<number, number> | null = null;

  constructor(ids: readonly number[]) {
    const max = ids.reduce((m, id) => Math.max(m, id), -1);
    if (max < 1 << 22 && ids.every((id) => id >= 0)) {
      this.dense = new Int32Array(max + 1).fill(-1);
      ids.forEach((id, i) => (this.dense[id] = i));
    } else {
      this.sparse = new Map(ids.map((id, i) => [id, i]));
    }
  }

  get(id: number): number {
    if (this.sparse) return this.sparse.get(id) ?? -1;
    return id >= 0 && id < this.dense.length ? this.dense[id] : -1;
  }
}

export type ApplyResult = 'ok' | 'resync';

/**
 * The live grid's state without any framework: agents x targets as flat typed arrays (row-major,
 * index = row * cols + col), the newest sample and its colour per cell, problem counts per row and
 * column, and the list of cells whose colour changed since the renderer last looked (`dirty`).
 * At 1,000 x 1,000 that is 13 MB of arrays and no object per cell.
 */
export class GridModel {
  agents: LiveAgent[] = [];
  targets: LiveTarget[] = [];
  globalThresholdMs = 100;
  rows = 0;
  cols = 0;
  /** Epoch ms of each cell's newest sample; NaN = none. */
  at = new Float64Array(0);
  rtt = new Int32Array(0);
  state = new Uint8Array(0);
  /** Red or yellow cells per row / column ("only problems", sort by problems). */
  rowProblems = new Int32Array(0);
  colProblems = new Int32Array(0);
  /** Per column: the threshold in µs that applies (the target's own, else the global one). */
  thresholdUs = new Float64Array(0);
  online = new Uint8Array(0);
  /** Per column: 1 while the target is dormant. */
  dormant = new Uint8Array(0);
  /** Per row: no coloured cell is older than this (a lower bound; -Infinity = unknown, scan it). */
  private rowOldest = new Float64Array(0);
  /** Cells whose state changed since takeDirty(); `layoutVersion` bumps when rows or columns changed. */
  private dirtyList = new Int32Array(1024);
  private dirtyCount = 0;
  private dirtyMark = new Uint8Array(0);
  layoutVersion = 0;
  private agentIdx = new IdIndex([]);
  private targetIdx = new IdIndex([]);
  private seq: number | null = null;
  /** The server's time, as of the last frame or tick: staleness is judged on it, not on this browser's clock. */
  now = Date.now();
  /** Server clock minus this browser's, from the last binary frame (network delay aside). */
  private clockOffset = 0;

  /**
   * Applies a server message, received at `receivedAt` by this browser's clock; answers 'resync'
   * when a seq was missed (the caller asks for a snapshot).
   */
  apply(message: ServerToBrowser, receivedAt = Date.now()): ApplyResult {
    if (message.type === 'error') return 'ok';
    if (message.type !== 'layout') {
      this.clockOffset = message.cells.serverNow - receivedAt;
      this.now = message.cells.serverNow;
    }
    if (message.type === 'snapshot') {
      this.setLayout(message.layout, false);
      this.merge(message.cells);
      this.seq = message.seq;
      return 'ok';
    }
    if (this.seq === null || message.seq !== this.seq + 1) {
      this.seq = null;
      return 'resync';
    }
    this.seq = message.seq;
    if (message.type === 'layout') this.setLayout(message.layout, true);
    else this.merge(message.cells);
    return 'ok';
  }

  /** The server's clock now, from this browser's (offset learnt from the last snapshot's serverNow). */
  serverNow(localNow = Date.now()): number {
    return localNow + this.clockOffset;
  }

  /**
   * Moves the clock (this browser's time, turned into the server's): cells whose newest sample got
   * older than CELL_STALE_AFTER_MS turn grey. Only
   * rows whose oldest coloured cell may have gone stale are scanned (rowOldest, kept by merge()).
   */
  tick(localNow: number): void {
    const now = (this.now = localNow + this.clockOffset);
    const stale = now - CELL_STALE_AFTER_MS;
    const { at, state, cols, rowOldest } = this;
    for (let row = 0; row < this.rows; row++) {
      if (rowOldest[row] >= stale) continue;
      let oldest = Infinity;
      for (let i = row * cols, end = i + cols; i < end; i++) {
        if (state[i] === Cell.UNKNOWN || state[i] === Cell.DORMANT) continue; // dormant: probed rarely, never stale
        if (at[i] < stale) this.setState(i, Cell.UNKNOWN, row, i - row * cols);
        else if (at[i] < oldest) oldest = at[i];
      }
      rowOldest[row] = oldest;
    }
  }

  indexOfAgent(agentId: number): number {
    return this.agentIdx.get(agentId);
  }

  indexOfTarget(targetId: number): number {
    return this.targetIdx.get(targetId);
  }

  status(row: number, col: number): CellStatus {
    return CELL_NAMES[this.state[row * this.cols + col]];
  }

  /** The cells whose colour changed since the last call (indexes into the arrays); clears the list. */
  takeDirty(): Int32Array {
    const out = this.dirtyList.subarray(0, this.dirtyCount);
    for (let i = 0; i < this.dirtyCount; i++) this.dirtyMark[out[i]] = 0;
    this.dirtyCount = 0;
    return out;
  }

  get dirtyPending(): number {
    return this.dirtyCount;
  }

  private setLayout(layout: LiveLayout, keepCells: boolean): void {
    const old = { agents: this.agents, targets: this.targets, at: this.at, rtt: this.rtt, cols: this.cols };
    this.agents = layout.agents;
    this.targets = layout.targets;
    this.globalThresholdMs = layout.latencyThresholdMs;
    this.rows = layout.agents.length;
    this.cols = layout.targets.length;
    const n = this.rows * this.cols;
    this.agentIdx = new IdIndex(layout.agents.map((a) => a.id));
    this.targetIdx = new IdIndex(layout.targets.map((t) => t.id));
    this.at = new Float64Array(n).fill(NaN);
    this.rtt = new Int32Array(n);
    this.state = new Uint8Array(n);
    this.dirtyMark = new Uint8Array(n);
    this.dirtyCount = 0;
    this.rowProblems = new Int32Array(this.rows);
    this.colProblems = new Int32Array(this.cols);
    this.rowOldest = new Float64Array(this.rows).fill(-Infinity);
    this.online = Uint8Array.from(layout.agents, (a) => (a.online ? 1 : 0));
    this.thresholdUs = Float64Array.from(layout.targets, (t) => (t.latencyThresholdMs ?? layout.latencyThresholdMs) * 1000);
    this.dormant = Uint8Array.from(layout.targets, (t) => (t.dormantSince ? 1 : 0));
    this.layoutVersion++;
    this.markDormant();
    if (!keepCells) return;
    // Cells of pairs that are still there keep their sample (a new column must not blank the grid).
    const colMap = old.targets.map((t) => this.targetIdx.get(t.id));
    old.agents.forEach((a, oldRow) => {
      const row = this.agentIdx.get(a.id);
      if (row < 0) return;
      for (let oldCol = 0; oldCol < old.cols; oldCol++) {
        const col = colMap[oldCol];
        const from = oldRow * old.cols + oldCol;
        if (col < 0 || Number.isNaN(old.at[from])) continue;
        const i = row * this.cols + col;
        this.at[i] = old.at[from];
        this.rtt[i] = old.rtt[from];
        this.reclassify(i, row, col);
      }
    });
    this.dirtyCount = 0; // a new layout is drawn whole
    this.dirtyMark.fill(0);
  }

  /** A dormant column's cells (online rows) are dormant with or without a sample. */
  private markDormant(): void {
    for (let col = 0; col < this.cols; col++) {
      if (this.dormant[col] === 0) continue;
      for (let row = 0; row < this.rows; row++) if (this.online[row] === 1) this.setState(row * this.cols + col, Cell.DORMANT, row, col);
    }
  }

  /** The hot path (200,000 cells a second at 1,000 x 1,000): classify() inlined, arrays in locals. */
  private merge({ serverNow, records }: LiveCells): void {
    const { cols, at, rtt, state, thresholdUs, online, dormant, agentIdx, targetIdx, rowOldest } = this;
    const stale = this.now - CELL_STALE_AFTER_MS;
    for (let r = 0; r + CELL_RECORD_INTS <= records.length; r += CELL_RECORD_INTS) {
      const row = agentIdx.get(records[r]);
      const col = targetIdx.get(records[r + 1]);
      if (row < 0 || col < 0) continue; // a pair the layout does not have (yet): the next layout brings it
      const i = row * cols + col;
      const when = serverNow - records[r + 3];
      if (when < at[i]) continue; // older than what is shown
      at[i] = when;
      const v = records[r + 2];
      rtt[i] = v;
      let next: CellCode;
      if (online[row] === 0) next = Cell.UNKNOWN;
      else if (dormant[col] === 1) next = Cell.DORMANT;
      else if (when < stale) next = Cell.UNKNOWN;
      else if (v === RttCode.NO_REPLY) next = Cell.DOWN;
      else if (v < 0) next = Cell.UNKNOWN;
      else next = v > thresholdUs[col] ? Cell.SLOW : Cell.OK;
      if (next !== state[i]) this.setState(i, next, row, col);
      if (when < rowOldest[row]) rowOldest[row] = when;
    }
  }

  private reclassify(i: number, row: number, col: number): void {
    const next = classify(this.rtt[i], this.at[i], this.now, this.thresholdUs[col], this.online[row] === 1, this.dormant[col] === 1);
    if (next !== this.state[i]) this.setState(i, next, row, col);
  }

  private setState(i: number, next: CellCode, row = Math.floor(i / this.cols), col = i - row * this.cols): void {
    const was = this.state[i];
    const delta = isProblem(next) - isProblem(was);
    if (delta !== 0) {
      this.rowProblems[row] += delta;
      this.colProblems[col] += delta;
    }
    this.state[i] = next;
    if (this.dirtyMark[i]) return;
    this.dirtyMark[i] = 1;
    if (this.dirtyCount === this.dirtyList.length) {
      const grown = new Int32Array(this.dirtyList.length * 2);
      grown.set(this.dirtyList);
      this.dirtyList = grown;
    }
    this.dirtyList[this.dirtyCount++] = i;
  }
}
