import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { CLOCK, type Clock } from '@meshping/node-kit';
import { CELL_STRIDE, encodeLiveFrame, type LiveLayout } from '@meshping/protocol';
import { AgentsService } from '../agents/agents.service';
import { SettingsService } from '../mesh/settings.service';
import { MonitoringService } from '../monitoring/monitoring.service';
import { TargetsService } from '../targets/targets.service';
import { ChangedCells } from './changed-cells';

/**
 * What browsers see of the mesh (docs/protocol.md), as frames for the live gateway to send: a
 * binary snapshot (layout and every cell's newest sample), a JSON `layout` when agents, targets or
 * thresholds changed, and a binary delta of the cells that got samples since the previous one
 * (the monitoring service announces them as they are committed). Every frame carries seq: a
 * layout or delta is the next number, a snapshot repeats the current one, so the delta after a
 * snapshot (seq + 1) carries exactly what changed after it.
 */
@Injectable()
export class LiveFeedService implements OnModuleInit {
  private seq = 0;
  private layoutDue = false;
  private readonly changed = new ChangedCells();
  /** Reused for every delta (a new 800,000-number array a second at 1,000 x 1,000 was ~25 ms plus garbage). */
  private drained = new Float64Array(4096);

  constructor(
    private readonly agents: AgentsService,
    private readonly targets: TargetsService,
    private readonly settings: SettingsService,
    private readonly monitoring: MonitoringService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.agents.changes$.subscribe(() => (this.layoutDue = true));
    this.targets.changes$.subscribe(() => (this.layoutDue = true));
    this.settings.changes$.subscribe(() => (this.layoutDue = true));
    this.monitoring.samplesStored$.subscribe(({ pairs }) => this.changed.mark(pairs));
  }

  /** The next `layout` frame (JSON) when agents, targets or thresholds changed since the last one; null at once when nothing did. */
  nextLayout(): Promise<string> | null {
    if (!this.layoutDue) return null;
    this.layoutDue = false;
    return this.layout().then((layout) => JSON.stringify({ type: 'layout', seq: ++this.seq, layout }));
  }

  /**
   * The delta frame of the cells that got samples since the previous call, or null when none did.
   * `watching` false: nobody would receive it, so the changes are only forgotten (a browser that
   * connects later starts from a snapshot).
   */
  nextDelta(watching: boolean): Uint8Array | null {
    const cells = this.changed.take();
    if (!watching || cells.length === 0) return null;
    const n = cells.length * CELL_STRIDE;
    if (this.drained.length < n) this.drained = new Float64Array(Math.max(n, this.drained.length * 2));
    const written = this.monitoring.newestOf(cells, this.drained);
    if (written === 0) return null;
    return encodeLiveFrame('delta', ++this.seq, this.clock.now(), this.drained.subarray(0, written));
  }

  /** The whole grid now, at the current seq: send it in the same turn as it resolves, before the next delta. */
  async snapshot(): Promise<Uint8Array> {
    const layout = await this.layout();
    return encodeLiveFrame('snapshot', this.seq, this.clock.now(), this.monitoring.snapshotCells(), layout);
  }

  private async layout(): Promise<LiveLayout> {
    const [agents, settings] = await Promise.all([this.agents.list(), this.settings.get()]);
    return {
      agents: agents.map(({ id, hostname, state, online, local }) => ({ id, hostname, state, online, local })),
      targets: this.targets.views().map(({ id, address, name, group, latencyThresholdMs, dormantSince }) => ({ id, address, name, group, latencyThresholdMs, dormantSince })),
      latencyThresholdMs: settings.latencyThresholdMs,
    };
  }
}
