/** Pairs with series of their own at most, when per-pair series are on (3 series a pair: 30,000 series). */
export const PAIR_SERIES_CAP = 10_000;

const UNSEEN = 0;
const REFUSED = -1;

/**
 * Probes, replies and RTT sum per (agent, target) pair, for at most `cap` pairs: a pair takes a
 * slot at its first sample, in the order they come; a pair beyond the cap is refused (counted in
 * `refused`, reported once through onCapReached) until a deleted agent or target frees a slot.
 * Pairs are the hour cache's stable indices (MonitoringService.samplesStored$).
 */
export class PairTally {
  /** By pair index: its slot + 1, UNSEEN, or REFUSED. */
  private slotOf = new Int32Array(0);
  /** By slot: the pair holding it, or -1. */
  readonly pairOf: Int32Array;
  readonly requests: Float64Array;
  readonly replies: Float64Array;
  readonly sumUs: Float64Array;
  private readonly free: number[] = [];
  private used = 0;
  /** Pairs seen and refused a slot (still refused now). */
  refused = 0;
  private reported = false;

  constructor(
    readonly cap: number,
    private readonly onCapReached: (cap: number) => void,
  ) {
    this.pairOf = new Int32Array(cap).fill(-1);
    this.requests = new Float64Array(cap);
    this.replies = new Float64Array(cap);
    this.sumUs = new Float64Array(cap);
  }

  /** Pairs that have series now. */
  get pairs(): number {
    return this.used - this.free.length;
  }

  /** One probe of pair `p`: rtt in µs, or -1 for no reply. */
  add(p: number, rttUs: number): void {
    if (p >= this.slotOf.length) this.grow(p);
    let s = this.slotOf[p] - 1;
    if (s < 0) {
      s = this.assign(p);
      if (s < 0) return;
    }
    this.requests[s]++;
    if (rttUs >= 0) {
      this.replies[s]++;
      this.sumUs[s] += rttUs;
    }
  }

  /** Frees the slots of the pairs `gone` says are gone (a deleted agent or target), and forgets their refusals. */
  remove(gone: (p: number) => boolean): void {
    for (let p = 0; p < this.slotOf.length; p++) {
      const v = this.slotOf[p];
      if (v === UNSEEN || !gone(p)) continue;
      if (v === REFUSED) this.refused--;
      else {
        const s = v - 1;
        this.pairOf[s] = -1;
        this.requests[s] = this.replies[s] = this.sumUs[s] = 0;
        this.free.push(s);
      }
      this.slotOf[p] = UNSEEN;
    }
  }

  private assign(p: number): number {
    const wasRefused = this.slotOf[p] === REFUSED;
    const s = this.free.length ? (this.free.pop() as number) : this.used < this.cap ? this.used++ : -1;
    if (s < 0) {
      if (!wasRefused) {
        this.slotOf[p] = REFUSED;
        this.refused++;
        if (!this.reported) this.onCapReached(this.cap);
        this.reported = true;
      }
      return -1;
    }
    if (wasRefused) this.refused--;
    this.slotOf[p] = s + 1;
    this.pairOf[s] = p;
    return s;
  }

  private grow(p: number): void {
    const next = new Int32Array(Math.max(p + 1, this.slotOf.length * 2, 1024));
    next.set(this.slotOf);
    this.slotOf = next;
  }
}
