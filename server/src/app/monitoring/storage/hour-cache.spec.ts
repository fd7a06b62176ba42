import { HourCache, InsertResult, RING_SLOTS, SLOT_MS } from './hour-cache';
import { rttToValue, valueToRtt } from './sample-codec';

const T0 = 1_795_000_000_000; // a multiple of 5 s
const read = (c: HourCache, p: number, from = 0, to = Number.MAX_SAFE_INTEGER) => {
  const out: [number, number][] = [];
  c.read(p, from, to, (at, v) => out.push([at, valueToRtt(v)]));
  return out;
};

describe(HourCache.name, () => {
  it('holds an hour of a pair at 4 bytes per sample, in time order, and forgets what is older', () => {
    const c = new HourCache();
    const p = c.pair(1, 7, true);
    for (let i = 0; i < RING_SLOTS + 10; i++) expect(c.insert(p, T0 + i * SLOT_MS + 321, rttToValue(1000 + i))).toBeGreaterThanOrEqual(0);
    const all = read(c, p);
    expect(all).toHaveLength(RING_SLOTS);
    expect(all[0]).toEqual([T0 + 10 * SLOT_MS + 321, 1010]);
    expect(all.at(-1)).toEqual([T0 + (RING_SLOTS + 9) * SLOT_MS + 321, 1000 + RING_SLOTS + 9]);
    expect(c.insert(p, T0, rttToValue(5))).toBe(InsertResult.TOO_OLD);
    // 256 pairs share one block: the cost per sample is 4 bytes plus the small pair index.
    for (let t = 0; t < 255; t++) c.pair(1, 100 + t, true);
    expect(c.bytes / (c.pairs * RING_SLOTS)).toBeLessThan(4.1);
  });

  it('refuses the same (pair, time) twice, but keeps a second probe of a shifted phase in the same interval', () => {
    const c = new HourCache();
    const p = c.pair(2, 1, true);
    expect(c.insert(p, T0 + 4900, rttToValue(100))).toBeGreaterThanOrEqual(0);
    expect(c.insert(p, T0 + 4900, rttToValue(999))).toBe(InsertResult.DUPLICATE);
    // The agent restarted: its next probe lands in the same 5-s slot; it moves to the slot before.
    expect(c.insert(p, T0 + 4950, rttToValue(200))).toBeGreaterThanOrEqual(0);
    expect(c.insert(p, T0 + 4950, rttToValue(200))).toBe(InsertResult.DUPLICATE);
    expect(c.insert(p, T0 + 4990, rttToValue(300))).toBeGreaterThanOrEqual(0);
    expect(c.insert(p, T0 + 4999, rttToValue(400))).toBe(InsertResult.FULL);
    expect(read(c, p)).toEqual([
      [T0 + 4900, 100],
      [T0 + 4950, 200],
      [T0 + 4990, 300],
    ]);
    expect(read(c, p, T0 + 4950, T0 + 4990)).toEqual([[T0 + 4950, 200]]);
    expect(c.latest(p)).toEqual({ at: T0 + 4990, value: rttToValue(300) });
  });

  it('takes back a sample whose commit failed, and counts the agent activity per interval', () => {
    const c = new HourCache();
    const p = c.pair(3, 1, true);
    const q = c.pair(3, 2, true);
    const pos = c.insert(p, T0 + 10, rttToValue(1));
    c.insert(q, T0 + 20, rttToValue(1));
    expect(c.agentActivity(3)?.counts[(T0 / SLOT_MS) % RING_SLOTS]).toBe(2);
    c.remove(pos, T0 + 10);
    expect(read(c, p)).toEqual([]);
    expect(c.insert(p, T0 + 10, rttToValue(2))).toBeGreaterThanOrEqual(0); // not a duplicate any more
    expect(c.agentActivity(3)?.counts[(T0 / SLOT_MS) % RING_SLOTS]).toBe(2);
    expect(c.pairsOf(3)).toEqual([p, q]);
    expect(c.pair(4, 1, false)).toBe(-1);
  });
});
