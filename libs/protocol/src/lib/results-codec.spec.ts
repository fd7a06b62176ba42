import { MAX_RTT_US, MAX_SAMPLES_PER_BATCH, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION, RttCode } from './constants';
import { isCompatible, parseAgentMessage } from './agent-messages';
import { decodeResults, encodeResults, encodeResultsFrame, parseResultsFrame, RESULTS_FRAME_KIND } from './results-codec';

interface Raw {
  kind?: number;
  layout?: number;
  /** The sample count written in the header (default: the columns' length). */
  n?: number;
  seq: number;
  base: number;
  target: number[];
  dt: number[];
  rtt: number[];
  /** Bytes appended after the samples. */
  trailing?: number[];
}

/** Writes a binary results frame as given, valid or not (the test's own writer, not the codec's). */
function rawFrame(r: Raw): Uint8Array {
  const bytes = [r.kind ?? RESULTS_FRAME_KIND, r.layout ?? 1];
  const varint = (v: number) => {
    for (; v >= 128; v = Math.floor(v / 128)) bytes.push((v % 128) + 128);
    bytes.push(v);
  };
  const zigzag = (v: number) => varint(v >= 0 ? 2 * v : -2 * v - 1);
  varint(r.n ?? r.target.length);
  varint(r.seq);
  varint(r.base);
  r.target.forEach((t, i) => {
    zigzag(t - (i ? r.target[i - 1] : 0));
    varint(r.dt[i]);
    zigzag(r.rtt[i]);
  });
  bytes.push(...(r.trailing ?? []));
  return new Uint8Array(bytes);
}

const valid: Raw = { seq: 3, base: 1_795_000_000_000, target: [1, 2, 3], dt: [0, 1666, 3333], rtt: [250, RttCode.NO_REPLY, 61_000] };

