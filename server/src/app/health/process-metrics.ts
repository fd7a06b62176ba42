import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * Gauges prom-client names with a `_total` suffix, which `promtool check metrics` reports (only
 * counters may end in _total); their siblings by type (nodejs_active_handles{type} ...) stay, and
 * sum() of those is the same figure.
 */
const MISNAMED = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

let registry: Registry | null = null;

/**
 * prom-client's default metrics (process_*, nodejs_* including GC durations) in a registry of
 * their own, made once per process: they describe the process, and collectDefaultMetrics starts a
 * GC observer and an event-loop monitor that are never stopped, so each app (tests start several
 * in one process) shares them instead of starting its own.
 */
export function processRegistry(): Registry {
  if (!registry) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry });
    for (const name of MISNAMED) registry.removeSingleMetric(name);
  }
  return registry;
}
