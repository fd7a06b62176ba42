import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { SettingsService } from '../mesh/settings.service';
import { MonitoringService } from '../monitoring/monitoring.service';

const EVERY_MS = 5 * 60_000;

/**
 * Enforces the retention setting: every 5 minutes, and at once when an admin changes it. Old data
 * goes as whole hour tables (a DROP, not row deletes) through the store's writer queue, between
 * ingest commits; the freed pages go back to the file system by incremental vacuum.
 */
@Injectable()
export class RetentionService implements OnModuleInit {
  private readonly logger = new Logger(RetentionService.name);
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly settings: SettingsService,
    private readonly monitoring: MonitoringService,
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

  private async run(): Promise<void> {
    try {
      const { retentionHours } = await this.settings.get();
      const started = Date.now();
      const result = await this.monitoring.enforceRetention(retentionHours);
      if (result.droppedHours || result.droppedGaps || result.freedPages) {
        this.logger.log({ event: 'retention.enforced', retentionHours, ...result, ms: Date.now() - started });
      }
    } catch (err) {
      this.logger.error({ event: 'retention.failed', err });
    }
  }
}
