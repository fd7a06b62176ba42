import { CELL_STALE_AFTER_MS, CellState, classifyCell, summariseCells, type CellStateCode } from '@meshping/protocol';
import { LineCounts, RowIndex, STATES } from './line-counts';
import { Kind, NO_ID, TransitionBuffer, type KindCode } from './transition-buffer';
import { resized } from './typed-arrays';

/** A subject's last recorded state (from the log), to start from after a restart. */
export interface KnownState {
  kind: KindCode;
  agentId: number;
  targetId: number;
  state: CellStateCode;
  at: number;
}

/** Where pairs come from: the sample cache's stable pair indices (cells) and what each one is. */
export interface PairSource {
  /** How many pairs there are (indices 0 .. count - 1). */
  count(): number;
  agentOf(p: number): number;
  targetOf(p: number): number;
  /** The pair's newest stored sample (after a restart: what the cache recovered from disk), or null. */
  newest(p: number): { at: number; rtt: number } | null;
}

const SEEN = 1;
const COUNTED = 2;
/**
 * Samples or pairs between two looks at the clock when judging against a deadline. 1,024, not more:
 * before V8 has optimised the loop (a server's first batches) 4,096 samples took up to 40 ms.
 */
export const CHECK_EVERY = 1024;
const pairKey = (agentId: number, targetId: number) => agentId * 2 ** 32 + targetId;

/**
 * The state-change log's memory: every pair's newest sample and state, and every agent's (row)
 * and target's (column) cell counts and derived state, in typed arrays indexed by pair index and
 * by id. It records each change once into `out`:
 * - a pair changes with a new sample (at the sample's time), or when its newest sample goes stale or
 *   its agent disconnects (at the moment that turned it grey), or when its threshold moves;
 * - a row or column changes when its cells' majority does (summariseCells), evaluated once per batch
 *   (settle()), at the latest cell change that led to it.
 * The rule is the grid's own (classifyCell): the log and the grid never disagree.
 *
 * Cost is kept to what can have changed: judging a batch is a few typed-array reads per sample and
 * can stop at a deadline and resume (judge()); a sweep scans only the rows (agents) whose oldest
 * coloured cell may have gone stale (RowIndex: a lower bound as the web grid's rowOldest, also raised
 * whenever an agent's rounds have covered its whole row) or that were marked (the agent connected,
 * disconnected, came or went; every row when thresholds or targets change), and can stop and resume
 * likewise. Rows and columns are counts per state, moved O(1) per pair change.
 *
 * After a restart it starts from the log's last states (restore) and, for `graceMs`, records no
 * change to silent: agents reconnect and resend what they measured meanwhile, so the server's own
 * downtime is not logged as every pair going grey and back. A pair still without fresh data after
 * the grace is recorded silent from when its data stopped.
 */
export class StateTracker {
  readonly out = new TransitionBuffer();
  /** Cells that sweeps have re-judged, in all (figures, tests: a sweep costs what may have changed). */
  sweptCells = 0;
  private cap = 0;
  private flags = new Uint8Array(0);
  private agent = new Int32Array(0);
  private target = new Int32Array(0);
  private newestAt = new Float64Array(0);
  private newestRtt = new Int32Array(0);
  private state = new Uint8Array(0);
  private since = new Float64Array(0);
  /** Each cell's row generation (RowIndex.sampled). */
  private cellGen = new Int32Array(0);
  private readonly rows = new LineCounts();
  private readonly cols = new LineCounts();
  private readonly rowIndex = new RowIndex();
  /** By agent id: connected now (1), when it disconnected (for the pairs' silent time), tracked at all (1). */
  private online = new Uint8Array(0);
  private offlineAt = new Float64Array(0);
  private activeAgent = new Uint8Array(0);
  private activeTarget = new Uint8Array(0);
  private thresholdUs: ArrayLike<number> = new Float64Array(0);
  /** By target id: 1 while dormant (its cells are DORMANT in online rows; its column too). */
  private dormantTarget = new Uint8Array(0);
  private defaultThresholdUs = Infinity;
  private restored = new Map<number, { state: CellStateCode; at: number }>();
  private graceUntil = -Infinity;
  /** The sweep under way: its time (NaN: none), the next row, and how many cells sweeps have initialised. */
  private sweepNow = NaN;
  private sweepRow = 0;
  private sweepInit = 0;

  constructor(private readonly pairs: PairSource) {}

