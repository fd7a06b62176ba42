import type { ResultsBatch } from './agent-messages';
import { MAX_RTT_US, MAX_SAMPLES_PER_BATCH } from './constants';

/** One probe result: which target, when the probe was sent (epoch ms), RTT in µs or a negative RttCode. */
export interface Sample {
  targetId: number;
  at: number;
  rtt: number;
}

/** Packs samples (any order) into the column-wise results message. */
export function encodeResults(seq: number, samples: readonly Sample[]): ResultsBatch {
  let base = Infinity;
  for (const s of samples) base = Math.min(base, s.at);
  if (!Number.isFinite(base)) base = 0;
  const target = new Array<number>(samples.length);
  const dt = new Array<number>(samples.length);
  const rtt = new Array<number>(samples.length);
  samples.forEach((s, i) => {
    target[i] = s.targetId;
    dt[i] = s.at - base;
    rtt[i] = s.rtt;
  });
  return { type: 'results', seq, base, target, dt, rtt };
}

/** Unpacks a validated results message (JSON or binary). */
export function decodeResults(batch: ResultColumns): Sample[] {
  return Array.from(batch.target, (targetId, i) => ({ targetId, at: batch.base + batch.dt[i], rtt: batch.rtt[i] }));
}

/**
 * A results batch as the server ingests it: from a JSON `results` message (arrays) or a binary
 * results frame (typed arrays). Sample i: target `target[i]` probed at `base + dt[i]` with `rtt[i]`.
 */
export interface ResultColumns {
  seq: number;
  base: number;
  target: ArrayLike<number>;
  dt: ArrayLike<number>;
  rtt: ArrayLike<number>;
}

/**
 * The binary results frame (a WebSocket binary message; the agent's form since protocol 2). Every
 * number but the first two bytes is a LEB128 varint (7 bits a byte, low first, high bit = more);
 * signed values are zigzag-coded (0, -1, 1, -2 ... -> 0, 1, 2, 3 ...):
 *
 *   u8      kind, RESULTS_FRAME_KIND (1)
 *   u8      layout version (1)
 *   varint  n, the number of samples (at most MAX_SAMPLES_PER_BATCH)
 *   varint  seq
 *   varint  base, epoch ms
 *   n times, one sample after the other:
 *     zigzag  target id minus the previous sample's (the first: minus 0)
 *     varint  dt, ms after base
 *     zigzag  rtt, µs or a negative RttCode
 *
 * A round of targets sorted by id costs 1 byte for the id, 2 for dt and 1-3 for the RTT: about 5
 * bytes a sample, half the JSON form, and the server reads it without JSON.parse into typed arrays
 * that live outside the JS heap (nothing for the garbage collector to trace or move).
 */
export const RESULTS_FRAME_KIND = 1;
const RESULTS_LAYOUT = 1;
/** Bytes a varint of a value up to 2^53 takes at most (7 bits each). */
const MAX_VARINT_BYTES = 8;
/** Limits shared with the JSON form's checks (resultsSchema). */
export const RESULT_LIMITS = { seq: [0, Number.MAX_SAFE_INTEGER], base: [0, 8.64e15], target: [1, 2 ** 31 - 1], dt: [0, 86_400_000], rtt: [-3, MAX_RTT_US] } as const;

/** Packs samples (in the order given; sorted by target id they pack best) into a binary results frame. */
export function encodeResultsFrame(seq: number, samples: readonly Sample[]): Uint8Array {
  let base = Infinity;
  for (const s of samples) base = Math.min(base, s.at);
  if (!Number.isFinite(base)) base = 0;
  const out = new Uint8Array((2 + 3 * samples.length) * MAX_VARINT_BYTES);
  out[0] = RESULTS_FRAME_KIND;
  out[1] = RESULTS_LAYOUT;
  let o = writeVarint(out, 2, samples.length);
  o = writeVarint(out, o, seq);
  o = writeVarint(out, o, base);
  let previous = 0;
  for (const s of samples) {
    o = writeVarint(out, o, zigzag(s.targetId - previous));
    o = writeVarint(out, o, s.at - base);
    o = writeVarint(out, o, zigzag(s.rtt));
    previous = s.targetId;
  }
  return out.slice(0, o);
}

