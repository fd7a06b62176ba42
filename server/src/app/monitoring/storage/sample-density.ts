import { MAX_SAMPLES_PER_INTERVAL, PROBE_INTERVAL_MS, type ResultColumns } from '@meshping/protocol';

/** One agent's results for storage: times as offsets from a base, target ids and RTT codes. */
export type SampleBatch = Pick<ResultColumns, 'base' | 'target' | 'dt' | 'rtt'>;

/**
 * The most samples found within any `span` ms (a half-open window) of these times, sorted
 * ascending; equal times count once (a resend of the same sample is a duplicate, not a second one).
 */
export function mostWithin(sorted: ArrayLike<number>, span = PROBE_INTERVAL_MS): { count: number; from: number } {
  const distinct: number[] = [];
  for (let j = 0; j < sorted.length; j++) if (j === 0 || sorted[j] !== sorted[j - 1]) distinct.push(sorted[j]);
  let best = { count: 0, from: 0 };
  for (let j = 0, start = 0; j < distinct.length; j++) {
    while (distinct[j] - distinct[start] >= span) start++;
    if (j - start + 1 > best.count) best = { count: j - start + 1, from: distinct[start] };
  }
  return best;
}

/**
 * Would `at` make more than MAX_SAMPLES_PER_INTERVAL samples of one pair within one probe interval
 * of the hour cache? `near`: its stored neighbours within an interval either side (scratch: the
 * late ones within reach are added here). Before this check, an agent sending samples 1 ms apart
 * (one per batch) got 123 of them stored in one interval.
 */
export function crowded(near: number[], late: readonly number[] | undefined, at: number, span = PROBE_INTERVAL_MS): boolean {
  for (let i = 0; late && i < late.length; i += 2) if (Math.abs(late[i] - at) < span) near.push(late[i]);
  // Fewer neighbours than the limit: no window can hold too many (the common case, no sort).
  if (near.length < MAX_SAMPLES_PER_INTERVAL) return false;
  near.push(at);
  near.sort((x, y) => x - y);
  return mostWithin(near, span).count > MAX_SAMPLES_PER_INTERVAL;
}

/**
 * Why a batch holds more samples of one pair than an agent can have measured (more than
 * MAX_SAMPLES_PER_INTERVAL within any probe interval), or null. The common batch (each target
 * once: one round) is checked with one pass over a reused map.
 */
export class DensityCheck {
  private readonly counts = new Map<number, number>();

  check({ base, target, dt }: SampleBatch): string | null {
    const counts = this.counts;
    counts.clear();
    let repeated = false;
    for (let i = 0; i < target.length; i++) {
      const n = (counts.get(target[i]) ?? 0) + 1;
      counts.set(target[i], n);
      if (n > 1) repeated = true;
    }
    if (!repeated) return null;
    const times = new Map<number, number[]>();
    for (let i = 0; i < target.length; i++) {
      if ((counts.get(target[i]) ?? 0) <= MAX_SAMPLES_PER_INTERVAL) continue;
      let list = times.get(target[i]);
      if (!list) times.set(target[i], (list = []));
      list.push(base + dt[i]);
    }
    for (const [targetId, list] of times) {
      list.sort((a, b) => a - b);
      const most = mostWithin(list);
      if (most.count > MAX_SAMPLES_PER_INTERVAL) {
        return `target ${targetId}: ${most.count} samples within ${PROBE_INTERVAL_MS} ms from ${most.from}; at most ${MAX_SAMPLES_PER_INTERVAL} (one per probe interval, plus slack)`;
      }
    }
    return null;
  }
}