  /** The log's last state of every subject, and from when silence may be recorded again. */
  restore(known: readonly KnownState[], graceUntil: number): void {
    this.graceUntil = graceUntil;
    for (const k of known) {
      if (k.kind === Kind.PAIR) this.restored.set(pairKey(k.agentId, k.targetId), { state: k.state, at: k.at });
      else {
        const lines = k.kind === Kind.TARGET ? this.cols : this.rows;
        const id = k.kind === Kind.TARGET ? k.targetId : k.agentId;
        lines.ensure(id);
        lines.state[id] = k.state;
        lines.since[id] = k.at;
      }
    }
  }

  /** Agents tracked (approved or on hold) and which are connected; `now` dates a disconnection. Rows that changed are scanned at the next sweep. */
  setAgents(agents: readonly { id: number; online: boolean }[], now: number): void {
    const max = agents.reduce((m, a) => Math.max(m, a.id), this.online.length - 1) + 1;
    if (max > this.online.length) {
      this.online = resized(this.online, max);
      this.offlineAt = resized(this.offlineAt, max, -Infinity);
    }
    const was = this.activeAgent;
    const active = new Uint8Array(max);
    for (const a of agents) {
      active[a.id] = 1;
      const on = a.online ? 1 : 0;
      if (this.online[a.id] === on) continue;
      if (on === 0) this.offlineAt[a.id] = now;
      this.online[a.id] = on;
      this.markRow(a.id);
    }
    for (let id = 0; id < this.online.length; id++) {
      if (!active[id]) this.online[id] = 0;
      if (active[id] !== (id < was.length ? was[id] : 0)) this.markRow(id);
    }
    this.activeAgent = active;
  }

  /** Targets tracked, with their latency thresholds in µs (null: the default). A change re-judges every row at the next sweep. */
  setTargets(targets: readonly { id: number; thresholdUs: number | null; dormant?: boolean }[], defaultThresholdUs: number): void {
    const max = targets.reduce((m, t) => Math.max(m, t.id), -1) + 1;
    const active = new Uint8Array(max);
    const thresholds = new Float64Array(max).fill(defaultThresholdUs);
    const dormant = new Uint8Array(max);
    for (const t of targets) {
      active[t.id] = 1;
      if (t.thresholdUs !== null) thresholds[t.id] = t.thresholdUs;
      if (t.dormant) dormant[t.id] = 1;
    }
    const same = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.prototype.every.call(a, (v: number, i: number) => v === b[i]);
    if (defaultThresholdUs !== this.defaultThresholdUs || !same(active, this.activeTarget) || !same(thresholds, this.thresholdUs) || !same(dormant, this.dormantTarget)) {
      this.rowIndex.markAll();
    }
    this.activeTarget = active;
    this.thresholdUs = thresholds;
    this.dormantTarget = dormant;
    this.defaultThresholdUs = defaultThresholdUs;
  }

  /** Stored samples (the monitoring service's batch, by pair index), committed at `now`. */
  add(pairs: ArrayLike<number>, at: ArrayLike<number>, rtt: ArrayLike<number>, now: number): void {
    this.judge(pairs, at, rtt, now, 0, Infinity);
  }

  /**
   * add() from sample `from` on, stopping once performance.now() passes `deadline` (looked at every
   * CHECK_EVERY samples). Returns the index of the first sample not judged (pairs.length: all were).
   */
  judge(pairs: ArrayLike<number>, at: ArrayLike<number>, rtt: ArrayLike<number>, now: number, from: number, deadline: number): number {
    const stale = now - CELL_STALE_AFTER_MS;
    let { flags, newestAt, newestRtt, cellGen } = this;
    const rows = this.rowIndex;
    for (let i = from; i < pairs.length; i++) {
      if (i > from && (i - from) % CHECK_EVERY === 0 && performance.now() > deadline) return i;
      const p = pairs[i];
      if (p >= this.cap || (flags[p] & SEEN) === 0) {
        this.init(p);
        ({ flags, newestAt, newestRtt, cellGen } = this);
      }
      const t = at[i];
      const a = this.agent[p];
      cellGen[p] = rows.sampled(a, cellGen[p], t);
      if (t < newestAt[p]) continue; // older than what the cell shows (NaN: none yet; the same sample again judges the same)
      const v = rtt[i];
      newestAt[p] = t;
      newestRtt[p] = v;
      if (!this.counted(p)) continue;
      // A sample stale on arrival (a resent backlog) changes nothing: the grid shows it grey too.
      if (t < stale) continue;
      const next = classifyCell(v, t, now, this.threshold(this.target[p]), this.online[a] === 1, this.isDormant(this.target[p]));
      if (next !== this.state[p]) this.change(p, next, t, now);
    }
    return pairs.length;
  }

