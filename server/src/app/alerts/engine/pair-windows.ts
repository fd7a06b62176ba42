import { PROBE_INTERVAL_MS } from '@meshping/protocol';

/** Slots per window: a window is evaluated to 1/12 of its length (a 5-min window: 25-s slots). */
export const SLOTS = 12;
/** A sample stored this long after it was probed is history (a resent backlog): it is not alerted on. */
export const LATE_MS = 3 * PROBE_INTERVAL_MS;
const NONE = -1;

/** What a windowed channel counts: every sample and the lost ones, or the replies and those over a threshold. */
export type ChannelKind = 'loss' | 'latency';

export interface ChannelSpec {
  kind: ChannelKind;
  windowMs: number;
  /** latency: RTT over this (µs) is bad; null: the target's own threshold (thresholdUs of its id). */
  thresholdUs: number | null;
}

export function channelKey(spec: ChannelSpec): string {
  return `${spec.kind}:${spec.windowMs}:${spec.thresholdUs ?? 'target'}`;
}

/**
 * One window's counters for every pair: SLOTS ring slots of (samples, bad samples), a byte each, the
 * slot number the ring was last written at, and running totals of the ring (so that a window's sums
 * are read in O(1) when the ring is current, as it is for every pair that probes). 32 bytes a pair;
 * sums are exact for whole slots.
 */
class Channel {
  readonly slotMs: number;
  epoch: Int32Array;
  count: Uint8Array;
  bad: Uint8Array;
  totalCount: Uint16Array;
  totalBad: Uint16Array;

  constructor(
    readonly spec: ChannelSpec,
    capacity: number,
  ) {
    this.slotMs = spec.windowMs / SLOTS;
    this.epoch = new Int32Array(capacity).fill(NONE);
    this.count = new Uint8Array(capacity * SLOTS);
    this.bad = new Uint8Array(capacity * SLOTS);
    this.totalCount = new Uint16Array(capacity);
    this.totalBad = new Uint16Array(capacity);
  }

  grow(capacity: number): void {
    const epoch = new Int32Array(capacity).fill(NONE);
    epoch.set(this.epoch);
    this.epoch = epoch;
    this.count = copy(this.count, capacity * SLOTS);
    this.bad = copy(this.bad, capacity * SLOTS);
    this.totalCount = copy(this.totalCount, capacity);
    this.totalBad = copy(this.totalBad, capacity);
  }

  add(p: number, at: number, isBad: boolean): void {
    const slot = Math.floor(at / this.slotMs);
    const last = this.epoch[p];
    if (last !== NONE && slot <= last - SLOTS) return; // older than the window the ring holds
    const base = p * SLOTS;
    if (last === NONE || slot > last) {
      // Clear the slots between the last one written and this one (at most the whole ring).
      const from = last === NONE ? slot - SLOTS + 1 : Math.max(last + 1, slot - SLOTS + 1);
      for (let s = from; s <= slot; s++) {
        const i = base + (((s % SLOTS) + SLOTS) % SLOTS);
        this.totalCount[p] -= this.count[i];
        this.totalBad[p] -= this.bad[i];
        this.count[i] = 0;
        this.bad[i] = 0;
      }
      this.epoch[p] = slot;
    }
    const i = base + (slot % SLOTS);
    if (this.count[i] < 255) {
      this.count[i]++;
      this.totalCount[p]++;
      if (isBad) {
        this.bad[i]++;
        this.totalBad[p]++;
      }
    }
  }

  /** Sums the slots of pair p inside the window that ends at `now` into out[0] (samples) and out[1] (bad). */
  sums(p: number, now: number, out: Int32Array): void {
    const last = this.epoch[p];
    if (last === NONE) {
      out[0] = 0;
      out[1] = 0;
      return;
    }
    const nowSlot = Math.floor(now / this.slotMs);
    if (nowSlot === last) {
      out[0] = this.totalCount[p];
      out[1] = this.totalBad[p];
      return;
    }
    // The ring is behind (or ahead of) now: sum the slots inside the window.
    out[0] = 0;
    out[1] = 0;
    const from = Math.max(nowSlot - SLOTS + 1, last - SLOTS + 1);
    const to = Math.min(nowSlot, last);
    const base = p * SLOTS;
    for (let s = from; s <= to; s++) {
      const i = base + (s % SLOTS);
      out[0] += this.count[i];
      out[1] += this.bad[i];
    }
  }
}

