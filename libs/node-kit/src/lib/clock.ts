/** Time is injected (CONVENTIONS.md 7): tests drive a fake clock, production uses this one. */
export interface Clock {
  /** Wall-clock time, epoch milliseconds. */
  now(): number;
  /** Monotonic time in nanoseconds, for durations. */
  monotonicNs(): bigint;
}

export const CLOCK = Symbol('CLOCK');

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonicNs: () => process.hrtime.bigint(),
};
