import { PROBE_INTERVAL_MS } from '@meshping/protocol';
import { ALL, Bucket } from './cache-bucket';
import { CacheMemory } from './cache-memory';
import { BUCKET_MS, ByteWriter, decodeChunk, encodeChunk, HOUR_MS, RTT_BITS } from './sample-codec';
import { crowded } from './sample-density';

/** A probe interval: the unit of the raw slots and of the agents' activity counts. */
export const SLOT_MS = PROBE_INTERVAL_MS;
/** Slots in an hour (the activity ring used by gap detection). */
export const RING_SLOTS = HOUR_MS / SLOT_MS;
/** Raw slots per pair in one bucket. */
const SLOTS = BUCKET_MS / SLOT_MS;
/** Buckets kept before the newest one: the cache holds the last 60 to 65 minutes. */
const PAST_BUCKETS = HOUR_MS / BUCKET_MS;
/** A sample sits in the slot its time falls in, or (when an agent's phase shifted) up to 2 slots earlier. */
const SLACK_SLOTS = 2;
const VALUE_MASK = (1 << RTT_BITS) - 1;
/** Pairs per block of raw slots (each block: 256 x 60 x 4 bytes = 60 KiB). */
const BLOCK_PAIRS = 256;
/** Samples of one pair and bucket kept outside its slots at most (beyond: an agent probing much faster than the interval). */
const MAX_LATE = 2 * SLOTS;
const NONE = -1;

export const InsertResult = { STORED: 0, DUPLICATE: -1, TOO_OLD: -2, FULL: -3 } as const;

/** Per agent: samples per slot over the last hour (for gap detection), newest slot first seen. */
export interface AgentActivity {
  head: number;
  counts: Uint16Array;
}

/**
 * The last hour of every (agent, target) pair in memory, without an object per sample: the open
 * 5-minute bucket(s) as raw 32-bit slots (4 bytes per sample, cheap to insert into and to check
 * for duplicates), the closed ones sealed into the on-disk chunk encoding (about 2.5 bytes per
 * sample). The cache is also the deduplication index: a (pair, time) it holds is refused again.
 */
export class HourCache {
  private readonly pairsByAgent = new Map<number, Int32Array>();
  private readonly activity = new Map<number, AgentActivity>();
  /** Buckets by start time, at most PAST_BUCKETS + 1 of them. */
  private readonly buckets = new Map<number, Bucket>();
  private newest = -Infinity;
  private pairAgent = new Int32Array(BLOCK_PAIRS);
  private pairTarget = new Int32Array(BLOCK_PAIRS);
  /** Per pair: its newest sample (the live cell), or lastAt -1. */
  private lastAt = new Float64Array(BLOCK_PAIRS);
  private lastValue = new Int32Array(BLOCK_PAIRS);
  private count = 0;
  private readonly writer = new ByteWriter(1024);
  private readonly scratchAt: number[] = [];
  private readonly scratchValue: number[] = [];
  /** Buckets that left the hour before all of their chunks were written (the journal still holds them). */
  droppedUnwritten = 0;
  /** Slot blocks and pages handed on from bucket to bucket (see CacheMemory). */
  private readonly memory = new CacheMemory(BLOCK_PAIRS * SLOTS);

  get pairs(): number {
    return this.count;
  }

  /** Bytes held by the samples (raw slots, sealed chunks, late samples) and the indexes. */
  get bytes(): number {
    let n = (this.pairAgent.byteLength + this.pairTarget.byteLength + this.lastAt.byteLength + this.lastValue.byteLength) + this.activity.size * RING_SLOTS * 2;
    n += this.memory.bytes;
    for (const row of this.pairsByAgent.values()) n += row.byteLength;
    for (const b of this.buckets.values()) n += b.bytes();
    return n;
  }

  /** Samples held. */
  get samples(): number {
    let n = 0;
    for (const b of this.buckets.values()) n += b.samples;
    return n;
  }

