import { CELL_STALE_AFTER_MS, CellState, classifyCell, summariseCells, type CellStateCode } from '@meshping/protocol';
import { Kind, NO_ID, TransitionBuffer, type KindCode } from './transition-buffer';

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
const pairKey = (agentId: number, targetId: number) => agentId * 2 ** 32 + targetId;

/** Per-id state of the rows (agents) or the columns (targets): cells counted by state, the derived state, the dirty list. */
class Lines {
  counts = new Int32Array(4 * 64);
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
    const counts = new Int32Array(4 * n);
    counts.set(this.counts);
    const state = new Uint8Array(n);
    state.set(this.state);
    const since = new Float64Array(n).fill(-Infinity);
    since.set(this.since);
    const changedAt = new Float64Array(n).fill(-Infinity);
    changedAt.set(this.changedAt);
    const isDirty = new Uint8Array(n);
    isDirty.set(this.isDirty);
    Object.assign(this, { counts, state, since, changedAt, isDirty });
  }

  move(id: number, from: number, to: number, at: number): void {
    if (from >= 0) this.counts[id * 4 + from]--;
    if (to >= 0) this.counts[id * 4 + to]++;
    if (!this.isDirty[id]) {
      this.isDirty[id] = 1;
      this.dirty.push(id);
    }
    if (at > this.changedAt[id]) this.changedAt[id] = at;
  }
}

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
 * After a restart it starts from the log's last states (restore) and, for `graceMs`, records no
 * change to silent: agents reconnect and resend what they measured meanwhile, so the server's own
 * downtime is not logged as every pair going grey and back. A pair still without fresh data after
 * the grace is recorded silent from when its data stopped.
 */
export class StateTracker {
  readonly out = new TransitionBuffer();
  private cap = 0;
  private flags = new Uint8Array(0);
  private agent = new Int32Array(0);
  private target = new Int32Array(0);
  private newestAt = new Float64Array(0);
  private newestRtt = new Int32Array(0);
  private state = new Uint8Array(0);
  private since = new Float64Array(0);
  private readonly rows = new Lines();
  private readonly cols = new Lines();
  /** By agent id: connected now (1), when it disconnected (for the pairs' silent time), tracked at all (1). */
  private online = new Uint8Array(0);
  private offlineAt = new Float64Array(0);
  private activeAgent = new Uint8Array(0);
  private activeTarget = new Uint8Array(0);
  private thresholdUs: ArrayLike<number> = new Float64Array(0);
  private defaultThresholdUs = Infinity;
  private restored = new Map<number, { state: CellStateCode; at: number }>();
  private graceUntil = -Infinity;

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

  /** Agents tracked (approved or on hold) and which are connected; `now` dates a disconnection. */
  setAgents(agents: readonly { id: number; online: boolean }[], now: number): void {
    const max = agents.reduce((m, a) => Math.max(m, a.id), this.online.length - 1) + 1;
    if (max > this.online.length) {
      const online = new Uint8Array(max);
      online.set(this.online);
      const offlineAt = new Float64Array(max).fill(-Infinity);
      offlineAt.set(this.offlineAt);
      this.online = online;
      this.offlineAt = offlineAt;
    }
    const active = new Uint8Array(max);
    for (const a of agents) {
      active[a.id] = 1;
      if (this.online[a.id] === 1 && !a.online) this.offlineAt[a.id] = now;
      this.online[a.id] = a.online ? 1 : 0;
    }
    for (let id = 0; id < this.online.length; id++) if (!active[id]) this.online[id] = 0;
    this.activeAgent = active;
  }

  /** Targets tracked, with their latency thresholds in µs (null: the default). */
  setTargets(targets: readonly { id: number; thresholdUs: number | null }[], defaultThresholdUs: number): void {
    const max = targets.reduce((m, t) => Math.max(m, t.id), -1) + 1;
    const active = new Uint8Array(max);
    const thresholds = new Float64Array(max).fill(defaultThresholdUs);
    for (const t of targets) {
      active[t.id] = 1;
      if (t.thresholdUs !== null) thresholds[t.id] = t.thresholdUs;
    }
    this.activeTarget = active;
    this.thresholdUs = thresholds;
    this.defaultThresholdUs = defaultThresholdUs;
  }

