import { HourCache, InsertResult, RING_SLOTS, SLOT_MS } from './hour-cache';
import { BUCKET_MS, decodeChunk, rttToValue, valueToRtt } from './sample-codec';

const T0 = 1_795_000_200_000; // a multiple of 5 minutes
const read = (c: HourCache, p: number, from = 0, to = Number.MAX_SAFE_INTEGER) => {
  const out: [number, number][] = [];
  c.read(p, from, to, (at, v) => out.push([at, valueToRtt(v)]));
  return out;
};
/** Seals and "writes" every bucket closed before `before`; returns the chunk rows, decoded, by pair. */
const writeClosed = (c: HourCache, before: number) => {
  const rows = new Map<number, [number, number][]>();
  for (const start of c.closedBuckets(before)) {
    for (let step = c.nextWrite(start, 100); step; step = c.nextWrite(start, 100)) {
      for (const { p, data } of step.rows) {
        const samples: [number, number][] = [];
        decodeChunk(start, data, (at, v) => samples.push([at, valueToRtt(v)]));
        rows.set(p, [...(rows.get(p) ?? []), ...samples]);
      }
      step.commit();
    }
  }
  return rows;
};

describe(HourCache.name, () => {
  it('holds the last hour of a pair in time order, sealed buckets included, and forgets what is older', () => {
    const c = new HourCache();
    const p = c.pair(1, 7, true);
    const n = RING_SLOTS + 70; // 13 buckets and 10 samples
    for (let i = 0; i < n; i++) {
      expect(c.insert(p, T0 + i * SLOT_MS + 321, rttToValue(1000 + i))).toBe(InsertResult.STORED);
      if (i % 60 === 59) writeClosed(c, T0 + (i + 1) * SLOT_MS); // the store seals each bucket once it closed
    }
    // The newest bucket and the 12 before it: the first bucket is gone.
    const all = read(c, p);
    expect(all).toHaveLength(n - 60);
    expect(c.coveredFrom()).toBe(T0 + BUCKET_MS);
    expect(all[0]).toEqual([T0 + BUCKET_MS + 321, 1060]);
    expect(all.at(-1)).toEqual([T0 + (n - 1) * SLOT_MS + 321, 1000 + n - 1]);
    for (let i = 1; i < all.length; i++) expect(all[i][0] - all[i - 1][0]).toBe(SLOT_MS);
    expect(c.insert(p, T0 + 5, rttToValue(5))).toBe(InsertResult.TOO_OLD);
    expect(c.latest(p)).toEqual({ at: T0 + (n - 1) * SLOT_MS + 321, value: rttToValue(1000 + n - 1) });
  });

  it('costs under 4 bytes per sample over a full hour of many pairs', () => {
    const c = new HourCache();
    const pairs = Array.from({ length: 1000 }, (_, t) => c.pair(1 + (t % 10), t, true));
    let worst = 0;
    for (let i = 0; i < RING_SLOTS + 60; i++) {
      for (const [k, p] of pairs.entries()) c.insert(p, T0 + i * SLOT_MS + (k % 5000), rttToValue(2000 + ((k * 37 + i * 11) % 300)));
      if (i % 60 === 5) writeClosed(c, T0 + (i - 5) * SLOT_MS);
      if (i >= RING_SLOTS) worst = Math.max(worst, c.bytes / (c.pairs * RING_SLOTS));
    }
    expect(worst).toBeGreaterThan(1);
    expect(worst).toBeLessThan(4);
  });

  it('reuses the slots and pages of buckets gone, zeroed: nothing of an old bucket shows in a new one, and memory stays flat', () => {
    const c = new HourCache();
    const pairs = Array.from({ length: 600 }, (_, t) => c.pair(1 + (t % 3), t, true)); // three blocks of slots
    const bytesAt: number[] = [];
    const buckets = 2 * (RING_SLOTS / 60) + 3;
    for (let k = 0; k < buckets; k++) {
      const start = T0 + k * BUCKET_MS;
      // Odd buckets: every slot of every pair; even ones: slot k % 60 only, so a stale slot would show.
      for (let i = 0; i < 60; i++) {
        if (k % 2 === 0 && i !== k % 60) continue;
        for (const [n, p] of pairs.entries()) c.insert(p, start + i * SLOT_MS + (n % 4000), rttToValue(100 + k));
      }
      writeClosed(c, start); // the bucket before is sealed and written; the oldest leaves the hour
      if (k % 2 === 0) {
        for (const [n, p] of pairs.entries()) {
          expect(read(c, p, start, start + BUCKET_MS)).toEqual([[start + (k % 60) * SLOT_MS + (n % 4000), 100 + k]]);
        }
      }
      if (k >= RING_SLOTS / 60 + 1) bytesAt.push(c.bytes);
    }
    // From the second hour on, buckets come and go without the cache growing.
    expect(Math.max(...bytesAt)).toBeLessThanOrEqual(Math.min(...bytesAt) * 1.25);
    expect(bytesAt.at(-1)).toBeLessThanOrEqual(bytesAt[1]);
  });

  it('keeps every sample right while the fleet grows and its pages change size', () => {
    const c = new HourCache();
    const pairs = [c.pair(1, 1, true), c.pair(1, 2, true)];
    const buckets = RING_SLOTS / 60 + 2;
    for (let k = 0; k < 3 * buckets; k++) {
      const before = pairs.length; // the pairs that were there in the bucket before this one
      if (k === buckets || k === 2 * buckets) for (let t = 0; t < 3000; t++) pairs.push(c.pair(2 + k, t, true)); // more agents: bigger pages
      const start = T0 + k * BUCKET_MS;
      for (let i = 0; i < 60; i += 7) for (const [n, p] of pairs.entries()) c.insert(p, start + i * SLOT_MS + (n % 4000), rttToValue(1 + ((n + k) % 1000)));
      writeClosed(c, start);
      for (const n of [0, 1, before - 1]) {
        const got = read(c, pairs[n], start - BUCKET_MS, start);
        if (k > 0) expect(got).toEqual(Array.from({ length: 9 }, (_, j) => [start - BUCKET_MS + 7 * j * SLOT_MS + (n % 4000), 1 + ((n + k - 1) % 1000)]));
      }
    }
  });

  it('keeps a phase-shifted probe beside full slots, but never more than three samples of a pair within one interval (raw or sealed)', () => {
    const c = new HourCache();
    const p = c.pair(3, 1, true);
    const t = T0 + 10 * SLOT_MS + 1000;
    for (const at of [t - 2 * SLOT_MS, t - SLOT_MS, t]) expect(c.insert(p, at, rttToValue(100))).toBe(InsertResult.STORED);
    // Its slot and both slack slots are taken: kept beside them, still deduplicated.
    expect(c.insert(p, t + 2000, rttToValue(200))).toBe(InsertResult.STORED);
    expect(c.insert(p, t + 2000, rttToValue(200))).toBe(InsertResult.DUPLICATE);
    expect(c.insert(p, t + 2001, rttToValue(300))).toBe(InsertResult.STORED);
    // [t, t + 5 s) holds three now: an agent sending samples 1 ms apart gets no more in.
    for (let at = t + 2002; at < t + 2100; at++) expect(c.insert(p, at, rttToValue(1))).toBe(InsertResult.FULL);
    expect(c.insert(p, t + SLOT_MS - 1, rttToValue(400))).toBe(InsertResult.FULL);
    expect(c.insert(p, t + SLOT_MS, rttToValue(400))).toBe(InsertResult.STORED); // the next interval's
    // Sealed, the same limit holds against the chunk's samples.
    writeClosed(c, T0 + BUCKET_MS);
    expect(c.insert(p, t + 1500, rttToValue(9))).toBe(InsertResult.FULL);
    expect(c.insert(p, t - SLOT_MS - 2500, rttToValue(9))).toBe(InsertResult.STORED);
    expect(read(c, p).map(([at]) => at)).toEqual([t - 2 * SLOT_MS, t - SLOT_MS - 2500, t - SLOT_MS, t, t + 2000, t + 2001, t + SLOT_MS]);
  });

  it('refuses the same (pair, time) twice, but keeps a second probe of a shifted phase in the same interval', () => {
    const c = new HourCache();
    const p = c.pair(2, 1, true);
    const t = T0 + 10 * SLOT_MS;
    expect(c.insert(p, t + 4900, rttToValue(100))).toBe(InsertResult.STORED);
    expect(c.insert(p, t + 4900, rttToValue(999))).toBe(InsertResult.DUPLICATE);
    // The agent restarted: its next probe lands in the same 5-s slot; it moves to the slot before.
    expect(c.insert(p, t + 4950, rttToValue(200))).toBe(InsertResult.STORED);
    expect(c.insert(p, t + 4950, rttToValue(200))).toBe(InsertResult.DUPLICATE);
    expect(c.insert(p, t + 4990, rttToValue(300))).toBe(InsertResult.STORED);
    // A fourth within one interval is more than an agent can have measured (MAX_SAMPLES_PER_INTERVAL).
    expect(c.insert(p, t + 4999, rttToValue(400))).toBe(InsertResult.FULL);
    const expected = [
      [t + 4900, 100],
      [t + 4950, 200],
      [t + 4990, 300],
    ];
    expect(read(c, p)).toEqual(expected);
    expect(read(c, p, t + 4950, t + 4990)).toEqual([[t + 4950, 200]]);
    expect(c.latest(p)).toEqual({ at: t + 4990, value: rttToValue(300) });
    // Sealed, the same samples come back from the chunk bytes, and are still refused twice.
    expect(writeClosed(c, T0 + BUCKET_MS).get(p)).toEqual(expected);
    expect(read(c, p)).toEqual(expected);
    expect(c.insert(p, t + 4950, rttToValue(200))).toBe(InsertResult.DUPLICATE);
  });

  it('takes late samples into a sealed bucket once, merges them into its chunk and writes that again', () => {
    const c = new HourCache();
    const p = c.pair(5, 1, true);
    const q = c.pair(5, 2, true);
    for (let i = 0; i < 60; i += 2) c.insert(p, T0 + i * SLOT_MS, rttToValue(10));
    c.insert(q, T0 + 7, rttToValue(20));
    c.insert(p, T0 + BUCKET_MS, rttToValue(11)); // the next bucket: stays raw
    const first = writeClosed(c, T0 + BUCKET_MS);
    expect(first.get(p)).toHaveLength(30);
    expect(first.get(q)).toEqual([[T0 + 7, 20]]);
    expect(c.closedBuckets(T0 + BUCKET_MS)).toEqual([]);
    // A resent backlog: the odd slots are new, the even ones duplicates.
    for (let i = 0; i < 60; i++) expect(c.insert(p, T0 + i * SLOT_MS, rttToValue(10))).toBe(i % 2 ? InsertResult.STORED : InsertResult.DUPLICATE);
    expect(c.insert(p, T0 + 3 * SLOT_MS, rttToValue(10))).toBe(InsertResult.DUPLICATE);
    expect(read(c, p, T0, T0 + BUCKET_MS)).toHaveLength(60);
    expect(c.closedBuckets(T0 + BUCKET_MS)).toEqual([T0]);
    const again = writeClosed(c, T0 + BUCKET_MS);
    expect([...again.keys()]).toEqual([p]); // only the pair that changed is written again
    expect(again.get(p)?.map(([at]) => at)).toEqual(Array.from({ length: 60 }, (_, i) => T0 + i * SLOT_MS));
    expect(c.insert(p, T0 + 5 * SLOT_MS, rttToValue(10))).toBe(InsertResult.DUPLICATE);
    expect(c.samples).toBe(62);
  });

  it('places chunks read from disk into closed buckets without decoding them to slots', () => {
    const source = new HourCache();
    const sp = source.pair(9, 9, true);
    for (let i = 0; i < 60; i++) source.insert(sp, T0 + i * SLOT_MS + 5, rttToValue(700 + i));
    const step = source.nextWrite(T0, 10);
    const bytes = Buffer.from(step?.rows[0].data ?? []);
    const c = new HourCache();
    const p = c.pair(9, 9, true);
    c.placeChunk(p, T0, bytes);
    expect(read(c, p)).toEqual(read(source, sp));
    expect(read(c, p)).toHaveLength(60);
    expect(c.latest(p)).toEqual({ at: T0 + 59 * SLOT_MS + 5, value: rttToValue(759) });
    expect(c.insert(p, T0 + 5, rttToValue(1))).toBe(InsertResult.DUPLICATE);
    expect(c.closedBuckets(T0 + BUCKET_MS)).toEqual([]); // already on disk
    expect(c.agentActivity(9)?.counts[(T0 / SLOT_MS) % RING_SLOTS]).toBe(1);
    expect(() => c.placeChunk(p, T0, bytes)).toThrow(/placed twice/);
  });

  it('takes back a sample whose commit failed, and counts the agent activity per interval', () => {
    const c = new HourCache();
    const p = c.pair(3, 1, true);
    const q = c.pair(3, 2, true);
    c.insert(p, T0 + 10, rttToValue(1));
    c.insert(q, T0 + 20, rttToValue(1));
    expect(c.agentActivity(3)?.counts[(T0 / SLOT_MS) % RING_SLOTS]).toBe(2);
    c.insert(p, T0 + SLOT_MS + 10, rttToValue(3));
    c.remove(p, T0 + SLOT_MS + 10);
    expect(c.latest(p)).toEqual({ at: T0 + 10, value: rttToValue(1) });
    c.remove(p, T0 + 10);
    expect(read(c, p)).toEqual([]);
    expect(c.latest(p)).toBeNull();
    expect(c.insert(p, T0 + 10, rttToValue(2))).toBe(InsertResult.STORED); // not a duplicate any more
    expect(c.agentActivity(3)?.counts[(T0 / SLOT_MS) % RING_SLOTS]).toBe(2);
    expect(c.pairsOf(3)).toEqual([p, q]);
    expect(c.pair(4, 1, false)).toBe(-1);
  });
});
