import type { ResultsBatch } from './agent-messages';

/** One probe result: which target, when the probe was sent (epoch ms), RTT in µs or a negative RttCode. */
export interface Sample {
  targetId: number;
  at: number;
  rtt: number;
}

/** Packs samples (any order) into the column-wise results message. */
export function encodeResults(seq: number, samples: readonly Sample[]): ResultsBatch {
  let base = Infinity;
  for (const s of samples) base = Math.min(base, s.at);
  if (!Number.isFinite(base)) base = 0;
  const target = new Array<number>(samples.length);
  const dt = new Array<number>(samples.length);
  const rtt = new Array<number>(samples.length);
  samples.forEach((s, i) => {
    target[i] = s.targetId;
    dt[i] = s.at - base;
    rtt[i] = s.rtt;
  });
  return { type: 'results', seq, base, target, dt, rtt };
}

/** Unpacks a validated results message. */
export function decodeResults(batch: ResultsBatch): Sample[] {
  return batch.target.map((targetId, i) => ({ targetId, at: batch.base + batch.dt[i], rtt: batch.rtt[i] }));
}
