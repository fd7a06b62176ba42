import { reconnectDelayMs, RECONNECT_MAX_MS, RECONNECT_MIN_MS } from './reconnect';

describe(reconnectDelayMs.name, () => {
  it('doubles per attempt from the minimum, with a random factor of one half to one', () => {
    expect(reconnectDelayMs(0, () => 0)).toBe(RECONNECT_MIN_MS / 2);
    expect(reconnectDelayMs(0, () => 0.999_999)).toBeCloseTo(RECONNECT_MIN_MS, 0);
    expect(reconnectDelayMs(3, () => 0.5)).toBe(8 * RECONNECT_MIN_MS * 0.75);
  });

  it('never waits longer than the maximum, however many attempts failed', () => {
    for (const attempt of [5, 6, 50, 5_000]) expect(reconnectDelayMs(attempt, () => 0.999_999)).toBeLessThanOrEqual(RECONNECT_MAX_MS);
    expect(reconnectDelayMs(5_000, () => 0)).toBe(RECONNECT_MAX_MS / 2);
  });

  it('spreads a fleet: 1,000 first attempts cover the whole step, not one instant', () => {
    const delays = Array.from({ length: 1_000 }, () => reconnectDelayMs(0));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(RECONNECT_MIN_MS / 2);
    expect(Math.max(...delays)).toBeLessThan(RECONNECT_MIN_MS);
    expect(new Set(delays.map((d) => Math.floor(d / 50))).size).toBe(10); // every 50-ms slice of [500, 1000) used
  });
});
