import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { CLOCK, type Clock } from '@meshping/node-kit';
import { LIVE_PUSH_INTERVAL_MS, OFFLINE_AFTER_MS } from '@meshping/protocol';
import { AgentsService } from '../agents/agents.service';
import { SettingsService } from '../mesh/settings.service';
import { MonitoringService } from '../monitoring/monitoring.service';
import { TargetsService } from '../targets/targets.service';
import { StateChangesRepository, type StateChangeFilter, type StateChangeRow } from './state-changes.repository';
import { JudgeQueue } from './judge-queue';
import { StateTracker } from './state-tracker';

export interface StateChangeFigures {
  pairs: number;
  trackerBytes: number;
  written: number;
  lastSweepMs: number;
  sweptCells: number;
}

/**
 * Runs the state tracker in the server: every committed batch of samples is judged as it is stored
 * (a few typed-array reads per sample), every second a sweep turns grey what went stale or lost its
 * agent (only the rows that can have changed), both in steps of at most 8 ms (JudgeQueue); the
 * transitions are written in batched INSERTs inside one transaction per batch, one write at a time, in the order they happened. At start it restores each subject's last logged
 * state and records no silence for OFFLINE_AFTER_MS, while agents reconnect (docs/operations.md).
 */
@Injectable()
export class StateChangesService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(StateChangesService.name);
  private readonly tracker: StateTracker;
  private readonly queue: JudgeQueue;
  private writing: Promise<void> = Promise.resolve();
  private sweeping: Promise<void> | null = null;
  private ready = false;
  private written = 0;
  private lastSweepMs = 0;
  /** The agents tracked (approved or on hold), as last listed. */
  private tracked: { id: number }[] = [];

  constructor(
    private readonly repository: StateChangesRepository,
    private readonly monitoring: MonitoringService,
    private readonly agents: AgentsService,
    private readonly targets: TargetsService,
    private readonly settings: SettingsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.tracker = new StateTracker({
      count: () => monitoring.cellCount(),
      agentOf: (p) => monitoring.agentOfCell(p),
      targetOf: (p) => monitoring.targetOfCell(p),
      newest: (p) => monitoring.newestOfCell(p),
    });
    this.queue = new JudgeQueue(this.tracker, {
      now: () => this.clock.now(),
      pause: () => new Promise<void>((resolve) => setImmediate(resolve)),
      settled: () => this.write(),
      failed: (err) => this.logger.error({ event: 'state-changes.judge-failed', err }),
    });
  }

  /** After the targets service has loaded the targets (its own bootstrap), before the server listens. */
  async onApplicationBootstrap(): Promise<void> {
    const started = Date.now();
    const known = await this.repository.lastStates();
    this.tracker.restore(known, this.clock.now() + OFFLINE_AFTER_MS);
    await Promise.all([this.updateAgents(), this.updateTargets()]);
    this.monitoring.samplesStored$.subscribe(({ pairs, at, rtt }) => this.queue.stored(pairs, at, rtt, this.clock.now()));
    this.agents.changes$.subscribe(() => this.whileRunning(this.updateAgents()));
    this.targets.changes$.subscribe(() => this.whileRunning(this.updateTargets()));
    this.settings.changes$.subscribe(() => this.whileRunning(this.updateTargets()));
    this.ready = true;
    this.logger.log({ event: 'state-changes.restored', subjects: known.length, ms: Date.now() - started });
  }

  async onApplicationShutdown(): Promise<void> {
    this.ready = false;
    await this.queue.idle();
    await this.writing;
  }

  /** One sweep (every second; tests call it on their clock). Resolves when its transitions are written. */
  @Interval(LIVE_PUSH_INTERVAL_MS)
  sweep(): Promise<void> {
    if (!this.ready) return Promise.resolve();
    this.sweeping ??= this.sweepInSteps()
      .catch((err: unknown) => this.logger.error({ event: 'state-changes.sweep-failed', err }))
      .finally(() => (this.sweeping = null));
    return this.sweeping;
  }

  /** Resolves when every batch stored so far is judged and what it changed is written. */
  async flush(): Promise<void> {
    await this.queue.idle();
    this.write();
    await this.writing;
  }

  list(filter: StateChangeFilter): Promise<StateChangeRow[]> {
    return this.repository.find(filter);
  }

  lastOfPair(agentId: number, targetId: number, limit: number): Promise<StateChangeRow[]> {
    return this.repository.lastOfPair(agentId, targetId, limit);
  }

  /** Retention: rows about changes before `at` (each subject's newest row stays: it is its current state). */
  deleteBefore(at: number): Promise<number> {
    return this.repository.deleteBefore(at);
  }

  figures(): StateChangeFigures {
    return { pairs: this.monitoring.cellCount(), trackerBytes: this.tracker.bytes(), written: this.written, lastSweepMs: this.lastSweepMs, sweptCells: this.tracker.sweptCells };
  }

  private async sweepInSteps(): Promise<void> {
    const started = performance.now();
    await this.queue.sweep();
    this.lastSweepMs = performance.now() - started;
    await this.flush();
  }

  /** A refresh started by an event; one that fails during shutdown (the database closed) is expected. */
  private whileRunning(work: Promise<void>): void {
    work.catch((err: unknown) => {
      if (this.ready) this.logger.error({ event: 'state-changes.refresh-failed', err });
    });
  }

  /** Queues what the tracker recorded for writing, after the writes before it. */
  private write(): void {
    if (this.tracker.out.length === 0) return;
    const rows = this.tracker.out.drain();
    this.writing = this.writing.then(() =>
      this.repository.insert(rows).then(
        () => void (this.written += rows.length),
        (err: unknown) => this.logger.error({ event: 'state-changes.write-failed', rows: rows.length, err }),
      ),
    );
  }

  private async updateAgents(): Promise<void> {
    // Connections first, at once (a sample from an agent that just connected must find it online); then the list.
    this.tracker.setAgents(this.tracked.map(({ id }) => ({ id, online: this.agents.isConnected(id) })), this.clock.now());
    this.tracked = (await this.agents.list()).filter((a) => a.state === 'approved' || a.state === 'hold');
    this.tracker.setAgents(this.tracked.map(({ id }) => ({ id, online: this.agents.isConnected(id) })), this.clock.now());
    this.tracker.reserve(this.tracked.length * this.targets.views().length);
  }

  private async updateTargets(): Promise<void> {
    const { latencyThresholdMs } = await this.settings.get();
    const targets = this.targets.views().map(({ id, latencyThresholdMs: ms, dormantSince }) => ({ id, thresholdUs: ms === null ? null : ms * 1000, dormant: dormantSince !== null }));
    this.tracker.setTargets(targets, latencyThresholdMs * 1000);
    this.tracker.reserve(this.tracked.length * targets.length);
  }
}