  /** Stored samples (the monitoring service's batch, by pair index), committed at `now`. */
  add(pairs: ArrayLike<number>, at: ArrayLike<number>, rtt: ArrayLike<number>, now: number): void {
    for (let i = 0; i < pairs.length; i++) {
      const p = pairs[i];
      if (p >= this.cap || !(this.flags[p] & SEEN)) this.init(p);
      const t = at[i];
      if (t < this.newestAt[p]) continue; // older than what the cell shows (NaN: none yet; the same sample again judges the same)
      this.newestAt[p] = t;
      this.newestRtt[p] = rtt[i];
      if (!this.counted(p)) continue;
      // A sample stale on arrival (a resent backlog) changes nothing: the grid shows it grey too.
      if (now - t > CELL_STALE_AFTER_MS) continue;
      const next = classifyCell(rtt[i], t, now, this.threshold(this.target[p]), this.online[this.agent[p]] === 1);
      if (next !== this.state[p]) this.change(p, next, t, now);
    }
  }

  /**
   * Re-judges pairs from..to-1 at `now`: staleness, disconnections, thresholds, agents and targets
   * that came or went. Returns how many pairs there are (the caller slices its sweep by it).
   */
  sweep(from: number, to: number, now: number): number {
    const count = this.pairs.count();
    const end = Math.min(to, count);
    for (let p = from; p < end; p++) {
      if (p >= this.cap || !(this.flags[p] & SEEN)) this.init(p);
      if (!this.counted(p)) continue;
      const at = this.newestAt[p];
      const a = this.agent[p];
      const next = classifyCell(this.newestRtt[p], at, now, this.threshold(this.target[p]), this.online[a] === 1);
      if (next === this.state[p]) continue;
      // Grey from the moment the cell turned grey: its data went stale, or its agent disconnected.
      const disconnected = this.online[a] === 1 ? Infinity : this.offlineAt[a] === -Infinity ? Infinity : this.offlineAt[a];
      const when = next === CellState.SILENT ? Math.min(now, Number.isNaN(at) ? now : at + CELL_STALE_AFTER_MS, disconnected) : now;
      this.change(p, next, when, now);
    }
    return count;
  }

  /** Derives the rows and columns whose cells changed since the last call, recording what changed. */
  settle(now: number): void {
    this.settleLines(this.cols, Kind.TARGET, this.activeTarget, now);
    this.settleLines(this.rows, Kind.AGENT, this.activeAgent, now);
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
    return this.cap * (1 + 4 + 4 + 8 + 4 + 1 + 8) + (this.rows.state.length + this.cols.state.length) * (16 + 1 + 8 + 8);
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
    this.rows.move(this.agent[p], was, next, when);
    this.cols.move(this.target[p], was, next, when);
  }

  private settleLines(lines: Lines, kind: KindCode, active: Uint8Array, now: number): void {
    for (const id of lines.dirty) {
      const changedAt = lines.changedAt[id];
      lines.changedAt[id] = -Infinity;
      lines.isDirty[id] = 0;
      if (id >= active.length || active[id] === 0) continue; // deleted (or no longer approved): it ends without a row
      const c = id * 4;
      const next = summariseCells(lines.counts[c + CellState.UP], lines.counts[c + CellState.DEGRADED], lines.counts[c + CellState.DOWN]);
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
    this.rows.ensure(a);
    this.cols.ensure(t);
    const known = this.restored.get(pairKey(a, t));
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
    const grown = <T extends Uint8Array | Int32Array | Float64Array>(a: T, fill?: number): T => {
      const next = new (a.constructor as new (n: number) => T)(cap);
      if (fill !== undefined) next.fill(fill);
      next.set(a);
      return next;
    };
    this.flags = grown(this.flags);
    this.agent = grown(this.agent);
    this.target = grown(this.target);
    this.newestAt = grown(this.newestAt, NaN);
    this.newestRtt = grown(this.newestRtt);
    this.state = grown(this.state);
    this.since = grown(this.since, -Infinity);
    this.cap = cap;
  }
}
