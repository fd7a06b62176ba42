import type { ProbeTarget } from '@meshping/protocol';

/** A live target as the service keeps it and the API shows it. */
export interface TargetView extends ProbeTarget {
  group: string | null;
  /** Overrides the global latency threshold; null = use it. */
  latencyThresholdMs: number | null;
}
