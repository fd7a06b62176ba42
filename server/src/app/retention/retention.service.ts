import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { CLOCK, type Clock } from '@meshping/node-kit';
import { IncidentsService } from '../alerts/incidents.service';
import { MaintenanceService } from '../notifications/maintenance.service';
import { NotificationsService } from '../notifications/notifications.service';
import { MAX_RETENTION_HOURS, MIN_RETENTION_HOURS, SettingsService } from '../mesh/settings.service';
import { HOUR_MS, MonitoringService } from '../monitoring/monitoring.service';
import { StateChangesService } from '../state-changes/state-changes.service';

const EVERY_MS = 5 * 60_000;
/** Free pages given back per step (~8 MB): each step is one short pause of the writer queue. */
const VACUUM_STEP_PAGES = 2_000;

export interface RetentionResult {
  droppedHours: number;
  droppedGaps: number;
  droppedIncidents: number;
  droppedDeliveries: number;
  droppedStateChanges: number;
  freedPages: number;
}

/**
 * The retention policy: every 5 minutes, and at once when an admin changes the setting, samples
 * and gaps older than `retentionHours` go, and incidents resolved before then with their notification deliveries. Samples go as whole hour tables (a DROP, not row
 * deletes), so data is kept between `retentionHours` and one hour more; gaps that ended before the
 * cutoff are deleted, and the state-change log's rows before it; then the freed pages go back to the file system by incremental vacuum. What
 * goes is decided here; the monitoring service carries it out through its one writer queue,
 * between ingest commits.
 */
@Injectable()
export class RetentionService implements OnModuleInit {
  private readonly logger = new Logger(RetentionService.name);
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly settings: SettingsService,
    private readonly monitoring: MonitoringService,
    private readonly incidents: IncidentsService,
    private readonly notifications: NotificationsService,
    private readonly maintenance: MaintenanceService,
    private readonly stateChanges: StateChangesService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.settings.changes$.subscribe(() => void this.enforce());
  }

  @Interval(EVERY_MS)
  enforce(): Promise<void> {
    // One run at a time; a request during a run (a changed setting) runs again after it.
    this.tail = this.tail.then(() => this.run());
    return this.tail;
  }

  /** Deletes what is older than `hours` before now; refuses (RangeError, nothing deleted) anything but a valid setting. */
  async enforceRetention(hours: number): Promise<RetentionResult> {
    // Defence in depth: a NaN here once made every hour table "older than the cutoff", the current one too.
    if (!Number.isInteger(hours) || hours < MIN_RETENTION_HOURS || hours > MAX_RETENTION_HOURS) {
      throw new RangeError(`refusing to enforce a retention of ${hours} hours (must be an integer ${MIN_RETENTION_HOURS}-${MAX_RETENTION_HOURS}); nothing was deleted`);
    }
    const cutoff = this.clock.now() - hours * HOUR_MS;
    this.monitoring.hideBefore(cutoff);
    let droppedHours = 0;
    for (const hour of await this.monitoring.storedHours()) {
      if ((hour + 1) * HOUR_MS > cutoff) break; // only hours wholly before the cutoff
      await this.monitoring.dropHour(hour);
      droppedHours++;
    }
    const droppedGaps = await this.monitoring.deleteGapsBefore(cutoff);
    // Incidents are kept as long as the samples they were about.
    const droppedIncidents = await this.incidents.deleteResolvedBefore(cutoff);
    const droppedDeliveries = await this.notifications.deleteDeliveriesBefore(cutoff);
    await this.maintenance.deleteEndedBefore(cutoff);
    // The state-change log too (each subject's newest row stays: it is its current state).
    const droppedStateChanges = await this.stateChanges.deleteBefore(cutoff);
    let freedPages = 0;
    for (let before = Infinity; ; ) {
      const free = await this.monitoring.freePages();
      if (!free || free >= before) break; // done, or not in incremental mode
      before = free;
      const step = Math.min(free, VACUUM_STEP_PAGES);
      await this.monitoring.vacuumPages(step);
      freedPages += step;
    }
    return { droppedHours, droppedGaps, droppedIncidents, droppedDeliveries, droppedStateChanges, freedPages };
  }

  private async run(): Promise<void> {
    try {
      const { retentionHours } = await this.settings.get();
      const started = Date.now();
      const result = await this.enforceRetention(retentionHours);
      if (result.droppedHours || result.droppedGaps || result.droppedIncidents || result.droppedDeliveries || result.droppedStateChanges || result.freedPages) {
        this.logger.log({ event: 'retention.enforced', retentionHours, ...result, ms: Date.now() - started });
      }
    } catch (err) {
      this.logger.error({ event: 'retention.failed', err });
    }
  }
}
