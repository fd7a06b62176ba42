import { BUCKET_MS, BUCKETS_PER_HOUR, HOUR_MS, type ChunkRow, type SampleSql } from '../samples.repository';
import { HourCache, InsertResult, RING_SLOTS, SLOT_MS } from './hour-cache';
import { ByteWriter, decodeChunk, decodeJournal, encodeChunk, encodeJournal, rttToValue, valueToRtt } from './sample-codec';
import type { SampleBatch } from './sample-density';

export type { SampleBatch } from './sample-density';

/** Samples per group commit at most: bounds the synchronous work of one flush (~1 ms; ~40 ms when every pair in it is new and its cache memory is first touched). */
const MAX_GROUP_SAMPLES = 10_000;
/** Pairs per chunk-writing transaction during compaction (one slice of synchronous encoding). */
const PAIRS_PER_SLICE = 1_000;
/** A bucket is written as chunks this long after it ended (late results of a slow flush land first). */
export const COMPACT_GRACE_MS = 30_000;
const PAGE = 5_000;

/** Samples as they were committed, column-wise: pair index, probe time (epoch ms), RTT (µs or a negative RttCode). */
export interface StoredSamples {
  pairs: Int32Array;
  at: Float64Array;
  rtt: Int32Array;
}

export interface PairSamples {
  at: number[];
  rtt: number[];
}

/** One batch of an agent's samples, column-wise as it came over the wire: probe time = base + dt[i]. */

const NO_SAMPLES: SampleBatch = { base: 0, target: [], dt: [], rtt: [] };

interface Pending {
  agentId: number;
  batch: SampleBatch;
  resolve(added: number): void;
  reject(err: unknown): void;
}

export interface StoreStats {
  ingested: number;
  duplicates: number;
  overflow: number;
  commits: number;
  chunksWritten: number;
}

/**
 * Ingest, memory and disk of samples. Every write goes through one queue (SQLite has one writer):
 * batches waiting while the previous commit runs are grouped into one journal row (group commit),
 * committed, and only then resolved (the agent's ack). The hour cache is the deduplication index:
 * a sample it already holds is not stored again. Closed 5-minute buckets are sealed in the cache
 * (encoded as their chunk rows) and those bytes written to disk as they are; then journal rows
 * whose samples all sit in written chunks are deleted.
 */
export class SampleStore {
  readonly cache = new HourCache();
  readonly stats: StoreStats = { ingested: 0, duplicates: 0, overflow: 0, commits: 0, chunksWritten: 0 };
  private tail: Promise<unknown> = Promise.resolve();
  private pending: Pending[] = [];
  private flushQueued = false;
  private lastJournalId = 0;
  private readonly writer = new ByteWriter(1 << 16);
  /**
   * Told of the samples stored, after each commit and before its batches are acknowledged: one
   * entry per new sample in each column (a pair, the cache's index stable for the life of the
   * process, may repeat); the arrays are only valid during the call.
   */
  onStored: ((stored: StoredSamples) => void) | null = null;
  private compacting: Promise<void> | null = null;
  /** The cache holds everything ingested since this time (what was on disk at start was loaded from here). */
  private completeSince = -Infinity;
  /** Retention: nothing older than this is served (the cache may still hold a stale pair's older samples). */
  retainFrom = -Infinity;

  private lingerTimer: NodeJS.Timeout | null = null;
  private pendingSamples = 0;
  /** When the oldest batch still waiting for its commit arrived (null: none waits). */
  private waitingSince: number | null = null;

  /**
   * `commitDelayMs`: a group commit waits this long for more batches after the first one (each
   * agent flushes once a second at its own phase, so without a delay nearly every batch would be a
   * transaction and an fsync of its own); it is flushed at once when MAX_GROUP_SAMPLES are waiting.
   */
  constructor(
    private readonly sql: SampleSql,
    private readonly now: () => number,
    private readonly commitDelayMs = 0,
  ) {}

  /** How long the oldest batch not yet committed has waited (0: none waits): a stuck writer shows here. */
  waitingMs(): number {
    return this.waitingSince === null ? 0 : this.now() - this.waitingSince;
  }

