import { RttCode } from '@meshping/protocol';

/**
 * Per target id: since when it has had no reply from any agent while no-replies kept coming (the
 * first no-reply after its last reply), and the newest such no-reply. Fed with stored batches; a
 * target without results (no agent probing it) is not quiet, only unmeasured.
 */
export class QuietTargets {
  private since = new Float64Array(0);
  private latest = new Float64Array(0);
  /** 1 for a dormant target: its first reply is reported by add(). */
  private dormant = new Uint8Array(0);

  setDormant(id: number, dormant: boolean): void {
    if (id >= this.since.length) this.grow(id);
    this.dormant[id] = dormant ? 1 : 0;
  }

  /** Takes a stored batch; returns the dormant targets that answered in it (each once). */
  add(pairs: Int32Array, at: Float64Array, rtt: Int32Array, targetOf: (pair: number) => number): number[] {
    const answered: number[] = [];
    for (let i = 0; i < pairs.length; i++) {
      const t = targetOf(pairs[i]);
      if (t < 0) continue;
      if (t >= this.since.length) this.grow(t);
      if (rtt[i] >= 0) {
        if (this.dormant[t] === 1) {
          answered.push(t);
          this.dormant[t] = 2; // reported: once
        }
        this.since[t] = NaN;
        this.latest[t] = -1;
      } else if (rtt[i] === RttCode.NO_REPLY) {
        if (Number.isNaN(this.since[t]) || at[i] < this.since[t]) this.since[t] = at[i];
        if (at[i] > this.latest[t]) this.latest[t] = at[i];
      }
    }
    return answered;
  }

  /** How long the target has gone without a reply while probed (0: not quiet). */
  quietMs(id: number): number {
    if (id >= this.since.length || Number.isNaN(this.since[id])) return 0;
    return Math.max(0, this.latest[id] - this.since[id]);
  }

  /** Starts its count again (it changed state, or was deleted). */
  forget(id: number): void {
    if (id >= this.since.length) return;
    this.since[id] = NaN;
    this.latest[id] = -1;
  }

  private grow(id: number): void {
    let n = Math.max(64, this.since.length);
    while (n <= id) n *= 2;
    const since = new Float64Array(n).fill(NaN);
    const latest = new Float64Array(n).fill(-1);
    const dormant = new Uint8Array(n);
    since.set(this.since);
    latest.set(this.latest);
    dormant.set(this.dormant);
    this.since = since;
    this.latest = latest;
    this.dormant = dormant;
  }
}
