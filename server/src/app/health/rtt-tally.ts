/**
 * Upper bounds of the RTT histogram buckets in µs: 0.1 ms doubling to 3.2768 s (smokeping_prober's
 * exponential layout); a reply slower than the last bound is counted in +Inf only.
 */
export const RTT_BUCKETS_US: readonly number[] = Array.from({ length: 16 }, (_, k) => 100 * 2 ** k);
/** The same bounds in seconds, as the `le` labels print them (0.0001, 0.0002, ... 3.2768). */
export const RTT_BUCKETS_SECONDS: readonly number[] = RTT_BUCKETS_US.map((us) => us / 1e6);
/** Counts per id: one per bound, then the one over the last bound. */
export const RTT_SLOTS = RTT_BUCKETS_US.length + 1;
const FIRST_BOUND_US = RTT_BUCKETS_US[0];

/** The bucket of an RTT (µs >= 0): the first whose bound it does not exceed, RTT_SLOTS - 1 above them all. */
export function rttBucket(rttUs: number): number {
  // rtt <= 100·2^k  <=>  ceil(rtt / 100) <= 2^k: k is the bit length of ceil(rtt / 100) - 1.
  const c = Math.ceil(rttUs / FIRST_BOUND_US);
  const k = c <= 1 ? 0 : 32 - Math.clz32(c - 1);
  return k < RTT_SLOTS - 1 ? k : RTT_SLOTS - 1;
}

/** How often a copy of the counters is kept, and how many: the loss ratio is over the last WINDOW_MS or so. */
const SNAPSHOT_MS = 10_000;
const SNAPSHOTS = 6;
export const LOSS_WINDOW_MS = SNAPSHOT_MS * SNAPSHOTS;

/**
 * RTT histograms, probes and replies of a set of ids (targets, or agents) in typed arrays indexed
 * by id, counted since start: a few array writes per sample, no object, no label lookup. Every
 * SNAPSHOT_MS the requests and replies are copied; the loss ratio is taken against the oldest copy,
 * so it covers the last 50-60 s.
 */
export class RttTally {
  /** Per id, RTT_SLOTS counts (not cumulative). */
  counts = new Float64Array(0);
  /** Per id: RTT sum (µs), probes with an outcome (reply or no reply), replies. */
  sumUs = new Float64Array(0);
  requests = new Float64Array(0);
  replies = new Float64Array(0);
  private readonly snapshots: Float64Array[] = [];
  private nextSnapshotAt = -Infinity;

  /** One probe of `id` without reply. */
  lost(id: number): void {
    if (id >= this.requests.length) this.grow(id);
    this.requests[id]++;
  }

  /** One reply of `id` after `rttUs` µs. */
  replied(id: number, rttUs: number): void {
    if (id >= this.requests.length) this.grow(id);
    this.requests[id]++;
    this.replies[id]++;
    this.sumUs[id] += rttUs;
    this.counts[id * RTT_SLOTS + rttBucket(rttUs)]++;
  }

  /** Whether anything was ever counted for `id`. */
  has(id: number): boolean {
    return id < this.requests.length && this.requests[id] > 0;
  }

  /** Forgets `id` (deleted): its figures start again from zero. */
  remove(id: number): void {
    if (id >= this.requests.length) return;
    this.counts.fill(0, id * RTT_SLOTS, (id + 1) * RTT_SLOTS);
    this.sumUs[id] = this.requests[id] = this.replies[id] = 0;
    for (const s of this.snapshots) if (2 * id + 1 < s.length) s[2 * id] = s[2 * id + 1] = 0;
  }

  /** Copies the counters when a snapshot is due (call with the time at each batch and scrape). */
  tick(now: number): void {
    if (now < this.nextSnapshotAt) return;
    // After a quiet spell every snapshot missed holds the counters as they are now.
    const due = Number.isFinite(this.nextSnapshotAt) ? Math.min(SNAPSHOTS, Math.floor((now - this.nextSnapshotAt) / SNAPSHOT_MS) + 1) : 1;
    const n = this.requests.length;
    while (this.snapshots.length > SNAPSHOTS - due) this.snapshots.shift();
    const snap = new Float64Array(2 * n);
    for (let id = 0; id < n; id++) {
      snap[2 * id] = this.requests[id];
      snap[2 * id + 1] = this.replies[id];
    }
    for (let k = 0; k < due; k++) this.snapshots.push(snap);
    this.nextSnapshotAt = now + SNAPSHOT_MS;
  }

  /** Share of the probes of `id` in the loss window without reply; null when it had none. */
  lossRatio(id: number): number | null {
    if (id >= this.requests.length) return null;
    const oldest = this.snapshots[0];
    const fromReq = oldest && 2 * id < oldest.length ? oldest[2 * id] : 0;
    const fromRep = oldest && 2 * id < oldest.length ? oldest[2 * id + 1] : 0;
    const requests = this.requests[id] - fromReq;
    return requests > 0 ? (requests - (this.replies[id] - fromRep)) / requests : null;
  }

  private grow(id: number): void {
    const size = Math.max(id + 1, this.requests.length * 2, 64);
    const widen = (a: Float64Array, n: number) => {
      const next = new Float64Array(n);
      next.set(a);
      return next;
    };
    this.counts = widen(this.counts, size * RTT_SLOTS);
    this.sumUs = widen(this.sumUs, size);
    this.requests = widen(this.requests, size);
    this.replies = widen(this.replies, size);
  }
}