  /** Runs a write after every write queued before it. */
  enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Stores the samples not stored yet; resolves with how many were new once they are committed. */
  ingest(agentId: number, batch: SampleBatch): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.pending.push({ agentId, batch, resolve, reject });
      this.pendingSamples += batch.target.length;
      this.waitingSince ??= this.now();
      if (this.lingerTimer && this.pendingSamples >= MAX_GROUP_SAMPLES) this.flushNow();
      if (this.flushQueued) return;
      this.flushQueued = true;
      if (this.commitDelayMs > 0 && this.pendingSamples < MAX_GROUP_SAMPLES) this.lingerTimer = setTimeout(() => this.flushNow(), this.commitDelayMs);
      else void this.enqueue(() => this.flush());
    });
  }

  /** Queues the flush a commit delay is waiting for, now. */
  private flushNow(): void {
    if (!this.lingerTimer) return;
    clearTimeout(this.lingerTimer);
    this.lingerTimer = null;
    void this.enqueue(() => this.flush());
  }

  private async flush(): Promise<void> {
    this.flushQueued = false;
    const group: Pending[] = [];
    let size = 0;
    while (this.pending.length && (size === 0 || size + this.pending[0].batch.target.length <= MAX_GROUP_SAMPLES)) {
      const p = this.pending.shift() as Pending;
      group.push(p);
      size += p.batch.target.length;
    }
    this.pendingSamples -= size;
    this.waitingSince = this.pending.length ? this.now() : null;
    if (this.pending.length && !this.flushQueued) {
      this.flushQueued = true;
      void this.enqueue(() => this.flush());
    }
    const cache = this.cache;
    // Typed arrays (memory outside the JS heap) for the samples placed: they live until the commit
    // resolves, and as JS arrays they were the bulk of what the garbage collector had to promote.
    const pairs = new Int32Array(size);
    const ats = new Float64Array(size);
    const targets = new Int32Array(size);
    const rtts = new Int32Array(size);
    const added: number[] = [];
    const journal: { agentId: number; targetId: Int32Array; at: Float64Array; rtt: Int32Array }[] = [];
    let placed = 0;
    let maxAt = 0;
    for (const { agentId, batch } of group) {
      const first = placed;
      const { base, target, dt, rtt } = batch;
      for (let i = 0; i < target.length; i++) {
        const at = base + dt[i];
        const p = cache.pair(agentId, target[i], true);
        const result = cache.insert(p, at, rttToValue(rtt[i]));
        if (result !== InsertResult.STORED) {
          if (result === InsertResult.DUPLICATE) this.stats.duplicates++;
          else this.stats.overflow++;
          continue;
        }
        pairs[placed] = p;
        ats[placed] = at;
        targets[placed] = target[i];
        rtts[placed] = rtt[i];
        placed++;
        if (at > maxAt) maxAt = at;
      }
      added.push(placed - first);
      if (placed > first) journal.push({ agentId, targetId: targets.subarray(first, placed), at: ats.subarray(first, placed), rtt: rtts.subarray(first, placed) });
    }
    // Copied: the batches (JSON arrays from protocol-1 agents) need not outlive the commit's wait.
    for (const p of group) p.batch = NO_SAMPLES;
    if (placed) {
      try {
        this.lastJournalId = await this.sql.appendJournal(maxAt, encodeJournal(journal, this.writer));
        this.stats.commits++;
      } catch (err) {
        for (let i = 0; i < placed; i++) cache.remove(pairs[i], ats[i]);
        for (const p of group) p.reject(err);
        return;
      }
    }
    this.stats.ingested += placed;
    if (placed && this.onStored) this.onStored({ pairs: pairs.subarray(0, placed), at: ats.subarray(0, placed), rtt: rtts.subarray(0, placed) });
    group.forEach((p, i) => p.resolve(added[i]));
  }

  /** Writes every closed bucket with new samples as chunks, then deletes the journal rows they cover. */
  compact(): Promise<void> {
    this.compacting ??= this.compactOnce().finally(() => (this.compacting = null));
    return this.compacting;
  }

  private async compactOnce(): Promise<void> {
    const boundary = Math.floor((this.now() - COMPACT_GRACE_MS) / BUCKET_MS) * BUCKET_MS;
    const upToId = this.lastJournalId;
    for (const start of this.cache.closedBuckets(boundary)) {
      // One slice per queued task: ingest goes on between them.
      while (await this.enqueue(() => this.writeSlice(start)));
    }
    await this.enqueue(() => this.sql.deleteJournal(upToId, boundary));
  }

  /** Seals and writes the next slice of a closed bucket's chunks; false when the bucket is all on disk. */
  private async writeSlice(start: number): Promise<boolean> {
    const step = this.cache.nextWrite(start, PAIRS_PER_SLICE);
    if (!step) return false;
    const hour = Math.floor(start / HOUR_MS);
    const bucket = (start - hour * HOUR_MS) / BUCKET_MS;
    await this.sql.writeChunks(step.rows.map(({ p, data }) => ({ hour, agentId: this.cache.agentOf(p), targetId: this.cache.targetOf(p), bucket, data })));
    step.commit();
    this.stats.chunksWritten += step.rows.length;
    return true;
  }

  /**
   * On start: converts the pre-chunk samples table, merges what the journal holds into chunks (a
   * crash may have left samples there, some already in chunks: merged by time, never twice), and
   * loads the last hour into memory.
   */
  async recover(): Promise<void> {
    await this.importLegacy();
    let after = 0;
    for (;;) {
      const rows = await this.sql.readJournal(after, 50);
      if (!rows.length) break;
      const merged = new Map<string, { agentId: number; targetId: number; bucket: number; at: number[]; value: number[] }>();
      for (const row of rows) {
        decodeJournal(row.data, (agentId, targetId, at, rtt) => {
          const bucket = Math.floor(at / BUCKET_MS) * BUCKET_MS;
          const key = `${agentId}/${targetId}/${bucket}`;
          let m = merged.get(key);
          if (!m) merged.set(key, (m = { agentId, targetId, bucket, at: [], value: [] }));
          m.at.push(at);
          m.value.push(rttToValue(rtt));
        });
        after = row.id;
      }
      await this.mergeIntoChunks([...merged.values()]);
      await this.sql.deleteJournal(after, Number.MAX_SAFE_INTEGER);
    }
    await this.warm();
  }

  /** Adds samples to chunk rows already on disk (union by time), for recovery and conversion. */
  private async mergeIntoChunks(groups: readonly { agentId: number; targetId: number; bucket: number; at: number[]; value: number[] }[]): Promise<void> {
    const rows: ChunkRow[] = [];
    for (const g of groups) {
      const hour = Math.floor(g.bucket / HOUR_MS);
      const index = (g.bucket - hour * HOUR_MS) / BUCKET_MS;
      const byAt = new Map<number, number>();
      const existing = await this.sql.readChunk(hour, g.agentId, g.targetId, index);
      if (existing) decodeChunk(g.bucket, existing, (at, v) => byAt.set(at, v));
      g.at.forEach((at, i) => byAt.has(at) || byAt.set(at, g.value[i]));
      const ats = [...byAt.keys()].sort((a, b) => a - b);
      rows.push({ hour, agentId: g.agentId, targetId: g.targetId, bucket: index, data: encodeChunk(g.bucket, ats, ats.map((a) => byAt.get(a) as number), ats.length, this.writer) });
      if (rows.length >= 1000) await this.sql.writeChunks(rows.splice(0));
    }
    await this.sql.writeChunks(rows);
  }

  private async importLegacy(): Promise<void> {
    let after: [number, number, number] | null = null;
    for (;;) {
      const page = await this.sql.legacyPage(after, PAGE);
      if (page === null) return;
      if (!page.length) break;
      const groups = new Map<string, { agentId: number; targetId: number; bucket: number; at: number[]; value: number[] }>();
      for (const r of page) {
        const bucket = Math.floor(r.at / BUCKET_MS) * BUCKET_MS;
        const key = `${r.agent_id}/${r.target_id}/${bucket}`;
        let g = groups.get(key);
        if (!g) groups.set(key, (g = { agentId: r.agent_id, targetId: r.target_id, bucket, at: [], value: [] }));
        g.at.push(r.at);
        g.value.push(rttToValue(r.rtt));
      }
      await this.mergeIntoChunks([...groups.values()]);
      const last = page[page.length - 1];
      after = [last.agent_id, last.target_id, last.at];
    }
    await this.sql.dropLegacy();
  }

  /** Loads the chunks of the last hour into the cache. */
  private async warm(): Promise<void> {
    const from = this.now() - RING_SLOTS * SLOT_MS;
    this.completeSince = from;
    for (let hour = Math.floor(from / HOUR_MS); hour <= Math.floor(this.now() / HOUR_MS) + 1; hour++) {
      const fromBucket = Math.max(0, Math.floor((from - hour * HOUR_MS) / BUCKET_MS));
      if (fromBucket >= BUCKETS_PER_HOUR) continue;
      let after: [number, number, number] | null = null;
      for (;;) {
        const rows = await this.sql.scanHour(hour, fromBucket, after, PAGE);
        for (const r of rows) {
          const p = this.cache.pair(r.agentId, r.targetId, true);
          // Closed buckets go in as they are on disk; open ones sample by sample (they are still written to).
          if (r.start + BUCKET_MS + COMPACT_GRACE_MS <= this.now()) this.cache.placeChunk(p, r.start, r.data);
          else decodeChunk(r.start, r.data, (at, v) => void (at >= from && this.cache.insert(p, at, v)));
        }
        if (rows.length < PAGE) break;
        const last = rows[rows.length - 1];
        after = [last.agentId, last.targetId, last.bucket];
      }
    }
  }

  /**
   * One pair's samples with from <= at < to, in time order: memory for the part the hour cache
   * covers, chunks on disk before it (a bucket is written there seconds after it closes).
   */
  async readPair(agentId: number, targetId: number, from: number, to: number): Promise<PairSamples> {
    const out: PairSamples = { at: [], rtt: [] };
    from = Math.max(from, this.retainFrom);
    if (from >= to) return out;
    const p = this.cache.pair(agentId, targetId, false);
    const memoryFrom = this.memoryFrom(p);
    if (from < memoryFrom) await this.readDisk(agentId, targetId, from, Math.min(to, memoryFrom), out);
    if (p >= 0 && to > memoryFrom) {
      this.cache.read(p, Math.max(from, memoryFrom), to, (at, v) => (out.at.push(at), out.rtt.push(valueToRtt(v))));
    }
    return out;
  }

  /**
   * The newest sample of each of `pairs` into `out` (room for 4 numbers a pair), flat [agentId,
   * targetId, at, rtt, ...]; pairs without one are left out. Returns how many numbers it wrote.
   */
  readNewest(pairs: ArrayLike<number>, out: Float64Array): number {
    const cache = this.cache;
    let o = 0;
    for (let i = 0; i < pairs.length; i++) {
      const p = pairs[i];
      const l = cache.latest(p);
      if (!l) continue;
      out[o++] = cache.agentOf(p);
      out[o++] = cache.targetOf(p);
      out[o++] = l.at;
      out[o++] = valueToRtt(l.value);
    }
    return o;
  }

  /**
   * The same samples as readPair, as pages in time order: one query per `pageMs` of disk (aligned
   * to multiples of it), then the part in memory. Nothing is read ahead of the consumer, so one who
   * stops iterating (a client gone) stops the reads. The memory/disk boundary is looked up again
   * for every page: what left the cache meanwhile is on disk.
   */
  async *readPairPages(agentId: number, targetId: number, from: number, to: number, pageMs = 6 * HOUR_MS): AsyncGenerator<PairSamples> {
    for (let cursor = from; ; ) {
      // Retention may have moved on while the consumer was busy: its hours may be gone.
      cursor = Math.max(cursor, this.retainFrom);
      if (cursor >= to) return;
      const p = this.cache.pair(agentId, targetId, false);
      const memoryFrom = this.memoryFrom(p);
      const out: PairSamples = { at: [], rtt: [] };
      if (cursor >= memoryFrom) {
        this.cache.read(p, cursor, to, (at, v) => (out.at.push(at), out.rtt.push(valueToRtt(v))));
        yield out;
        return;
      }
      const end = Math.min(to, memoryFrom, (Math.floor(cursor / pageMs) + 1) * pageMs);
      await this.readDisk(agentId, targetId, cursor, end, out);
      yield out;
      cursor = end;
    }
  }

  /** Where the pair's samples in memory begin (Infinity: the pair has none there). */
  private memoryFrom(p: number): number {
    return p >= 0 ? Math.max(this.cache.coveredFrom(), this.completeSince) : Infinity;
  }

  /** Appends the pair's samples with from <= at < to from the chunks on disk, in time order (the query's UNION ALL promises no order). */
  private async readDisk(agentId: number, targetId: number, from: number, to: number, out: PairSamples): Promise<void> {
    const chunks = await this.sql.readPairChunks(agentId, targetId, Math.floor(from / HOUR_MS), Math.floor((to - 1) / HOUR_MS));
    chunks.sort((a, b) => a.start - b.start);
    for (const c of chunks) {
      if (c.start + BUCKET_MS <= from || c.start >= to) continue;
      decodeChunk(c.start, c.data, (at, v) => {
        if (at < from || at >= to) return;
        out.at.push(at);
        out.rtt.push(valueToRtt(v));
      });
    }
  }

  /** The newest sample of every pair in memory, flat [agentId, targetId, at, rtt, ...]. */
  latestCells(): number[] {
    const out: number[] = [];
    for (let p = 0; p < this.cache.pairs; p++) {
      const l = this.cache.latest(p);
      if (l) out.push(this.cache.agentOf(p), this.cache.targetOf(p), l.at, valueToRtt(l.value));
    }
    return out;
  }

  /** Resolves when every write queued so far is done. */
  async drain(): Promise<void> {
    this.flushNow();
    await this.compacting;
    await this.enqueue(async () => undefined);
  }
}
