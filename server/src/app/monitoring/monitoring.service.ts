import { Inject, Injectable, Logger, NotFoundException, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { CLOCK, type Clock } from '@meshping/node-kit';
import { BUFFER_WINDOW_MS, MAX_BUFFER_WINDOW_MS, MAX_SAMPLES_PER_INTERVAL, PROBE_INTERVAL_MS, type DroppedReport, type ResultColumns } from '@meshping/protocol';
import type { PairSeries, PairStatsWindow } from './pair-history';
import { Subject } from 'rxjs';
import { AgentsService } from '../agents/agents.service';
import { TargetsService } from '../targets/targets.service';
import { downsample, pairStats } from './pair-stats';
import { SamplesRepository } from './samples.repository';
import { GapDetector, type Gap } from './storage/gap-detector';
import { DensityCheck } from './storage/sample-density';
import { valueToRtt } from './storage/sample-codec';
import { SampleStore, type PairSamples, type SampleBatch, type StoredSamples } from './storage/sample-store';

/** Samples are stored in one table per hour of this length (retention drops whole tables). */
export { HOUR_MS } from './samples.repository';

/** A batch refused as a whole; nothing of it was stored. */
export class RejectedBatchError extends Error {
  override readonly name = 'RejectedBatchError';
}

/** Results from agents may be this far ahead of the server's clock (clock skew). */
const MAX_FUTURE_MS = 60_000;
/** ... and this far behind it: the agent's buffer window plus slack for a slow resend. */
export const MAX_AGE_MS = BUFFER_WINDOW_MS + 10 * 60_000;
/** A `dropped` report may reach this far back: the longest buffer window an agent can have, plus the same slack. */
export const MAX_DROPPED_AGE_MS = MAX_BUFFER_WINDOW_MS + 10 * 60_000;
const COMPACT_EVERY_MS = 10_000;
/** A group commit waits this long for more agents' batches (acks come this much later; far fewer transactions). */
const COMMIT_DELAY_MS = 50;
const GAPS_EVERY_MS = 30_000;


/**
 * Ingest (announcing the cells it changed to the live feed), the newest sample per cell and every
 * read of samples: one pair's samples, series and statistics (memory for the last hour, chunks on
 * disk before), gaps; and the deletions retention decides (retention/retention.service.ts).
 */
@Injectable()
export class MonitoringService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(MonitoringService.name);
  readonly store: SampleStore;
  private readonly gapDetector: GapDetector;
  private approved = new Set<number>();
  private ready = false;
  private readonly density = new DensityCheck();
  /**
   * The samples of each commit, before the agents are acknowledged, by cell (the stable id of an
   * agent/target pair): one entry per new sample; the arrays are only valid during the call.
   */
  readonly samplesStored$ = new Subject<StoredSamples>();

  constructor(
    private readonly samples: SamplesRepository,
    private readonly targets: TargetsService,
    private readonly agents: AgentsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.store = new SampleStore(samples, () => clock.now(), COMMIT_DELAY_MS);
    this.gapDetector = new GapDetector(this.store.cache, samples);
    this.store.onStored = (stored) => this.samplesStored$.next(stored);
  }

  async onModuleInit(): Promise<void> {
    if (await this.samples.ensureIncrementalVacuum()) this.logger.log({ event: 'storage.auto-vacuum-enabled' });
    const started = Date.now();
    await this.store.recover();
    await this.gapDetector.load();
    this.ready = true;
    this.logger.log({ event: 'storage.recovered', pairs: this.store.cache.pairs, ms: Date.now() - started });
  }

  async onApplicationShutdown(): Promise<void> {
    this.ready = false;
    await this.store.drain();
  }

  /**
   * Validates a batch against the server's state, stores it durably and updates the live cells.
   * Resolves once the batch is committed, which is when the agent may be acknowledged.
   */
  async ingest(agentId: number, batch: ResultColumns): Promise<number> {
    // Results for a target deleted while they were in flight are dropped; the rest is stored.
    let samples: SampleBatch = batch;
    let anyDeleted = false;
    for (let i = 0; i < batch.target.length && !anyDeleted; i++) anyDeleted = this.targets.wasDeleted(batch.target[i]);
    if (anyDeleted) {
      const pick = (column: ArrayLike<number>) => Array.from(column).filter((_, i) => !this.targets.wasDeleted(batch.target[i]));
      samples = { base: batch.base, target: pick(batch.target), dt: pick(batch.dt), rtt: pick(batch.rtt) };
    }
    this.check(samples);
    return this.store.ingest(agentId, samples);
  }

  /**
   * Records results an agent had to drop, as a gap; resolves once committed (then it is
   * acknowledged). A report beyond what the agent can have measured is refused whole
   * (RejectedBatchError): its span must lie within the longest buffer window before now and the
   * clock skew after it, and its count within what the targets yield in that span. The same
   * report again, or one extending it (`replaces`), replaces its record (samples.repository.ts).
   */
  async recordDropped(agentId: number, report: DroppedReport): Promise<void> {
    const now = this.clock.now();
    if (report.from < now - MAX_DROPPED_AGE_MS) throw new RejectedBatchError(`from: ${report.from} is older than the longest buffer window (${MAX_BUFFER_WINDOW_MS} ms) before now`);
    if (report.to > now + MAX_FUTURE_MS) throw new RejectedBatchError(`to: ${report.to} is in the future`);
    const intervals = Math.floor((report.to - report.from) / PROBE_INTERVAL_MS) + 1;
    const most = Math.max(1, this.targets.list().length) * (intervals + MAX_SAMPLES_PER_INTERVAL - 1);
    if (report.samples > most) {
      throw new RejectedBatchError(`samples: ${report.samples} is more than the ${most} that the targets can yield from ${report.from} to ${report.to}`);
    }
    // One record per outage, whatever acks were lost: a resent or extended report replaces its
    // record (the extension carries the whole span and count), it is never added to it.
    await this.store.enqueue(() => this.samples.recordDroppedReport(agentId, report.from, report.to + 1, report.samples, report.replaces ?? report.seq));
  }

  /** The ingest path's state for readiness: recovered and accepting, and how long the oldest uncommitted batch has waited. */
  ingestState(): { accepting: boolean; waitingMs: number } {
    return { accepting: this.ready, waitingMs: this.store.waitingMs() };
  }

  /** An agent's cells by target id (-1: none yet); undefined when it has none. Read-only, valid until the next ingest. */
  cellRow(agentId: number): ArrayLike<number> | undefined {
    return this.store.cache.pairRow(agentId);
  }

  /** The agent of a cell. */
  agentOfCell(cell: number): number {
    return this.store.cache.agentOf(cell);
  }

  /** The target of a cell. */
  targetOfCell(cell: number): number {
    return this.store.cache.targetOf(cell);
  }

  /** How many cells there are (ids 0 .. n - 1: trackers keep arrays by cell id). */
  cellCount(): number {
    return this.store.cache.pairs;
  }

  /** A cell's newest sample (what the cache recovered from disk at start, then the newest ingested), or null. */
  newestOfCell(cell: number): { at: number; rtt: number } | null {
    const l = this.store.cache.latest(cell);
    return l ? { at: l.at, rtt: valueToRtt(l.value) } : null;
  }

  /** The newest sample of every cell (pair), flat [agentId, targetId, at, rtt, ...] (see CELL_STRIDE). */
  snapshotCells(): number[] {
    return this.store.latestCells();
  }

  /**
   * The newest sample of each of these cells (ids from samplesStored$) into `out`, 4 numbers a cell,
   * flat like snapshotCells; returns how many numbers it wrote.
   */
  newestOf(cells: ArrayLike<number>, out: Float64Array): number {
    return this.store.readNewest(cells, out);
  }

  pairSince(agentId: number, targetId: number, since: number): Promise<PairSamples> {
    return this.store.readPair(agentId, targetId, since, this.clock.now() + MAX_FUTURE_MS);
  }

  async series(agentId: number, targetId: number, from: number, to: number, points: number): Promise<PairSeries> {
    const [samples, gaps] = await Promise.all([this.store.readPair(agentId, targetId, from, to), this.gaps(agentId, from, to)]);
    const { step, points: list } = downsample(samples, from, to, points, PROBE_INTERVAL_MS);
    return { from, to, step, points: list, gaps };
  }

  async stats(agentId: number, targetId: number, from: number, to: number): Promise<PairStatsWindow> {
    const [samples, gaps] = await Promise.all([this.store.readPair(agentId, targetId, from, to), this.gaps(agentId, from, to)]);
    return { from, to, ...pairStats(samples), gaps };
  }

  /**
   * One pair's samples with from <= at < to for an export, in time order, read page by page as the
   * consumer takes them; with the names the file is called by. 404 for an agent or target that
   * never existed (a deleted target's history stays exportable, as it stays stored).
   */
  async exportPair(agentId: number, targetId: number, from: number, to: number): Promise<{ hostname: string; address: string; pages: AsyncGenerator<PairSamples> }> {
    const [agent, address] = await Promise.all([this.agents.findById(agentId), this.targets.addressOf(targetId)]);
    if (!agent) throw new NotFoundException(`no agent with id ${agentId}`);
    if (address === null) throw new NotFoundException(`no target with id ${targetId}`);
    return { hostname: agent.hostname, address, pages: this.store.readPairPages(agentId, targetId, from, to) };
  }

  /** Recorded gaps (final: dropped by the agent, or never filled) and, for the recent part, silences not final yet. */
  async gaps(agentId: number, from: number, to: number): Promise<Gap[]> {
    const now = this.clock.now();
    const finalBefore = now - MAX_AGE_MS;
    const recorded = (await this.samples.gaps(agentId, from, to)).map(({ from: f, to: t, reason, samples }) => ({
      from: Math.max(f, from),
      to: Math.min(t, to),
      reason,
      samples,
    }));
    const provisional = this.gapDetector.provisional(agentId, from, to, finalBefore, now);
    // The agent's own report explains a silence better than the detector: dropped spans win.
    const dropped = recorded.filter((g) => g.reason === 'dropped');
    // What a dropped span leaves of a silence at its edges (the rest of the 5 s slots its results were
    // probed in) is no silence of its own: such remnants, shorter than an interval, go.
    const silences = [...recorded.filter((g) => g.reason !== 'dropped'), ...provisional].flatMap((g) =>
      subtract(g, dropped).filter((part) => part === g || part.to - part.from >= PROBE_INTERVAL_MS),
    );
    // A recorded silence still going on continues as a provisional one: one span.
    const merged: Gap[] = [];
    for (const g of [...dropped, ...silences].sort((a, b) => a.from - b.from)) {
      const last = merged.at(-1);
      if (last && last.reason === g.reason && g.reason === 'disconnected' && g.from <= last.to) last.to = Math.max(last.to, g.to);
      else merged.push({ ...g });
    }
    return merged;
  }

  @Interval(COMPACT_EVERY_MS)
  async compact(): Promise<void> {
    if (!this.ready) return;
    try {
      await this.store.compact();
    } catch (err) {
      this.logger.error({ event: 'storage.compaction-failed', err });
    }
  }

  @Interval(GAPS_EVERY_MS)
  async detectGaps(): Promise<void> {
    if (!this.ready) return;
    try {
      this.approved = new Set((await this.agents.list()).filter((a) => a.state === 'approved').map((a) => a.id));
      // Only dormant targets (probed every 30 s to 5 min): an agent's stream has silences that are no gap.
      const views = this.targets.views();
      if (views.length > 0 && views.every((t) => t.dormantSince !== null)) this.approved.clear();
      await this.gapDetector.detect(this.clock.now() - MAX_AGE_MS, (id) => this.approved.has(id), (task) => this.store.enqueue(task));
    } catch (err) {
      this.logger.error({ event: 'storage.gap-detection-failed', err });
    }
  }

  /**
   * Retention's hands (the policy is RetentionService's): reads stop serving samples before `from`
   * (the cache may still hold a pair's older ones until its hour leaves it).
   */
  hideBefore(from: number): void {
    this.store.retainFrom = from;
  }

  /** The hours that have a chunks table, oldest first (epoch ms / HOUR_MS). */
  storedHours(): Promise<number[]> {
    return this.samples.chunkHours();
  }

  /** Drops one hour's table, through the writer queue (between ingest commits). */
  dropHour(hour: number): Promise<void> {
    return this.store.enqueue(() => this.samples.dropHour(hour));
  }

  /** Deletes the gaps that ended before `at`, through the writer queue; resolves with how many. */
  deleteGapsBefore(at: number): Promise<number> {
    return this.store.enqueue(() => this.samples.deleteGapsBefore(at));
  }

  /** Pages of the database file that are free (given back to the file system by vacuumPages). */
  async freePages(): Promise<number> {
    return (await this.samples.bytesOnDisk()).freePages;
  }

  /** Gives up to `pages` free pages back to the file system (incremental vacuum), through the writer queue. */
  vacuumPages(pages: number): Promise<void> {
    return this.store.enqueue(() => this.samples.incrementalVacuum(pages));
  }

  async storageFigures() {
    const disk = await this.samples.bytesOnDisk();
    return {
      ...this.store.stats,
      cachePairs: this.store.cache.pairs,
      cacheBytes: this.store.cache.bytes,
      databaseBytes: disk.pages * disk.pageSize,
      freeBytes: disk.freePages * disk.pageSize,
    };
  }

  private check(batch: SampleBatch): void {
    const { base, target, dt } = batch;
    const now = this.clock.now();
    for (let i = 0; i < target.length; i++) {
      const at = base + dt[i];
      if (!this.targets.has(target[i])) throw new RejectedBatchError(`unknown target id ${target[i]}`);
      if (at > now + MAX_FUTURE_MS) throw new RejectedBatchError(`sample time ${at} is in the future`);
      if (at < now - MAX_AGE_MS) throw new RejectedBatchError(`sample time ${at} is older than the buffer window`);
    }
    const dense = this.density.check(batch);
    if (dense) throw new RejectedBatchError(dense);
  }
}

/** The parts of a gap not covered by any of `covers`. */
function subtract(gap: Gap, covers: readonly Gap[]): Gap[] {
  let parts = [gap];
  for (const c of covers) {
    parts = parts.flatMap((p) => {
      if (c.to <= p.from || c.from >= p.to) return [p];
      const out: Gap[] = [];
      if (c.from > p.from) out.push({ ...p, to: c.from });
      if (c.to < p.to) out.push({ ...p, from: c.to });
      return out;
    });
  }
  return parts;
}