  /** The pair's index, or -1 (created when `create`). */
  pair(agentId: number, targetId: number, create: boolean): number {
    let row = this.pairsByAgent.get(agentId);
    if (!row || targetId >= row.length) {
      if (!create) return NONE;
      const grown = new Int32Array(Math.max(targetId + 1, (row?.length ?? 0) * 2, 16)).fill(NONE);
      if (row) grown.set(row);
      this.pairsByAgent.set(agentId, (row = grown));
    }
    let p = row[targetId];
    if (p === NONE && create) {
      p = row[targetId] = this.count++;
      if (p >= this.pairAgent.length) {
        const grow = <T extends Int32Array | Float64Array>(a: T): T => {
          const next = new (a.constructor as new (n: number) => T)(a.length * 2);
          next.set(a);
          return next;
        };
        this.pairAgent = grow(this.pairAgent);
        this.pairTarget = grow(this.pairTarget);
        this.lastAt = grow(this.lastAt);
        this.lastValue = grow(this.lastValue);
      }
      this.pairAgent[p] = agentId;
      this.pairTarget[p] = targetId;
      this.lastAt[p] = -1;
    }
    return p;
  }

  /** An agent's pair indices by target id (NONE: no pair); undefined when it has none. */
  pairRow(agentId: number): Int32Array | undefined {
    return this.pairsByAgent.get(agentId);
  }

  agentOf(p: number): number {
    return this.pairAgent[p];
  }

  targetOf(p: number): number {
    return this.pairTarget[p];
  }

  /** Every pair index of an agent. */
  pairsOf(agentId: number): number[] {
    const row = this.pairsByAgent.get(agentId);
    return row ? [...row].filter((p) => p !== NONE) : [];
  }

  agents(): number[] {
    return [...this.pairsByAgent.keys()];
  }

  agentActivity(agentId: number): AgentActivity | undefined {
    return this.activity.get(agentId);
  }

  /** From this time on the cache holds every sample it was given (Infinity: none yet). */
  coveredFrom(): number {
    return this.buckets.size ? this.windowStart() : Infinity;
  }

  private windowStart(): number {
    return this.newest - PAST_BUCKETS * BUCKET_MS;
  }

  /**
   * Stores a sample: STORED, or DUPLICATE when the pair already holds a sample at that exact time,
   * TOO_OLD before the hour, FULL when an agent sent far more samples than one per interval.
   */
  insert(p: number, at: number, value: number): number {
    const b = this.bucketOf(at, true);
    if (!b) return InsertResult.TOO_OLD;
    const result = p < b.sealedUpTo ? this.insertLate(b, p, at, value, true) : this.insertRaw(b, p, at, value);
    if (result !== InsertResult.STORED) return result;
    b.samples++;
    if (at > this.lastAt[p]) {
      this.lastAt[p] = at;
      this.lastValue[p] = value;
    }
    this.countActivity(this.pairAgent[p], Math.floor(at / SLOT_MS), 1);
    return result;
  }

  private insertRaw(b: Bucket, p: number, at: number, value: number): number {
    const raw = b.raw as (Uint32Array | undefined)[];
    const k = (p / BLOCK_PAIRS) | 0;
    const block = (raw[k] ??= this.memory.takeBlock(this.blocksPerBucket()));
    const base = (p % BLOCK_PAIRS) * SLOTS;
    const slot = Math.floor((at - b.start) / SLOT_MS);
    let free = -1;
    for (let s = slot; s >= 0 && s >= slot - SLACK_SLOTS; s--) {
      const e = block[base + s];
      if (e === 0) {
        if (free < 0) free = s;
      } else if (b.start + s * SLOT_MS + (e >>> RTT_BITS) === at) return InsertResult.DUPLICATE;
    }
    const late = b.late.get(p);
    if (late?.some((x, i) => i % 2 === 0 && x === at)) return InsertResult.DUPLICATE;
    // Neighbours within one interval either side: a sample sits at most SLACK_SLOTS before its own slot.
    const near = this.near;
    near.length = 0;
    for (let s = Math.max(0, slot - SLACK_SLOTS - 1); s <= Math.min(SLOTS - 1, slot + 1); s++) {
      const e = block[base + s];
      const t = b.start + s * SLOT_MS + (e >>> RTT_BITS);
      if (e !== 0 && Math.abs(t - at) < SLOT_MS) near.push(t);
    }
    if (crowded(near, late, at, SLOT_MS)) return InsertResult.FULL;
    if (free < 0) return this.insertLate(b, p, at, value, false);
    block[base + free] = (((at - b.start - free * SLOT_MS) << RTT_BITS) | value) >>> 0;
    return InsertResult.STORED;
  }

