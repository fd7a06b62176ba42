import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { CLOCK, type Clock } from '@meshping/node-kit';
import type { Subscription } from 'rxjs';
import { SettingsService } from '../mesh/settings.service';
import { MonitoringService } from '../monitoring/monitoring.service';
import { TargetsService } from '../targets/targets.service';
import { QuietTargets } from './quiet-targets';

/**
 * Back-off probing of long-unreachable targets: a target that no agent got a reply from for its
 * dormant time (its own `dormantAfterSeconds`, else the setting; 0 = never) while agents kept
 * probing it goes dormant: every agent then probes it on the back-off schedule (libs/protocol
 * dormant.ts) instead of every 5 s. Its first reply, from any agent, wakes it for all of them. The
 * grid shows its cells as dormant, never hidden.
 *
 * What counts is measured on stored results (QuietTargets: typed arrays by target id, a few writes
 * per sample): how long the target has gone without a reply while no-replies kept coming. After a
 * restart that count starts again (a target already dormant stays so: it is stored).
 */
@Injectable()
export class DormancyService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DormancyService.name);
  private readonly quiet = new QuietTargets();
  private dormantAfterSeconds = 0;
  private subscriptions: Subscription[] = [];
  /** Targets being woken or put to sleep (one change each at a time). */
  private readonly changing = new Set<number>();

  constructor(
    private readonly monitoring: MonitoringService,
    private readonly targets: TargetsService,
    private readonly settings: SettingsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.dormantAfterSeconds = (await this.settings.get()).dormantAfterSeconds;
    for (const t of this.targets.views()) if (t.dormantSince !== null) this.quiet.setDormant(t.id, true);
    this.subscriptions = [
      this.settings.changes$.subscribe((s) => {
        this.dormantAfterSeconds = s.dormantAfterSeconds;
        void this.review();
      }),
      this.targets.changes$.subscribe(({ removed }) => removed.forEach((id) => this.quiet.forget(id))),
      this.monitoring.samplesStored$.subscribe(({ pairs, at, rtt }) => {
        for (const id of this.quiet.add(pairs, at, rtt, (p) => this.monitoring.targetOfCell(p))) void this.change(id, null);
      }),
    ];
  }

  onModuleDestroy(): void {
    for (const s of this.subscriptions) s.unsubscribe();
  }

  /** Every 5 s: targets quiet for their dormant time go dormant; dormant ones whose time is now 0 (never) wake. */
  @Interval(5_000)
  async review(): Promise<void> {
    const now = this.clock.now();
    for (const t of this.targets.views()) {
      const after = t.dormantAfterSeconds ?? this.dormantAfterSeconds;
      if (t.dormantSince !== null) {
        if (after === 0) await this.change(t.id, null);
        continue;
      }
      if (after > 0 && this.quiet.quietMs(t.id) >= after * 1000) await this.change(t.id, now);
    }
  }

  private async change(id: number, since: number | null): Promise<void> {
    if (this.changing.has(id)) return;
    this.changing.add(id);
    try {
      await this.targets.setDormant(id, since);
      // Asleep or awake, the count of its silence starts again.
      this.quiet.forget(id);
      this.quiet.setDormant(id, since !== null);
    } catch (err) {
      if (since === null) this.quiet.setDormant(id, true); // to be woken by its next reply
      this.logger.error({ event: since === null ? 'target.wake-failed' : 'target.dormant-failed', targetId: id, err });
    } finally {
      this.changing.delete(id);
    }
  }
}