describe('binary results frame', () => {
  it('round-trips 1,000 samples in about 5 bytes each, half the JSON form', () => {
    const base = 1_795_000_000_000;
    const samples = Array.from({ length: 1000 }, (_, i) => ({
      targetId: 1000 + i,
      at: base + i * 5,
      rtt: i % 10 === 0 ? RttCode.NO_REPLY : 200 + i * 37,
    }));
    const frame = encodeResultsFrame(42, samples);
    expect(frame.byteLength).toBeLessThan(6 * 1000);
    expect(frame.byteLength * 2).toBeLessThan(JSON.stringify(encodeResults(42, samples)).length);
    const parsed = parseResultsFrame(frame);
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.value.seq).toBe(42);
    expect(parsed.value.base).toBe(base);
    expect(decodeResults(parsed.value)).toEqual(samples);
  });

  it('carries every value at the limits, in any target order', () => {
    const samples = [
      { targetId: 2 ** 31 - 1, at: 8.64e15 - 86_400_000, rtt: MAX_RTT_US },
      { targetId: 1, at: 8.64e15, rtt: RttCode.SEND_ERROR },
      { targetId: 77, at: 8.64e15 - 1, rtt: 0 },
    ];
    const parsed = parseResultsFrame(encodeResultsFrame(Number.MAX_SAFE_INTEGER, samples));
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.value.seq).toBe(Number.MAX_SAFE_INTEGER);
    expect(decodeResults(parsed.value)).toEqual(samples);
  });

  it('reads a frame at any offset of a larger buffer (as a socket may hand it over)', () => {
    const frame = encodeResultsFrame(9, [{ targetId: 5, at: 1_795_000_000_123, rtt: 777 }]);
    const padded = new Uint8Array(frame.byteLength + 3);
    padded.set(frame, 3);
    const parsed = parseResultsFrame(padded.subarray(3));
    expect(parsed.ok && decodeResults(parsed.value)).toEqual([{ targetId: 5, at: 1_795_000_000_123, rtt: 777 }]);
  });

  it('refuses to encode what it cannot carry (a fraction, NaN, Infinity) instead of writing it wrong', () => {
    for (const rtt of [1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => encodeResultsFrame(1, [{ targetId: 1, at: 1_795_000_000_000, rtt }])).toThrow(RangeError);
    }
    expect(() => encodeResultsFrame(0.5, [])).toThrow(RangeError);
  });

  it('encodes an empty batch', () => {
    const parsed = parseResultsFrame(encodeResultsFrame(0, []));
    expect(parsed.ok && parsed.value.target.length).toBe(0);
  });

  it.each([
    ['a frame too short to be one', new Uint8Array([1, 1, 0]), 'too short'],
    ['an unknown kind', rawFrame({ ...valid, kind: 7 }), 'kind 7 is unknown'],
    ['an unknown layout', rawFrame({ ...valid, layout: 2 }), 'layout 2 is unknown'],
    ['more samples than a batch may hold', rawFrame({ ...valid, n: MAX_SAMPLES_PER_BATCH + 1 }), `at most ${MAX_SAMPLES_PER_BATCH}`],
    ['a count the frame cannot hold', rawFrame({ ...valid, n: 500 }), '500 samples cannot fit'],
    ['a count lower than the samples sent', rawFrame({ ...valid, n: 2 }), 'bytes after the last of 2 samples'],
    ['bytes after the samples', rawFrame({ ...valid, trailing: [0] }), '1 bytes after the last of 3 samples'],
    ['a sample cut short', rawFrame(valid).subarray(0, rawFrame(valid).byteLength - 1), 'sample 2 is cut short'],
    ['a varint over 8 bytes', new Uint8Array([...rawFrame({ ...valid, target: [], dt: [], rtt: [] }).subarray(0, 3), 255, 255, 255, 255, 255, 255, 255, 255, 1, 0, 0, 0]), 'seq:'],
    ['a seq beyond 2^53', rawFrame({ ...valid, seq: 2 ** 54 }), 'seq:'],
    ['a base beyond the year 275760', rawFrame({ ...valid, base: 8.64e15 + 1 }), 'base:'],
    ['target id 0', rawFrame({ ...valid, target: [1, 0, 3] }), 'target.1:'],
    ['a negative target id', rawFrame({ ...valid, target: [-5, 1, 3] }), 'target.0:'],
    ['a target id beyond 2^31 - 1', rawFrame({ ...valid, target: [1, 2, 2 ** 31] }), 'target.2:'],
    ['a dt beyond a day', rawFrame({ ...valid, dt: [0, 86_400_001, 1] }), 'dt.1:'],
    ['an unknown negative code', rawFrame({ ...valid, rtt: [-4, 1, 1] }), 'rtt.0:'],
    ['an RTT over 60 s', rawFrame({ ...valid, rtt: [1, 1, 60_000_001] }), 'rtt.2:'],
  ])('refuses %s with a readable reason', (_name, frame, reason) => {
    const parsed = parseResultsFrame(frame);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(reason);
  });

  it('applies the same limits as the JSON form: one verdict for both on 2,000 mutated batches', () => {
    // Values at and around every limit that the binary layout can carry (it has no fractions).
    const edges: Record<'seq' | 'base' | 'target' | 'dt' | 'rtt', number[]> = {
      seq: [0, 1, 2 ** 40, Number.MAX_SAFE_INTEGER, 2 ** 53],
      base: [0, 8.64e15, 8.64e15 + 1, 2 ** 50],
      target: [1, 2, 2 ** 31 - 1, 2 ** 31, 0, -1, 4_000_000_000],
      dt: [0, 86_400_000, 86_400_001, 4_000_000_000],
      rtt: [-3, -1, 0, MAX_RTT_US, MAX_RTT_US + 1, -4, -2_000_000_000],
    };
    let seed = 12345;
    const random = (k: number) => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31), seed % k);
    const pick = <T>(xs: T[]) => xs[random(xs.length)];
    let refused = 0;
    for (let round = 0; round < 2000; round++) {
      const n = random(5);
      const batch: Raw = {
        seq: random(1000),
        base: 1_795_000_000_000 + random(1000),
        target: Array.from({ length: n }, () => 1 + random(500)),
        dt: Array.from({ length: n }, () => random(5000)),
        rtt: Array.from({ length: n }, () => random(100_000) - 1),
      };
      for (let m = random(3); m > 0; m--) {
        const field = pick(['seq', 'base', 'target', 'dt', 'rtt'] as const);
        if (field === 'seq' || field === 'base') batch[field] = pick(edges[field]);
        else if (n > 0) batch[field][random(n)] = pick(edges[field]);
      }
      const json = parseAgentMessage(JSON.stringify({ type: 'results', ...batch }));
      const binary = parseResultsFrame(rawFrame(batch));
      expect({ round, ok: binary.ok }).toEqual({ round, ok: json.ok });
      if (!binary.ok) refused++;
    }
    expect(refused).toBeGreaterThan(300); // the mutations do reach the limits
  });

  it('is spoken from protocol 2 on; the server still accepts protocol 1 agents (JSON results)', () => {
    expect(PROTOCOL_VERSION).toBe(2);
    expect([0, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION, PROTOCOL_VERSION + 1].map(isCompatible)).toEqual([false, true, true, false]);
  });
});
