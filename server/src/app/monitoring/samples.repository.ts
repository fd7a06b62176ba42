import { Injectable } from '@nestjs/common';
import type { GapReason } from './pair-history';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

import { BUCKET_MS, HOUR_MS } from './storage/sample-codec';

export { BUCKET_MS, BUCKETS_PER_HOUR, HOUR_MS } from './storage/sample-codec';
/** Chunk rows per INSERT statement (4 parameters each, well under SQLite's parameter limit). */
const ROWS_PER_STATEMENT = 400;
/** Hour tables per compound SELECT of one pair's chunks (SQLite allows 500 terms at most). */
const HOURS_PER_STATEMENT = 250;

export interface ChunkRow {
  hour: number;
  agentId: number;
  targetId: number;
  bucket: number;
  data: Buffer;
}

export interface StoredChunk {
  agentId: number;
  targetId: number;
  /** Start of the bucket, epoch ms. */
  start: number;
  data: Buffer;
}

export interface GapRow {
  id: number;
  agentId: number;
  from: number;
  to: number;
  reason: GapReason;
  samples: number | null;
}

/** The subset of SQL access the sample store needs; SamplesRepository is the real one. */
export interface SampleSql {
  appendJournal(maxAt: number, data: Buffer): Promise<number>;
  readJournal(afterId: number, limit: number): Promise<{ id: number; data: Buffer }[]>;
  deleteJournal(upToId: number, maxAtBefore: number): Promise<void>;
  writeChunks(rows: readonly ChunkRow[]): Promise<void>;
  readChunk(hour: number, agentId: number, targetId: number, bucket: number): Promise<Buffer | null>;
  readPairChunks(agentId: number, targetId: number, fromHour: number, toHour: number): Promise<StoredChunk[]>;
  scanHour(hour: number, fromBucket: number, after: [number, number, number] | null, limit: number): Promise<(StoredChunk & { bucket: number })[]>;
  chunkHours(): Promise<number[]>;
  dropHour(hour: number): Promise<void>;
  legacyPage(after: [number, number, number] | null, limit: number): Promise<{ agent_id: number; target_id: number; at: number; rtt: number }[] | null>;
  dropLegacy(): Promise<void>;
  insertGap(agentId: number, from: number, to: number, reason: GapReason, samples: number | null): Promise<number>;
  recordDroppedReport(agentId: number, from: number, to: number, samples: number, key: number): Promise<boolean>;
  extendGap(id: number, to: number): Promise<void>;
  gaps(agentId: number, from: number, to: number): Promise<GapRow[]>;
  lastGapEnds(): Promise<Map<number, GapRow>>;
  deleteGapsBefore(at: number): Promise<number>;
  bytesOnDisk(): Promise<{ pageSize: number; pages: number; freePages: number }>;
  incrementalVacuum(pages: number): Promise<void>;
}

const table = (hour: number) => `chunks_${Math.trunc(hour)}`;

/**
 * All SQL for samples and gaps. Samples live in one table per hour (chunks_<hour>), one row per
 * (agent, target, 5-minute bucket) holding the bucket's samples as an encoded blob, WITHOUT ROWID
 * and pair-first so one pair's day is ~25 short range scans; retention drops whole tables. Batches
 * are committed to sample_journal first (one row per group commit) and acknowledged from there.
 * Every write is issued by the SampleStore's single writer queue.
 */
@Injectable()
export class SamplesRepository implements SampleSql {
  private readonly hours = new Set<number>();
  private hoursLoaded = false;

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async appendJournal(maxAt: number, data: Buffer): Promise<number> {
    // TypeORM's sqlite driver answers an INSERT with the new rowid.
    return this.db.query('INSERT INTO sample_journal (max_at, data) VALUES (?, ?)', [maxAt, data]);
  }

  readJournal(afterId: number, limit: number): Promise<{ id: number; data: Buffer }[]> {
    return this.db.query('SELECT id, data FROM sample_journal WHERE id > ? ORDER BY id LIMIT ?', [afterId, limit]);
  }

  async deleteJournal(upToId: number, maxAtBefore: number): Promise<void> {
    await this.db.query('DELETE FROM sample_journal WHERE id <= ? AND max_at < ?', [upToId, maxAtBefore]);
  }