  private insertLate(b: Bucket, p: number, at: number, value: number, sealed: boolean): number {
    const list = b.late.get(p);
    for (let i = 0; list && i < list.length; i += 2) if (list[i] === at) return InsertResult.DUPLICATE;
    if (sealed) {
      const chunk = b.chunk(p);
      let found = false;
      const near = this.near;
      near.length = 0;
      if (chunk) {
        decodeChunk(b.start, chunk, (t) => {
          if (t === at) found = true;
          else if (Math.abs(t - at) < SLOT_MS) near.push(t);
        });
      }
      if (found) return InsertResult.DUPLICATE;
      if (crowded(near, list, at, SLOT_MS)) return InsertResult.FULL;
    }
    if (list && list.length >= 2 * MAX_LATE) return InsertResult.FULL;
    if (list) list.push(at, value);
    else b.late.set(p, [at, value]);
    if (sealed && p < b.writtenUpTo) b.unwritten.add(p);
    return InsertResult.STORED;
  }

  /** Neighbours of a sample being inserted (reused: inserts are the hot path). */
  private readonly near: number[] = [];

  /** Takes back a sample stored by `insert` (its transaction failed). */
  remove(p: number, at: number): void {
    const b = this.bucketOf(at, false);
    if (!b) return;
    let removed = false;
    const list = b.late.get(p);
    const i = list ? list.findIndex((x, j) => j % 2 === 0 && x === at) : -1;
    if (list && i >= 0) {
      list.splice(i, 2);
      if (!list.length) b.late.delete(p);
      removed = true;
    } else if (p >= b.sealedUpTo) {
      const block = b.raw?.[(p / BLOCK_PAIRS) | 0];
      const base = (p % BLOCK_PAIRS) * SLOTS;
      const slot = Math.floor((at - b.start) / SLOT_MS);
      for (let s = slot; block && s >= 0 && s >= slot - SLACK_SLOTS; s--) {
        const e = block[base + s];
        if (e !== 0 && b.start + s * SLOT_MS + (e >>> RTT_BITS) === at) {
          block[base + s] = 0;
          removed = true;
          break;
        }
      }
    }
    if (!removed) return;
    b.samples--;
    this.countActivity(this.pairAgent[p], Math.floor(at / SLOT_MS), -1);
    if (this.lastAt[p] === at) {
      this.lastAt[p] = -1;
      this.read(p, -Infinity, Infinity, (t, v) => {
        this.lastAt[p] = t;
        this.lastValue[p] = v;
      });
    }
  }

  /** Calls `each(at, value)` for the pair's samples with from <= at < to, in time order. */
  read(p: number, from: number, to: number, each: (at: number, value: number) => void): number {
    let n = 0;
    for (const b of this.ordered()) {
      if (b.start + BUCKET_MS <= from || b.start >= to) continue;
      const ats = this.scratchAt;
      const values = this.scratchValue;
      this.collect(b, p, ats, values);
      for (let i = 0; i < ats.length; i++) {
        if (ats[i] < from || ats[i] >= to) continue;
        each(ats[i], values[i]);
        n++;
      }
    }
    return n;
  }

  /** The pair's newest sample, or null. */
  latest(p: number): { at: number; value: number } | null {
    return p < this.count && this.lastAt[p] >= 0 ? { at: this.lastAt[p], value: this.lastValue[p] } : null;
  }

