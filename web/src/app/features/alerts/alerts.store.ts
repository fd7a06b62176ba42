import { Injectable, signal } from '@angular/core';
import {
  createAlertRule,
  createMaintenanceWindow,
  createNotificationChannel,
  deleteAlertRule,
  deleteNotificationChannel,
  endMaintenanceWindow,
  listAlertRules,
  listIncidents,
  listMaintenanceWindows,
  listNotificationChannels,
  listNotificationDeliveries,
  testNotificationChannel,
  updateAlertRule,
  type AlertRuleDto,
  type ChannelDto,
  type CreateAlertRuleDto,
  type CreateChannelDto,
  type CreateMaintenanceWindowDto,
  type DeliveryDto,
  type IncidentDto,
  type MaintenanceWindowDto,
  type UpdateAlertRuleDto,
} from '@meshping/api-client';
import { apiErrorMessage } from '../../core/api-error';

const PAGE = 100;
const REFRESH_MS = 10_000;

/** The alerts screen's state: open incidents, recent ones (newest first, paged), and the rules. */
@Injectable()
export class AlertsStore {
  readonly open = signal<IncidentDto[]>([]);
  readonly recent = signal<IncidentDto[]>([]);
  readonly more = signal(false);
  readonly rules = signal<AlertRuleDto[]>([]);
  /** Channels and deliveries: operators and admins only (the server refuses viewers). */
  readonly channels = signal<ChannelDto[]>([]);
  readonly deliveries = signal<DeliveryDto[]>([]);
  readonly maintenance = signal<MaintenanceWindowDto[]>([]);
  /** The last test's outcome, in words. */
  readonly tested = signal('');
  readonly error = signal('');
  private timer: ReturnType<typeof setInterval> | null = null;

  async load(withChannels = false): Promise<void> {
    await Promise.all([this.loadIncidents(), this.loadRules(), this.loadMaintenance(), ...(withChannels ? [this.loadChannels()] : [])]);
    this.timer ??= setInterval(() => void this.loadIncidents(), REFRESH_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async older(): Promise<void> {
    const last = this.recent().at(-1);
    if (!last) return;
    await this.run(async () => {
      const page = await listIncidents({ query: { limit: PAGE, before: last.id } });
      this.recent.update((list) => [...list, ...page]);
      this.more.set(page.length === PAGE);
    });
  }

  create(rule: CreateAlertRuleDto): Promise<boolean> {
    return this.run(async () => {
      await createAlertRule({ body: rule });
      await this.loadRules();
    });
  }

  update(id: number, change: UpdateAlertRuleDto): Promise<boolean> {
    return this.run(async () => {
      await updateAlertRule({ path: { id }, body: change });
      await this.loadRules();
    });
  }

  remove(id: number): Promise<boolean> {
    return this.run(async () => {
      await deleteAlertRule({ path: { id } });
      await this.loadRules();
    });
  }

  addChannel(channel: CreateChannelDto): Promise<boolean> {
    return this.run(async () => {
      await createNotificationChannel({ body: channel });
      await this.loadChannels();
    });
  }

  removeChannel(id: number): Promise<boolean> {
    return this.run(async () => {
      await deleteNotificationChannel({ path: { id } });
      await this.loadChannels();
    });
  }

  test(channel: ChannelDto): Promise<boolean> {
    return this.run(async () => {
      const d = await testNotificationChannel({ path: { id: channel.id } });
      this.tested.set(d.state === 'delivered' ? `Test sent to "${channel.name}".` : `Test to "${channel.name}" failed: ${d.lastError ?? 'unknown error'}.`);
      await this.loadChannels();
    });
  }

  startMaintenance(window: CreateMaintenanceWindowDto): Promise<boolean> {
    return this.run(async () => {
      await createMaintenanceWindow({ body: window });
      await this.loadMaintenance();
    });
  }

  endMaintenance(id: number): Promise<boolean> {
    return this.run(async () => {
      await endMaintenanceWindow({ path: { id } });
      await this.loadMaintenance();
    });
  }

  private loadMaintenance(): Promise<boolean> {
    return this.run(async () => this.maintenance.set(await listMaintenanceWindows({ query: { current: true } })));
  }

  private loadChannels(): Promise<boolean> {
    return this.run(async () => {
      const [channels, deliveries] = await Promise.all([listNotificationChannels(), listNotificationDeliveries({ query: { limit: 20 } })]);
      this.channels.set(channels);
      this.deliveries.set(deliveries);
    });
  }

  private loadIncidents(): Promise<boolean> {
    return this.run(async () => {
      const [open, recent] = await Promise.all([listIncidents({ query: { state: 'open', limit: 500 } }), listIncidents({ query: { limit: PAGE } })]);
      this.open.set(open);
      this.recent.set(recent);
      this.more.set(recent.length === PAGE);
    });
  }

  private loadRules(): Promise<boolean> {
    return this.run(async () => this.rules.set(await listAlertRules()));
  }

  private async run(task: () => Promise<void>): Promise<boolean> {
    try {
      await task();
      this.error.set('');
      return true;
    } catch (err) {
      this.error.set(apiErrorMessage(err));
      return false;
    }
  }
}
