import { PROBE_INTERVAL_MS } from '@meshping/protocol';

export const HOUR_MS = 3_600_000;
/** One chunk row holds one pair's samples of this span (60 samples at the 5-s interval). */
export const BUCKET_MS = 5 * 60_000;
export const BUCKETS_PER_HOUR = HOUR_MS / BUCKET_MS;

/**
 * Fixed-point RTT values shared by the hour cache (18 bits of a 32-bit slot) and the on-disk
 * chunks: 0 means "no sample", 1..3 the negative RttCodes, then µs exactly up to EXACT_LIMIT and in
 * steps of COARSE_STEP µs above it (0.025 % or better of the value, far below ICMP timing noise).
 */
export const RTT_BITS = 18;
const CODE_VALUES = 4;
export const EXACT_LIMIT = (1 << (RTT_BITS - 1)) - CODE_VALUES; // 131,068 µs
const COARSE_SHIFT = 5;
const MAX_VALUE = (1 << RTT_BITS) - 1;
/** The largest RTT the fixed-point form holds (about 4.3 s; the probe timeout is 3 s). */
export const MAX_RTT_US = EXACT_LIMIT + ((MAX_VALUE - (1 << (RTT_BITS - 1))) << COARSE_SHIFT);

export function rttToValue(rtt: number): number {
  if (rtt < 0) return -rtt; // -1..-3 -> 1..3
  if (rtt < EXACT_LIMIT) return rtt + CODE_VALUES;
  return Math.min(MAX_VALUE, (1 << (RTT_BITS - 1)) + ((rtt - EXACT_LIMIT) >> COARSE_SHIFT));
}

export function valueToRtt(v: number): number {
  if (v < CODE_VALUES) return -v;
  if (v < 1 << (RTT_BITS - 1)) return v - CODE_VALUES;
  return EXACT_LIMIT + ((v - (1 << (RTT_BITS - 1))) << COARSE_SHIFT);
}

/** Growable byte writer for unsigned/zigzag LEB128 varints. */
export class ByteWriter {
  private buf: Uint8Array;
  length = 0;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
  }

  uint(v: number): void {
    if (this.length + 10 > this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2 + 16);
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
    }
    // Values go up to 2^53: division, not 32-bit shifts.
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.length++] = v;
  }

  int(v: number): void {
    this.uint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  reset(): void {
    this.length = 0;
  }

  /** A copy of the bytes written (a Buffer, ready to bind as a BLOB). */
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.length));
  }
}

export class ByteReader {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  uint(): number {
    let v = 0;
    let mul = 1;
    for (;;) {
      if (this.pos >= this.buf.length) throw new Error('truncated varint');
      const b = this.buf[this.pos++];
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 0x80;
    }
  }

  int(): number {
    const u = this.uint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }
}

/**
 * One pair's samples in one bucket, as stored in a chunk row: count, then per sample the time as
 * a delta-of-delta against the probe interval (0 for a steady agent: one byte) and the fixed-point
 * value as a delta from the previous one (zigzag varints). `at` must be ascending.
 */
export function encodeChunk(bucketStart: number, at: ArrayLike<number>, value: ArrayLike<number>, n: number, w = new ByteWriter()): Buffer {
  w.reset();
  w.uint(n);
  let prevAt = bucketStart;
  let prevDelta = PROBE_INTERVAL_MS;
  let prevValue = 0;
  for (let i = 0; i < n; i++) {
    const delta = at[i] - prevAt;
    if (i === 0) w.uint(delta);
    else w.int(delta - prevDelta);
    w.int(value[i] - prevValue);
    prevDelta = i === 0 ? PROBE_INTERVAL_MS : delta;
    prevAt = at[i];
    prevValue = value[i];
  }
  return w.toBuffer();
}

/** Calls `each(at, value)` for every sample of a chunk, in time order; returns the count. Allocates nothing (the hour cache decodes on its hot paths). */
export function decodeChunk(bucketStart: number, data: Uint8Array, each: (at: number, value: number) => void): number {
  let i = 0;
  const next = (): number => {
    let v = 0;
    let mul = 1;
    for (;;) {
      if (i >= data.length) throw new Error('truncated varint');
      const b = data[i++];
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 0x80;
    }
  };
  const zigzag = (u: number) => (u % 2 === 0 ? u / 2 : -(u + 1) / 2);
  const n = next();
  let at = bucketStart;
  let delta = PROBE_INTERVAL_MS;
  let value = 0;
  for (let k = 0; k < n; k++) {
    const d = k === 0 ? next() : zigzag(next()) + delta;
    at += d;
    value += zigzag(next());
    each(at, value);
    delta = k === 0 ? PROBE_INTERVAL_MS : d;
  }
  return n;
}

/** The byte length of the chunk starting at `offset` of `buf` (a count, then two varints per sample). */
export function chunkLength(buf: Uint8Array, offset: number): number {
  let i = offset;
  let n = 0;
  let mul = 1;
  for (;;) {
    const b = buf[i++];
    n += (b & 0x7f) * mul;
    if (b < 0x80) break;
    mul *= 0x80;
  }
  for (let varints = 2 * n; varints > 0; i++) if (buf[i] < 0x80) varints--;
  return i - offset;
}

/** A journal record: committed samples of one or more agents, kept until their buckets are written as chunks. */
export interface JournalSample {
  agentId: number;
  targetId: number;
  at: number;
  rtt: number;
}

/** Journal blob: repeated [agentId, count, then per sample targetId, zigzag at-delta, zigzag rtt]. */
export function encodeJournal(groups: ReadonlyArray<{ agentId: number; targetId: ArrayLike<number>; at: ArrayLike<number>; rtt: ArrayLike<number> }>, w = new ByteWriter(4096)): Buffer {
  w.reset();
  for (const g of groups) {
    const n = g.targetId.length;
    if (n === 0) continue;
    w.uint(g.agentId);
    w.uint(n);
    let prevAt = 0;
    for (let i = 0; i < n; i++) {
      w.uint(g.targetId[i]);
      w.int(g.at[i] - prevAt);
      w.int(g.rtt[i]);
      prevAt = g.at[i];
    }
  }
  return w.toBuffer();
}

export function decodeJournal(data: Uint8Array, each: (agentId: number, targetId: number, at: number, rtt: number) => void): void {
  const r = new ByteReader(data);
  while (!r.done) {
    const agentId = r.uint();
    const n = r.uint();
    let prevAt = 0;
    for (let i = 0; i < n; i++) {
      const targetId = r.uint();
      const at = prevAt + r.int();
      const rtt = r.int();
      each(agentId, targetId, at, rtt);
      prevAt = at;
    }
  }
}