  /** Start times of the buckets that ended by `before`, oldest first, with anything not sealed or not written. */
  closedBuckets(before: number): number[] {
    return this.ordered()
      .filter((b) => b.start + BUCKET_MS <= before && !b.written)
      .map((b) => b.start);
  }

  /**
   * One step of writing a closed bucket: seals the next `pairs` pairs not written yet (or merges
   * late samples into sealed chunks) and returns their chunk bytes for disk, with the step to
   * confirm once they are committed. Null when the bucket is all written.
   */
  nextWrite(start: number, pairs: number): { rows: { p: number; data: Buffer }[]; commit(): void } | null {
    const b = this.buckets.get(start);
    if (!b || b.written) return null;
    const rows: { p: number; data: Buffer }[] = [];
    if (b.writtenUpTo !== ALL) {
      const from = b.writtenUpTo;
      const to = from + pairs >= this.count ? ALL : from + pairs;
      this.seal(b, to);
      for (let p = from; p < Math.min(to, this.count); p++) {
        this.mergeLate(b, p);
        const data = b.chunk(p);
        if (data) rows.push({ p, data });
      }
      return { rows, commit: () => void (b.writtenUpTo = Math.max(b.writtenUpTo, to)) };
    }
    for (const p of [...b.late.keys()].slice(0, pairs)) {
      this.mergeLate(b, p);
      b.unwritten.add(p);
    }
    const written = [...b.unwritten].slice(0, pairs);
    for (const p of written) {
      const data = b.chunk(p);
      if (data) rows.push({ p, data });
    }
    return { rows, commit: () => written.forEach((p) => b.unwritten.delete(p)) };
  }

  /**
   * Places a chunk read from disk (start-up) into a closed bucket: sealed and written as it is.
   * Buckets still open are filled through `insert` instead.
   */
  placeChunk(p: number, start: number, data: Uint8Array): void {
    let b = this.buckets.get(start);
    if (!b) {
      b = this.bucketOf(start, true);
      if (!b) return;
      b.raw = null;
      b.sealedUpTo = b.writtenUpTo = ALL;
    }
    if (b.sealedUpTo !== ALL || b.chunk(p)) throw new Error(`chunk ${start} of pair ${p} placed twice or into an open bucket`);
    b.setChunk(p, data);
    decodeChunk(start, data, (at, value) => {
      b.samples++;
      if (at > this.lastAt[p]) {
        this.lastAt[p] = at;
        this.lastValue[p] = value;
      }
      this.countActivity(this.pairAgent[p], Math.floor(at / SLOT_MS), 1);
    });
  }

  /** The bucket `at` falls in; created (moving the hour forward) when `create`; undefined before the hour. */
  private bucketOf(at: number, create: boolean): Bucket | undefined {
    const start = Math.floor(at / BUCKET_MS) * BUCKET_MS;
    let b = this.buckets.get(start);
    if (b || !create || start < this.windowStart()) return b;
    const pageSize = Math.min(1 << 20, Math.max(4096, 2 ** Math.ceil(Math.log2((Math.max(this.count, BLOCK_PAIRS) * SLOTS * 3) / 16))));
    this.buckets.set(start, (b = new Bucket(start, pageSize, (size) => this.memory.takePage(size))));
    if (start > this.newest) {
      this.newest = start;
      this.memory.nextBucket();
      for (const old of this.buckets.values()) {
        if (old.start >= this.windowStart()) continue;
        if (!old.written) this.droppedUnwritten++;
        this.buckets.delete(old.start);
        this.release(old);
      }
    }
    return b;
  }

  private ordered(): Bucket[] {
    return [...this.buckets.values()].sort((x, y) => x.start - y.start);
  }

