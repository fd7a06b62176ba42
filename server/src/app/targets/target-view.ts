import type { ProbeTarget } from '@meshping/protocol';

/** A live target as the service keeps it and the API shows it. */
export interface TargetView extends ProbeTarget {
  group: string | null;
  /** Overrides the global latency threshold; null = use it. */
  latencyThresholdMs: number | null;
  /** Epoch ms it went dormant (probed on the back-off schedule); null while awake. */
  dormantSince: number | null;
  /** Its own time without any reply before it goes dormant (s); null = the setting, 0 = never. */
  dormantAfterSeconds: number | null;
}