  /** Writes (replaces) chunk rows atomically, creating hour tables as needed. */
  async writeChunks(rows: readonly ChunkRow[]): Promise<void> {
    if (!rows.length) return;
    const byHour = new Map<number, ChunkRow[]>();
    for (const r of rows) {
      let list = byHour.get(r.hour);
      if (!list) byHour.set(r.hour, (list = []));
      list.push(r);
    }
    await this.loadHours();
    await this.db.transaction(async (em) => {
      for (const [hour, list] of byHour) {
        if (!this.hours.has(hour)) {
          await em.query(`CREATE TABLE IF NOT EXISTS ${table(hour)} (
            agent_id INTEGER NOT NULL, target_id INTEGER NOT NULL, bucket INTEGER NOT NULL, data BLOB NOT NULL,
            PRIMARY KEY (agent_id, target_id, bucket)) WITHOUT ROWID`);
        }
        for (let start = 0; start < list.length; start += ROWS_PER_STATEMENT) {
          const chunk = list.slice(start, start + ROWS_PER_STATEMENT);
          const params: unknown[] = [];
          for (const r of chunk) params.push(r.agentId, r.targetId, r.bucket, r.data);
          await em.query(`INSERT OR REPLACE INTO ${table(hour)} (agent_id, target_id, bucket, data) VALUES ${chunk.map(() => '(?,?,?,?)').join(',')}`, params);
        }
      }
    });
    for (const hour of byHour.keys()) this.hours.add(hour);
  }

  async readChunk(hour: number, agentId: number, targetId: number, bucket: number): Promise<Buffer | null> {
    await this.loadHours();
    if (!this.hours.has(hour)) return null;
    const rows = await this.db.query(`SELECT data FROM ${table(hour)} WHERE agent_id = ? AND target_id = ? AND bucket = ?`, [agentId, targetId, bucket]);
    return rows[0]?.data ?? null;
  }

  async readPairChunks(agentId: number, targetId: number, fromHour: number, toHour: number): Promise<StoredChunk[]> {
    await this.loadHours();
    const hours = [...this.hours].filter((h) => h >= fromHour && h <= toHour).sort((a, b) => a - b);
    const out: StoredChunk[] = [];
    // SQLite refuses a compound SELECT of more than 500 terms (SQLITE_MAX_COMPOUND_SELECT): a month of hours is 744.
    for (let i = 0; i < hours.length; i += HOURS_PER_STATEMENT) {
      const part = hours.slice(i, i + HOURS_PER_STATEMENT);
      const sql = part.map((h) => `SELECT ${h} AS hour, bucket, data FROM ${table(h)} WHERE agent_id = ? AND target_id = ?`).join(' UNION ALL ');
      const rows: { hour: number; bucket: number; data: Buffer }[] = await this.db.query(sql, part.flatMap(() => [agentId, targetId]));
      for (const r of rows) out.push({ agentId, targetId, start: r.hour * HOUR_MS + r.bucket * BUCKET_MS, data: r.data });
    }
    return out;
  }

  /** One page of an hour table in key order, buckets >= fromBucket (for warming the cache). */
  async scanHour(hour: number, fromBucket: number, after: [number, number, number] | null, limit: number) {
    await this.loadHours();
    if (!this.hours.has(hour)) return [];
    const rows: { agent_id: number; target_id: number; bucket: number; data: Buffer }[] = after
      ? await this.db.query(
          `SELECT agent_id, target_id, bucket, data FROM ${table(hour)} WHERE (agent_id, target_id, bucket) > (?, ?, ?) AND bucket >= ? ORDER BY agent_id, target_id, bucket LIMIT ?`,
          [...after, fromBucket, limit],
        )
      : await this.db.query(`SELECT agent_id, target_id, bucket, data FROM ${table(hour)} WHERE bucket >= ? ORDER BY agent_id, target_id, bucket LIMIT ?`, [fromBucket, limit]);
    return rows.map((r) => ({ agentId: r.agent_id, targetId: r.target_id, bucket: r.bucket, start: hour * HOUR_MS + r.bucket * BUCKET_MS, data: r.data }));
  }

  async chunkHours(): Promise<number[]> {
    await this.loadHours();
    return [...this.hours].sort((a, b) => a - b);
  }

  async dropHour(hour: number): Promise<void> {
    await this.db.query(`DROP TABLE IF EXISTS ${table(hour)}`);
    this.hours.delete(hour);
  }

  /** A page of the pre-chunk samples table in key order; null once it is gone. */
  async legacyPage(after: [number, number, number] | null, limit: number) {
    const exists = await this.db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'samples_legacy'");
    if (!exists.length) return null;
    return after
      ? this.db.query('SELECT agent_id, target_id, at, rtt FROM samples_legacy WHERE (agent_id, target_id, at) > (?, ?, ?) ORDER BY agent_id, target_id, at LIMIT ?', [...after, limit])
      : this.db.query('SELECT agent_id, target_id, at, rtt FROM samples_legacy ORDER BY agent_id, target_id, at LIMIT ?', [limit]);
  }

  async dropLegacy(): Promise<void> {
    await this.db.query('DROP TABLE IF EXISTS samples_legacy');
  }

