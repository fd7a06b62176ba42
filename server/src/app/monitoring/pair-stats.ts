import { RttCode } from '@meshping/protocol';
import type { PairStats, SeriesPoint } from './pair-history';
import type { PairSamples } from './storage/sample-store';

/** Nearest-rank percentile of ascending values. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function pairStats(s: PairSamples): PairStats {
  const n = s.at.length;
  const replies = new Float64Array(n);
  let r = 0;
  let noReply = 0;
  let errors = 0;
  let sum = 0;
  let jitterSum = 0;
  let prev = -1;
  for (let i = 0; i < n; i++) {
    const rtt = s.rtt[i];
    if (rtt >= 0) {
      replies[r++] = rtt;
      sum += rtt;
      if (prev >= 0) jitterSum += Math.abs(rtt - prev);
      prev = rtt;
    } else if (rtt === RttCode.NO_REPLY) noReply++;
    else errors++;
  }
  const sorted = replies.subarray(0, r).sort();
  const probed = r + noReply;
  return {
    count: n,
    replies: r,
    noReply,
    errors,
    lossPercent: probed ? (noReply / probed) * 100 : null,
    lastAt: n ? s.at[n - 1] : null,
    lastRttUs: n ? s.rtt[n - 1] : null,
    minUs: r ? sorted[0] : null,
    avgUs: r ? sum / r : null,
    maxUs: r ? sorted[r - 1] : null,
    p50Us: r ? percentile(sorted, 50) : null,
    p95Us: r ? percentile(sorted, 95) : null,
    jitterUs: r > 1 ? jitterSum / (r - 1) : null,
  };
}

/**
 * Downsamples to at most `points` equal spans of [from, to) (never narrower than `minStep`); a
 * span without samples is left out (the gaps list says why, when the agent was the reason).
 */
export function downsample(s: PairSamples, from: number, to: number, points: number, minStep: number): { step: number; points: SeriesPoint[] } {
  const step = Math.max(minStep, Math.ceil((to - from) / points));
  const out: SeriesPoint[] = [];
  let cur: SeriesPoint | null = null;
  let sum = 0;
  let replies = 0;
  const finish = () => {
    if (cur) cur.avgUs = replies ? sum / replies : null;
  };
  for (let i = 0; i < s.at.length; i++) {
    const start = from + Math.floor((s.at[i] - from) / step) * step;
    if (!cur || cur.at !== start) {
      finish();
      cur = { at: start, count: 0, noReply: 0, errors: 0, minUs: null, avgUs: null, maxUs: null };
      out.push(cur);
      sum = replies = 0;
    }
    const rtt = s.rtt[i];
    cur.count++;
    if (rtt >= 0) {
      sum += rtt;
      replies++;
      cur.minUs = cur.minUs === null ? rtt : Math.min(cur.minUs, rtt);
      cur.maxUs = cur.maxUs === null ? rtt : Math.max(cur.maxUs, rtt);
    } else if (rtt === RttCode.NO_REPLY) cur.noReply++;
    else cur.errors++;
  }
  finish();
  return { step, points: out };
}
