import { RttCode } from '@meshping/protocol';
import { ByteReader, ByteWriter, decodeChunk, decodeJournal, encodeChunk, encodeJournal, EXACT_LIMIT, MAX_RTT_US, rttToValue, valueToRtt } from './sample-codec';

describe('sample codec', () => {
  it('keeps RTTs below 131 ms and the negative codes exactly, and larger RTTs within 32 µs', () => {
    for (const rtt of [0, 1, 412, 99_999, EXACT_LIMIT - 1, RttCode.NO_REPLY, RttCode.UNRESOLVED, RttCode.SEND_ERROR]) {
      expect(valueToRtt(rttToValue(rtt))).toBe(rtt);
    }
    for (const rtt of [EXACT_LIMIT, 150_000, 1_234_567, 2_999_999]) {
      const back = valueToRtt(rttToValue(rtt));
      expect(back).toBeLessThanOrEqual(rtt);
      expect(rtt - back).toBeLessThan(32);
    }
    expect(MAX_RTT_US).toBeGreaterThan(3_000_000); // the probe timeout fits
    expect(rttToValue(0)).toBeGreaterThan(0); // 0 is reserved for "empty"
    expect(rttToValue(10_000_000)).toBeLessThan(1 << 18);
  });

  it('round-trips varints up to 2^53 and zigzag negatives', () => {
    const w = new ByteWriter(1);
    const values = [0, 1, 127, 128, 300, 2 ** 31, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER];
    for (const v of values) w.uint(v);
    for (const v of [-1, -64, 63, -(2 ** 40)]) w.int(v);
    const r = new ByteReader(w.toBuffer());
    expect(values.map(() => r.uint())).toEqual(values);
    expect([r.int(), r.int(), r.int(), r.int()]).toEqual([-1, -64, 63, -(2 ** 40)]);
    expect(r.done).toBe(true);
  });

  it('stores a steady 5-minute bucket in about 2 bytes per sample and decodes it exactly', () => {
    const start = 1_795_000_200_000;
    const at: number[] = [];
    const value: number[] = [];
    for (let i = 0; i < 60; i++) {
      at.push(start + 1234 + i * 5000 + (i % 3)); // a little timer jitter
      value.push(rttToValue(i === 17 ? RttCode.NO_REPLY : 400 + ((i * 7) % 40)));
    }
    const blob = encodeChunk(start, at, value, 60);
    expect(blob.length).toBeLessThan(60 * 2.5);
    const got: [number, number][] = [];
    expect(decodeChunk(start, blob, (a, v) => got.push([a, v]))).toBe(60);
    expect(got).toEqual(at.map((a, i) => [a, value[i]]));
  });

  it('round-trips a journal record of several agents', () => {
    const groups = [
      { agentId: 3, targetId: [1, 2, 700], at: [1_795_000_000_000, 1_795_000_001_000, 1_794_999_999_000], rtt: [1, -1, 3_000_000] },
      { agentId: 9, targetId: [1], at: [1_795_000_000_123], rtt: [-3] },
    ];
    const got: number[][] = [];
    decodeJournal(encodeJournal(groups), (...r) => got.push(r));
    expect(got).toEqual([
      [3, 1, 1_795_000_000_000, 1],
      [3, 2, 1_795_000_001_000, -1],
      [3, 700, 1_794_999_999_000, 3_000_000],
      [9, 1, 1_795_000_000_123, -3],
    ]);
  });
});