  /**
   * Re-judges at `now` what may have changed without a sample: cells gone stale, rows whose agent
   * connected, disconnected, came or went, and every row after a threshold or target change; and
   * initialises cells no sample has brought yet. Stops once performance.now() passes `deadline` and
   * returns false; the next call goes on with the same sweep (at its first `now`) and returns true
   * when it is done.
   */
  sweep(now: number, deadline = Infinity): boolean {
    if (Number.isNaN(this.sweepNow)) {
      this.sweepNow = now;
      this.sweepRow = 0;
    }
    const at = this.sweepNow;
    let work = 0;
    // New cells are appended (stable indices): each is initialised once, here if no sample brought it.
    for (const count = this.pairs.count(); this.sweepInit < count; ) {
      const p = this.sweepInit++;
      if (p >= this.cap || (this.flags[p] & SEEN) === 0) this.init(p);
      if (++work >= CHECK_EVERY) {
        work = 0;
        if (performance.now() > deadline) return false;
      }
    }
    const stale = at - CELL_STALE_AFTER_MS;
    const { oldest, marked } = this.rowIndex;
    while (this.sweepRow < oldest.length) {
      const row = this.sweepRow++;
      if (oldest[row] >= stale && !marked[row]) continue; // no coloured cell of it can have gone stale
      work += this.scanRow(row, at);
      if (work >= CHECK_EVERY) {
        work = 0;
        if (performance.now() > deadline) return false;
      }
    }
    this.sweepNow = NaN;
    return true;
  }

  /** Derives the rows and columns whose cells changed since the last call, recording what changed. */
  settle(now: number): void {
    this.settleLines(this.cols, Kind.TARGET, this.activeTarget, now);
    this.settleLines(this.rows, Kind.AGENT, this.activeAgent, now);
  }

  /**
   * Room for `pairs` cells at once (the mesh's agents x targets): growing by doubling while ingest
   * runs copies every array in one step (tens of ms at half a million cells), so the service reserves
   * the mesh's size when it learns it, outside ingest.
   */
  reserve(pairs: number): void {
    if (pairs > this.cap) this.grow(pairs);
  }

  /** Each pair's state (tests and figures). */
  pairState(p: number): CellStateCode {
    return (p < this.cap ? this.state[p] : CellState.SILENT) as CellStateCode;
  }

  lineState(kind: KindCode, id: number): CellStateCode {
    const lines = kind === Kind.TARGET ? this.cols : this.rows;
    return (id < lines.state.length ? lines.state[id] : CellState.SILENT) as CellStateCode;
  }

  /** Bytes held by the arrays. */
  bytes(): number {
    return this.cap * (1 + 4 + 4 + 8 + 4 + 1 + 8 + 4) + (this.rows.state.length + this.cols.state.length) * (16 + 1 + 8 + 8) + this.rowIndex.bytes();
  }

  private threshold(targetId: number): number {
    return targetId < this.thresholdUs.length ? this.thresholdUs[targetId] : this.defaultThresholdUs;
  }

  /** Whether a pair takes part (its agent and target are tracked); a pair that joins or leaves moves in or out of its lines' counts. */
  private counted(p: number): boolean {
    const a = this.agent[p];
    const t = this.target[p];
    const active = a < this.activeAgent.length && this.activeAgent[a] === 1 && t < this.activeTarget.length && this.activeTarget[t] === 1;
    const was = (this.flags[p] & COUNTED) !== 0;
    if (active !== was) {
      this.flags[p] ^= COUNTED;
      const s = this.state[p];
      this.rows.move(a, active ? -1 : s, active ? s : -1, this.since[p]);
      this.cols.move(t, active ? -1 : s, active ? s : -1, this.since[p]);
    }
    return active;
  }

  private change(p: number, next: CellStateCode, at: number, now: number): void {
    if (next === CellState.SILENT && now < this.graceUntil) return;
    const was = this.state[p];
    const when = Math.max(at, this.since[p]);
    this.out.push(Kind.PAIR, this.agent[p], this.target[p], was as CellStateCode, next, when);
    this.state[p] = next;
    this.since[p] = when;
    const a = this.agent[p];
    if (next !== CellState.SILENT && next !== CellState.DORMANT && !(this.newestAt[p] >= this.rowIndex.oldest[a])) this.rowIndex.oldest[a] = Number.isNaN(this.newestAt[p]) ? -Infinity : this.newestAt[p];
    this.rows.move(this.agent[p], was, next, when);
    this.cols.move(this.target[p], was, next, when);
  }