function copy<T extends Uint8Array | Uint16Array>(a: T, length: number): T {
  const next = new (a.constructor as new (n: number) => T)(length);
  next.set(a);
  return next;
}

/**
 * What the rule engine keeps of every pair's recent samples (pairs are the sample cache's stable
 * indices): the newest live sample's time, the no-replies in a row, and one windowed channel per
 * distinct (kind, window, threshold) the enabled rules use. Fed with every stored sample as it is
 * committed; a sample that arrives later than LATE_MS after it was probed (a backlog resent after an
 * outage) is not counted: alerts are about now, and the outage it covers was the agent's silence.
 */
export class PairWindows {
  private capacity = 1024;
  newestAt = new Float64Array(this.capacity).fill(NONE);
  consecutive = new Uint16Array(this.capacity);
  private readonly channels = new Map<string, Channel>();
  private channelList: Channel[] = [];
  /** Each target's latency threshold in µs, by target id (for channels with thresholdUs null). */
  targetThresholdUs: ArrayLike<number> = new Float64Array(0);
  /** By target id: how old its pairs' newest sample may be and still count (ms; 0 or absent: CELL_STALE_AFTER_MS). Dormant targets'. */
  targetStaleMs: ArrayLike<number> = new Float64Array(0);

  /** Keeps exactly these channels (new ones start empty, unused ones are dropped). */
  setChannels(specs: readonly ChannelSpec[]): void {
    const wanted = new Map(specs.map((s) => [channelKey(s), s]));
    for (const key of this.channels.keys()) if (!wanted.has(key)) this.channels.delete(key);
    for (const [key, spec] of wanted) if (!this.channels.has(key)) this.channels.set(key, new Channel(spec, this.capacity));
    this.channelList = [...this.channels.values()];
  }

  channelCount(): number {
    return this.channelList.length;
  }

  /** Bytes held for `pairs` pairs (capacity grows by doubling). */
  bytes(): number {
    return this.capacity * (8 + 2 + this.channelList.length * (4 + 4 + 2 * SLOTS));
  }

  /**
   * Counts stored samples: pair p[i] probed at at[i] with rtt[i] (µs, or a negative RttCode), target
   * ids from targetOf. `now` is when they were committed.
   */
  add(pairs: ArrayLike<number>, at: ArrayLike<number>, rtt: ArrayLike<number>, targetOf: (p: number) => number, now: number): void {
    const channels = this.channelList;
    const thresholds = this.targetThresholdUs;
    for (let i = 0; i < pairs.length; i++) {
      const p = pairs[i];
      const t = at[i];
      if (t < now - LATE_MS) continue;
      if (p >= this.capacity) this.grow(p + 1);
      const r = rtt[i];
      const lost = r < 0;
      if (t > this.newestAt[p]) {
        this.newestAt[p] = t;
        this.consecutive[p] = lost ? Math.min(this.consecutive[p] + 1, 65_535) : 0;
      }
      for (let c = 0; c < channels.length; c++) {
        const ch = channels[c];
        if (ch.spec.kind === 'loss') ch.add(p, t, lost);
        else if (!lost) {
          const limit = ch.spec.thresholdUs ?? thresholds[targetOf(p)] ?? Infinity;
          ch.add(p, t, r > limit);
        }
      }
    }
  }

  sums(spec: ChannelSpec, p: number, now: number, out: Int32Array): void {
    const ch = this.channels.get(channelKey(spec));
    if (!ch || p >= this.capacity) {
      out[0] = 0;
      out[1] = 0;
      return;
    }
    ch.sums(p, now, out);
  }

  /** The counters of one channel, for a tight evaluation loop (undefined when no rule uses it). */
  channel(spec: ChannelSpec): { sums(p: number, now: number, out: Int32Array): void } | undefined {
    return this.channels.get(channelKey(spec));
  }

  has(p: number): boolean {
    return p < this.capacity && this.newestAt[p] !== NONE;
  }

  private grow(min: number): void {
    let capacity = this.capacity;
    while (capacity < min) capacity *= 2;
    const newestAt = new Float64Array(capacity).fill(NONE);
    newestAt.set(this.newestAt);
    const consecutive = new Uint16Array(capacity);
    consecutive.set(this.consecutive);
    this.newestAt = newestAt;
    this.consecutive = consecutive;
    for (const ch of this.channelList) ch.grow(capacity);
    this.capacity = capacity;
  }
}