  /** The pair's samples in one bucket, in time order, into `ats`/`values` (cleared first). */
  private collect(b: Bucket, p: number, ats: number[], values: number[]): void {
    ats.length = values.length = 0;
    if (p < b.sealedUpTo) {
      const chunk = b.chunk(p);
      if (chunk) decodeChunk(b.start, chunk, (at, v) => (ats.push(at), values.push(v)));
    } else {
      const block = b.raw?.[(p / BLOCK_PAIRS) | 0];
      const base = (p % BLOCK_PAIRS) * SLOTS;
      for (let s = 0; block && s < SLOTS; s++) {
        const e = block[base + s];
        if (e === 0) continue;
        ats.push(b.start + s * SLOT_MS + (e >>> RTT_BITS));
        values.push(e & VALUE_MASK);
      }
    }
    const list = b.late.get(p);
    for (let i = 0; list && i < list.length; i += 2) {
      ats.push(list[i]);
      values.push(list[i + 1]);
    }
    let sorted = true;
    for (let i = 1; i < ats.length && sorted; i++) sorted = ats[i - 1] < ats[i];
    if (sorted) return;
    const order = ats.map((_, i) => i).sort((x, y) => ats[x] - ats[y]);
    const a = order.map((i) => ats[i]);
    const v = order.map((i) => values[i]);
    for (let i = 0; i < a.length; i++) {
      ats[i] = a[i];
      values[i] = v[i];
    }
  }

  /** Seals the raw pairs below `upTo`: their samples become chunk bytes; the slots are freed once all are sealed. */
  private seal(b: Bucket, upTo: number): void {
    b.reserve(this.count);
    for (let p = b.sealedUpTo; p < Math.min(upTo, this.count); p++) {
      this.collect(b, p, this.scratchAt, this.scratchValue);
      b.late.delete(p);
      if (this.scratchAt.length) b.setChunk(p, encodeChunk(b.start, this.scratchAt, this.scratchValue, this.scratchAt.length, this.writer));
    }
    b.sealedUpTo = Math.max(b.sealedUpTo, upTo >= this.count ? ALL : upTo);
    const raw = b.raw;
    if (!raw) return;
    const done = b.sealedUpTo === ALL ? raw.length : Math.floor(b.sealedUpTo / BLOCK_PAIRS);
    for (let k = 0; k < done; k++) {
      this.memory.giveBlock(raw[k], this.blocksPerBucket());
      raw[k] = undefined;
    }
    if (b.sealedUpTo === ALL) b.raw = null;
  }

  /** Raw blocks one bucket of every pair takes. */
  private blocksPerBucket(): number {
    return Math.ceil(this.count / BLOCK_PAIRS);
  }

  /** A bucket left the hour: its raw blocks, and its pages once all its chunks are written, go to the next ones. */
  private release(b: Bucket): void {
    for (const block of b.raw ?? []) this.memory.giveBlock(block, this.blocksPerBucket());
    b.raw = null;
    if (b.written) this.memory.givePages(b.pages, b.pageSize);
  }

  /** Merges a sealed pair's late samples into its chunk. */
  private mergeLate(b: Bucket, p: number): void {
    if (p >= b.sealedUpTo || !b.late.has(p)) return;
    this.collect(b, p, this.scratchAt, this.scratchValue);
    b.late.delete(p);
    b.setChunk(p, encodeChunk(b.start, this.scratchAt, this.scratchValue, this.scratchAt.length, this.writer));
  }

  private countActivity(agentId: number, slot: number, delta: number): void {
    let a = this.activity.get(agentId);
    if (!a) this.activity.set(agentId, (a = { head: slot, counts: new Uint16Array(RING_SLOTS) }));
    if (slot > a.head) {
      const clear = Math.min(slot - a.head, RING_SLOTS);
      for (let s = slot - clear + 1; s <= slot; s++) a.counts[s % RING_SLOTS] = 0;
      a.head = slot;
    }
    if (slot <= a.head - RING_SLOTS) return;
    const i = slot % RING_SLOTS;
    a.counts[i] = Math.max(0, Math.min(0xffff, a.counts[i] + delta));
  }
}