  /** Re-judges one row's cells at `now`; its bound becomes its oldest coloured cell's newest sample. Returns the cells looked at. */
  private scanRow(row: number, now: number): number {
    const list = this.rowIndex.pairs[row];
    const n = this.rowIndex.size[row];
    const online = this.online[row] === 1;
    // Grey from the moment the cell turned grey: its data went stale, or its agent disconnected.
    const disconnected = online || this.offlineAt[row] === -Infinity ? Infinity : this.offlineAt[row];
    let oldest = Infinity;
    this.sweptCells += n;
    for (let k = 0; k < n; k++) {
      const p = list[k];
      if (!this.counted(p)) continue;
      const at = this.newestAt[p];
      const next = classifyCell(this.newestRtt[p], at, now, this.threshold(this.target[p]), online, this.isDormant(this.target[p]));
      if (next !== this.state[p]) {
        const when = next === CellState.SILENT ? Math.min(now, Number.isNaN(at) ? now : at + CELL_STALE_AFTER_MS, disconnected) : now;
        this.change(p, next, when, now);
      }
      // Still coloured: in the restart grace, a stale or sample-less cell stays as restored until it ends.
      // (A dormant cell is never stale: it bounds nothing.)
      if (this.state[p] !== CellState.SILENT && this.state[p] !== CellState.DORMANT) oldest = Number.isNaN(at) ? -Infinity : Math.min(oldest, at);
    }
    this.rowIndex.oldest[row] = oldest;
    this.rowIndex.marked[row] = 0;
    return n;
  }

  private isDormant(targetId: number): boolean {
    return targetId < this.dormantTarget.length && this.dormantTarget[targetId] === 1;
  }

  private markRow(agentId: number): void {
    if (agentId < this.rowIndex.marked.length) this.rowIndex.marked[agentId] = 1;
  }

  private settleLines(lines: LineCounts, kind: KindCode, active: Uint8Array, now: number): void {
    for (const id of lines.dirty) {
      const changedAt = lines.changedAt[id];
      lines.changedAt[id] = -Infinity;
      lines.isDirty[id] = 0;
      if (id >= active.length || active[id] === 0) continue; // deleted (or no longer approved): it ends without a row
      const c = id * STATES;
      // A dormant target's column is dormant; an agent's row is judged by its other cells.
      const next =
        kind === Kind.TARGET && this.isDormant(id) ? CellState.DORMANT : summariseCells(lines.counts[c + CellState.UP], lines.counts[c + CellState.DEGRADED], lines.counts[c + CellState.DOWN]);
      if (next === lines.state[id] || (next === CellState.SILENT && now < this.graceUntil)) continue;
      let when = Math.max(changedAt, lines.since[id]);
      if (when === -Infinity) when = now;
      this.out.push(kind, kind === Kind.AGENT ? id : NO_ID, kind === Kind.TARGET ? id : NO_ID, lines.state[id] as CellStateCode, next, when);
      lines.state[id] = next;
      lines.since[id] = when;
    }
    lines.dirty.length = 0;
  }

  private init(p: number): void {
    if (p >= this.cap) this.grow(p + 1);
    const a = this.pairs.agentOf(p);
    const t = this.pairs.targetOf(p);
    this.agent[p] = a;
    this.target[p] = t;
    this.newestAt[p] = NaN;
    this.since[p] = -Infinity;
    this.cellGen[p] = -1;
    this.rows.ensure(a);
    this.cols.ensure(t);
    this.rowIndex.ensure(a);
    this.rowIndex.add(a, p); // its row is scanned at the next sweep
    const known = this.restored.size ? this.restored.get(pairKey(a, t)) : undefined;
    if (known) {
      this.restored.delete(pairKey(a, t));
      this.state[p] = known.state;
      this.since[p] = known.at;
    }
    const newest = this.pairs.newest(p);
    if (newest) {
      this.newestAt[p] = newest.at;
      this.newestRtt[p] = newest.rtt;
    }
    this.flags[p] = SEEN;
  }

  private grow(min: number): void {
    let cap = Math.max(1024, this.cap);
    while (cap < min) cap *= 2;
    // No fill: init() sets each cell's fields.
    this.flags = resized(this.flags, cap);
    this.agent = resized(this.agent, cap);
    this.target = resized(this.target, cap);
    this.newestAt = resized(this.newestAt, cap);
    this.newestRtt = resized(this.newestRtt, cap);
    this.state = resized(this.state, cap);
    this.since = resized(this.since, cap);
    this.cellGen = resized(this.cellGen, cap);
    this.cap = cap;
  }
}
