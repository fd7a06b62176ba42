/** The first reconnect waits about this long (ms) ... */
export const RECONNECT_MIN_MS = 1_000;
/** ... each further attempt doubles it, up to this (ms). */
export const RECONNECT_MAX_MS = 30_000;

/**
 * How long an agent waits before reconnect attempt `attempt` (0 after a successful login): the
 * exponential step times a random factor in [0.5, 1). The jitter spreads a fleet that lost the
 * server at the same instant (a restart) over the whole step instead of a burst of logins at each
 * doubling. One policy for the real agent's uplink and the simulated agents of the tests and
 * benchmarks, so what they measure is what the fleet does.
 */
export function reconnectDelayMs(attempt: number, random: () => number = Math.random): number {
  return Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** Math.max(0, attempt)) * (0.5 + random() / 2);
}