  async insertGap(agentId: number, from: number, to: number, reason: GapReason, samples: number | null): Promise<number> {
    return this.db.query('INSERT INTO gaps (agent_id, from_at, to_at, reason, samples) VALUES (?, ?, ?, ?, ?)', [agentId, from, to, reason, samples]);
  }

  /**
   * Records an agent's `dropped` report [from, to) as the one record of its outage (key: the seq of
   * the outage's first report). The outage's records within the span (the same report resent after
   * a lost ack, or an earlier, shorter version of it) are replaced; a report already covered by a
   * longer version of itself (arriving late) is not recorded. False when nothing was written.
   */
  async recordDroppedReport(agentId: number, from: number, to: number, samples: number, key: number): Promise<boolean> {
    return this.db.transaction(async (em) => {
      const outage = "agent_id = ? AND reason = 'dropped' AND report_seq = ?";
      // Covered: a record of the outage with a wider span, or the same span and a larger count (a later version).
      const [covered] = await em.query(`SELECT 1 AS y FROM gaps WHERE ${outage} AND from_at <= ? AND to_at >= ? AND (from_at < ? OR to_at > ? OR samples > ?) LIMIT 1`, [agentId, key, from, to, from, to, samples]);
      if (covered) return false;
      await em.query(`DELETE FROM gaps WHERE ${outage} AND from_at >= ? AND to_at <= ?`, [agentId, key, from, to]);
      await em.query("INSERT INTO gaps (agent_id, from_at, to_at, reason, samples, report_seq) VALUES (?, ?, ?, 'dropped', ?, ?)", [agentId, from, to, samples, key]);
      return true;
    });
  }

  async extendGap(id: number, to: number): Promise<void> {
    await this.db.query('UPDATE gaps SET to_at = ? WHERE id = ?', [to, id]);
  }

  async gaps(agentId: number, from: number, to: number): Promise<GapRow[]> {
    const rows = await this.db.query(
      'SELECT id, agent_id, from_at, to_at, reason, samples FROM gaps WHERE agent_id = ? AND to_at > ? AND from_at < ? ORDER BY from_at',
      [agentId, from, to],
    );
    return rows.map(toGap);
  }

  /** Each agent's most recent 'disconnected' gap (gap detection resumes from it after a restart). */
  async lastGapEnds(): Promise<Map<number, GapRow>> {
    const rows = await this.db.query(
      "SELECT id, agent_id, from_at, to_at, reason, samples FROM gaps g WHERE reason = 'disconnected' AND to_at = (SELECT MAX(to_at) FROM gaps WHERE agent_id = g.agent_id AND reason = 'disconnected')",
    );
    return new Map(rows.map((r: GapDbRow) => [r.agent_id, toGap(r)]));
  }

  async deleteGapsBefore(at: number): Promise<number> {
    const [{ n }] = await this.db.query('SELECT count(*) AS n FROM gaps WHERE to_at < ?', [at]);
    if (n) await this.db.query('DELETE FROM gaps WHERE to_at < ?', [at]);
    return n;
  }

  async bytesOnDisk(): Promise<{ pageSize: number; pages: number; freePages: number }> {
    const [[{ page_size }], [{ page_count }], [{ freelist_count }]] = await Promise.all([
      this.db.query('PRAGMA page_size'),
      this.db.query('PRAGMA page_count'),
      this.db.query('PRAGMA freelist_count'),
    ]);
    return { pageSize: page_size, pages: page_count, freePages: freelist_count };
  }

  /** Gives free pages back to the file system (the database is in auto_vacuum = INCREMENTAL mode). */
  async incrementalVacuum(pages: number): Promise<void> {
    await this.db.query(`PRAGMA incremental_vacuum(${Math.max(1, Math.trunc(pages))})`);
  }

  /** Switches a database created before chunks to incremental auto-vacuum (a VACUUM, once). */
  async ensureIncrementalVacuum(): Promise<boolean> {
    const [{ auto_vacuum }] = await this.db.query('PRAGMA auto_vacuum');
    if (auto_vacuum === 2) return false;
    await this.db.query('PRAGMA auto_vacuum = INCREMENTAL');
    await this.db.query('VACUUM');
    return true;
  }

  private async loadHours(): Promise<void> {
    if (this.hoursLoaded) return;
    const rows: { name: string }[] = await this.db.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'chunks\\_%' ESCAPE '\\'");
    for (const r of rows) this.hours.add(Number(r.name.slice('chunks_'.length)));
    this.hoursLoaded = true;
  }
}

/** A row of the gaps table as SQLite returns it. */
interface GapDbRow {
  id: number;
  agent_id: number;
  from_at: number;
  to_at: number;
  reason: GapReason;
  samples: number | null;
}

function toGap(r: GapDbRow): GapRow {
  return { id: r.id, agentId: r.agent_id, from: r.from_at, to: r.to_at, reason: r.reason, samples: r.samples ?? null };
}
