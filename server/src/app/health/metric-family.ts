import type { Metric, Registry } from 'prom-client';

type Labels = Record<string, string | number>;

/** One line of a family: prom-client prints `metricName{labels,sharedLabels} value`. */
export interface FamilyValue {
  value: number;
  labels: Labels;
  /** The same object for the lines of one series: prom-client formats it once (a WeakMap). */
  sharedLabels?: Labels;
  metricName?: string;
}

const NO_LABELS: Labels = {};

/**
 * A metric family in prom-client's registry whose lines are read, at each scrape, from figures kept
 * elsewhere (the watchdog's stall counts): prom-client's Histogram only takes observe(), and its
 * registry only asks a metric for get().
 */
export class CollectedFamily {
  readonly aggregator = 'sum';

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram' | 'summary',
    private readonly collect: () => FamilyValue[],
  ) {}

  async get() {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.collect() };
  }

  reset(): void {
    /* the figures belong to whoever keeps them */
  }

  registerIn(registry: Registry): this {
    registry.registerMetric(this as unknown as Metric);
    return this;
  }
}

/** The `le` label objects of a histogram's bounds, +Inf last (shared by every series of it). */
export function leLabels(bounds: readonly number[]): Labels[] {
  return [...bounds.map((le) => ({ le })), { le: '+Inf' }];
}

/**
 * Appends one histogram series: `counts[offset .. offset + le.length)` are per-bucket counts (not
 * cumulative), the last one above every bound; count is their total.
 */
export function pushHistogram(out: FamilyValue[], name: string, le: Labels[], counts: ArrayLike<number>, offset: number, sum: number, sharedLabels: Labels = NO_LABELS): void {
  let total = 0;
  const bucket = `${name}_bucket`;
  for (let k = 0; k < le.length; k++) {
    total += counts[offset + k];
    out.push({ metricName: bucket, labels: le[k], sharedLabels, value: total });
  }
  out.push({ metricName: `${name}_sum`, labels: NO_LABELS, sharedLabels, value: sum });
  out.push({ metricName: `${name}_count`, labels: NO_LABELS, sharedLabels, value: total });
}
