import { PROBE_INTERVAL_MS } from './constants';

/**
 * Back-off probing of a long-unreachable target ("dormant"): after a set time without a reply from
 * any agent, the server marks the target dormant from `since`; every agent then probes it at
 * since + 30 s, + 60 s more, + 120 s, + 240 s, then every 300 s (DORMANT_FIRST_INTERVAL_MS doubling
 * up to DORMANT_MAX_INTERVAL_MS), all at the same times, until the first reply wakes it. Pure
 * functions of `since`, so agents, server and grid agree without telling each other more.
 */
export const DORMANT_FIRST_INTERVAL_MS = 30_000;
export const DORMANT_MAX_INTERVAL_MS = 300_000;
/** Default time without any reply before a target goes dormant (setting `dormantAfterSeconds`; 0 = never). */
export const DEFAULT_DORMANT_AFTER_SECONDS = 600;
/** Bounds of that setting when not 0 (a minute; a week). */
export const MIN_DORMANT_AFTER_SECONDS = 60;
export const MAX_DORMANT_AFTER_SECONDS = 7 * 86_400;

/** Offsets from `since` of the first probes until the interval stops growing: 30, 90, 210, 450 s. */
const GROWING: number[] = [];
for (let t = DORMANT_FIRST_INTERVAL_MS, step = DORMANT_FIRST_INTERVAL_MS; step < DORMANT_MAX_INTERVAL_MS; step *= 2, t += step) GROWING.push(t);
/** Where the steady DORMANT_MAX_INTERVAL_MS probes start (the last growing one). */
const STEADY_FROM = GROWING[GROWING.length - 1];

/** The first dormant probe time at or after `t` (epoch ms). */
export function nextDormantProbe(since: number, t: number): number {
  const offset = t - since;
  for (const o of GROWING) if (o >= offset) return since + o;
  const k = Math.ceil((offset - STEADY_FROM) / DORMANT_MAX_INTERVAL_MS);
  return since + STEADY_FROM + k * DORMANT_MAX_INTERVAL_MS;
}

/** Whether a dormant probe falls in the round [roundStart, roundStart + PROBE_INTERVAL_MS). */
export function dormantProbeInRound(since: number, roundStart: number): boolean {
  return nextDormantProbe(since, roundStart) < roundStart + PROBE_INTERVAL_MS;
}

/** The longest a dormant target's cell may wait for its next sample at `t`: the interval then, plus a round. */
export function dormantStaleAfterMs(since: number, t: number): number {
  const next = nextDormantProbe(since, t);
  const previous = next - since <= GROWING[0] ? since : next - intervalBefore(next - since);
  return next - previous + 2 * PROBE_INTERVAL_MS;
}

function intervalBefore(offset: number): number {
  const i = GROWING.indexOf(offset);
  return i > 0 ? GROWING[i] - GROWING[i - 1] : i === 0 ? GROWING[0] : DORMANT_MAX_INTERVAL_MS;
}
