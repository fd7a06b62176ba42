import { RttCode } from '@meshping/protocol';

export interface PairSample {
  at: number;
  rtt: number;
}

export interface PairStats {
  count: number;
  lossPercent: number;
  p50Ms: number | null;
  p95Ms: number | null;
  lastMs: number | null;
  /** The newest sample's outcome when it was not a reply ("no reply", ...). */
  lastProblem: string | null;
}

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** Loss counts only "no reply"; unresolved names and send errors are the agent's problem and are left out. */
export function pairStats(samples: readonly PairSample[]): PairStats {
  const judged = samples.filter((s) => s.rtt >= 0 || s.rtt === RttCode.NO_REPLY);
  const replies = judged.filter((s) => s.rtt >= 0).map((s) => s.rtt / 1000).sort((a, b) => a - b);
  const last = samples[samples.length - 1];
  return {
    count: samples.length,
    lossPercent: judged.length ? (100 * (judged.length - replies.length)) / judged.length : 0,
    p50Ms: replies.length ? percentile(replies, 50) : null,
    p95Ms: replies.length ? percentile(replies, 95) : null,
    lastMs: last && last.rtt >= 0 ? last.rtt / 1000 : null,
    lastProblem: !last || last.rtt >= 0 ? null : last.rtt === RttCode.NO_REPLY ? 'no reply' : last.rtt === RttCode.UNRESOLVED ? 'name not resolved' : 'send error',
  };
}