/**
 * Reads and checks a binary results frame (the same limits as the JSON form). Never throws: a bad
 * frame yields a readable error. The columns are copied into one typed buffer.
 */
export function parseResultsFrame(frame: Uint8Array): { ok: true; value: ResultColumns } | { ok: false; error: string } {
  const fail = (error: string) => ({ ok: false as const, error });
  const length = frame.byteLength;
  if (length < 5) return fail(`binary frame of ${length} bytes is too short for a results frame`);
  if (frame[0] !== RESULTS_FRAME_KIND) return fail(`binary frame kind ${frame[0]} is unknown (results: ${RESULTS_FRAME_KIND})`);
  if (frame[1] !== RESULTS_LAYOUT) return fail(`results frame layout ${frame[1]} is unknown (supported: ${RESULTS_LAYOUT})`);
  let pos = 2;
  // One varint at pos, or -1 when it runs past the frame or beyond 2^53.
  const next = (): number => {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < MAX_VARINT_BYTES && pos < length; i++) {
      const b = frame[pos++];
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value <= Number.MAX_SAFE_INTEGER ? value : -1;
      scale *= 128;
    }
    return -1;
  };
  const n = next();
  if (n < 0) return fail('results frame: the sample count is cut short or too long');
  if (n > MAX_SAMPLES_PER_BATCH) return fail(`results frame: ${n} samples, at most ${MAX_SAMPLES_PER_BATCH}`);
  if (n * 3 > length - pos) return fail(`results frame: ${n} samples cannot fit in ${length} bytes`);
  const seq = next();
  if (!inLimits(seq, RESULT_LIMITS.seq)) return fail(`seq: ${rangeText(RESULT_LIMITS.seq)} (cut short or too long)`);
  const base = next();
  if (!inLimits(base, RESULT_LIMITS.base)) return fail(`base: ${rangeText(RESULT_LIMITS.base)}`);
  const columns = new Int32Array(3 * n);
  const [tMin, tMax] = RESULT_LIMITS.target;
  const [dMin, dMax] = RESULT_LIMITS.dt;
  const [rMin, rMax] = RESULT_LIMITS.rtt;
  let target = 0;
  for (let i = 0; i < n; i++) {
    const delta = next();
    const dt = next();
    const rtt = next();
    if (delta < 0 || dt < 0 || rtt < 0) return fail(`results frame: sample ${i} is cut short or holds a varint over 8 bytes`);
    target += unzigzag(delta);
    const r = unzigzag(rtt);
    if (target < tMin || target > tMax) return fail(`target.${i}: ${rangeText(RESULT_LIMITS.target)}`);
    if (dt < dMin || dt > dMax) return fail(`dt.${i}: ${rangeText(RESULT_LIMITS.dt)}`);
    if (r < rMin || r > rMax) return fail(`rtt.${i}: ${rangeText(RESULT_LIMITS.rtt)}`);
    columns[i] = target;
    columns[n + i] = dt;
    columns[2 * n + i] = r;
  }
  if (pos !== length) return fail(`results frame: ${length - pos} bytes after the last of ${n} samples`);
  return { ok: true, value: { seq, base, target: columns.subarray(0, n), dt: columns.subarray(n, 2 * n), rtt: columns.subarray(2 * n) } };
}

/** Writes v (an integer from 0 to 2^53) as a varint at o; returns the offset after it. */
function writeVarint(out: Uint8Array, o: number, v: number): number {
  // A fraction, NaN or Infinity would be written wrong (or never end): refuse it loudly.
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`results frame: ${v} is not an integer from 0 to 2^53 - 1`);
  while (v >= 0x80) {
    out[o++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  out[o++] = v;
  return o;
}

function zigzag(v: number): number {
  if (!Number.isSafeInteger(v)) throw new RangeError(`results frame: ${v} is not an integer`);
  return v >= 0 ? 2 * v : -2 * v - 1;
}
const unzigzag = (z: number): number => (z % 2 === 0 ? z / 2 : -(z + 1) / 2);

/** An integer within [min, max]. */
export function inLimits(v: number, [min, max]: readonly [number, number]): boolean {
  return Number.isInteger(v) && v >= min && v <= max;
}

export function rangeText([min, max]: readonly [number, number]): string {
  return `must be an integer from ${min} to ${max}`;
}
