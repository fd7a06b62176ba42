import { BadRequestException, ConflictException, Inject, Injectable, Logger, NotFoundException, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { CLOCK, type Clock } from '@meshping/node-kit';
import { createHmac } from 'node:crypto';
import { hostname } from 'node:os';
import { SERVER_CONFIG, type ServerConfig } from '../../infra/config/server-config';
import { MailerService } from '../../infra/mail/mailer.service';
import { seal, unseal } from '../../infra/secrets/sealed-value';
import { persistentSecret } from '../../infra/secrets/secrets';
import type { Actor } from '../access/request-context';
import { AuditService } from '../audit/audit.service';
import { IncidentsService, type IncidentEvent } from '../alerts/incidents.service';
import type { ChannelDto, CreateChannelDto, UpdateChannelDto } from './notification.dto';
import type { DeliveryEvent, NotificationChannelEntity, NotificationDeliveryEntity } from './notification.entities';
import { MaintenanceService } from './maintenance.service';
import { NotificationsRepository, type NewChannel } from './notifications.repository';
import { endpoint, formatMessage, retryDelayMs, type IncidentFacts } from './payloads';

/** A delivery not made within this long after its event is given up (state failed). */
export const GIVE_UP_AFTER_MS = 24 * 3_600_000;
const SEND_TIMEOUT_MS = 10_000;
/** Deliveries attempted at once (each an HTTP request or a mail), and picked per round. */
const CONCURRENCY = 4;
const PER_ROUND = 40;
const RANK = { warning: 1, critical: 2 } as const;

/**
 * Notification channels and the delivery of incidents to them. Every incident event becomes one
 * delivery row per channel it concerns (the message fixed then), attempted at once and retried
 * with back-off (5 s, 15 s, 45 s ... at most 15 min apart) until it is delivered or a day old: a
 * receiver that is down gets everything once it is back, in order. Sending happens off the ingest
 * path (its own timer, at most 4 requests at a time, 10-s timeouts). URLs and signing secrets are
 * stored sealed and never returned.
 */
@Injectable()
export class NotificationsService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(NotificationsService.name);
  private readonly key: Buffer;
  private readonly inFlight = new Set<number>();
  private round: Promise<void> | null = null;
  /** Incident events, handled one after the other. */
  private enqueued: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Since start, for /metrics: attempts delivered, failed (to be retried), given up. */
  readonly counts = { delivered: 0, retried: 0, failed: 0 };

  constructor(
    private readonly repository: NotificationsRepository,
    private readonly incidents: IncidentsService,
    private readonly maintenance: MaintenanceService,
    private readonly mailer: MailerService,
    private readonly audit: AuditService,
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.key = Buffer.from(persistentSecret(config.MESHPING_DATA_DIR, 'notifications.key'), 'base64url');
  }

  onModuleInit(): void {
    // In order: an incident's resolution is never queued before its opening.
    this.incidents.events$.subscribe((e) => {
      this.enqueued = this.enqueued.then(() => this.enqueue(e)).catch((err: unknown) => this.logger.error({ event: 'notify.enqueue-failed', err }));
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.round;
  }

  async list(): Promise<ChannelDto[]> {
    return (await this.repository.allChannels()).map(toDto);
  }

  async create(dto: CreateChannelDto, actor: Actor, source: string | null): Promise<ChannelDto> {
    if (await this.repository.channelByName(dto.name)) throw new ConflictException(`a notification channel named "${dto.name}" exists already`);
    const fields = this.complete(dto, null);
    const created = await this.repository.insertChannel({ ...fields, createdAt: this.clock.now() });
    await this.audit.record({ actor, action: 'notification-channel.created', subject: `notification-channel:${created.id}`, detail: { name: created.name, kind: created.kind, url: created.urlHint, signed: created.secretSealed !== null }, source });
    return toDto(created);
  }

  async update(id: number, dto: UpdateChannelDto, actor: Actor, source: string | null): Promise<ChannelDto> {
    const existing = await this.get(id);
    if (dto.name !== undefined && dto.name !== existing.name && (await this.repository.channelByName(dto.name))) throw new ConflictException(`a notification channel named "${dto.name}" exists already`);
    const fields = this.complete(dto, existing);
    await this.repository.updateChannel(id, fields);
    await this.audit.record({
      actor,
      action: 'notification-channel.updated',
      subject: `notification-channel:${id}`,
      detail: { name: fields.name, changed: Object.keys(dto).map((k) => (k === 'url' || k === 'secret' ? `${k} (not logged)` : k)) },
      source,
    });
    return toDto({ ...existing, ...fields });
  }

  async remove(id: number, actor: Actor, source: string | null): Promise<void> {
    const existing = await this.get(id);
    await this.repository.deleteChannel(id);
    await this.audit.record({ actor, action: 'notification-channel.deleted', subject: `notification-channel:${id}`, detail: { name: existing.name }, source });
  }

  /** Sends a made-up incident now (a delivery marked `test`) and resolves with how that first attempt went. */
  async test(id: number, actor: Actor, source: string | null): Promise<NotificationDeliveryEntity> {
    const channel = await this.get(id);
    const now = this.clock.now();
    const incident: IncidentFacts = {
      id: 0,
      causeKey: 'test',
      kind: 'target',
      state: 'open',
      severity: channel.minSeverity,
      title: `Test notification from Meshping to "${channel.name}"`,
      agentIds: [],
      targetIds: [],
      pairCount: 0,
      openedAt: now,
      updatedAt: now,
      resolvedAt: null,
    };
    const delivery = await this.repository.insertDelivery(this.newDelivery(channel, 'test', incident, null, now));
    await this.audit.record({ actor, action: 'notification-channel.tested', subject: `notification-channel:${id}`, detail: { name: channel.name, delivery: delivery.id }, source });
    await this.attempt(delivery);
    return (await this.repository.delivery(delivery.id)) as NotificationDeliveryEntity;
  }

  deliveries(filter: { channelId?: number; state?: NotificationDeliveryEntity['state']; before?: number; limit: number }): Promise<NotificationDeliveryEntity[]> {
    return this.repository.findDeliveries(filter);
  }

  /** Retention: the delivery log goes with the samples. */
  deleteDeliveriesBefore(at: number): Promise<number> {
    return this.repository.deleteDeliveriesBefore(at);
  }

  /** One round of due deliveries (every second; tests call it on their clock). */
  @Interval(1_000)
  deliverDue(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.round ??= this.deliverRound()
      .catch((err: unknown) => this.logger.error({ event: 'notify.round-failed', err }))
      .finally(() => (this.round = null));
    return this.round;
  }

  private async deliverRound(): Promise<void> {
    const due = (await this.repository.due(this.clock.now(), PER_ROUND)).filter((d) => !this.inFlight.has(d.id));
    for (let i = 0; i < due.length; i += CONCURRENCY) await Promise.all(due.slice(i, i + CONCURRENCY).map((d) => this.attempt(d)));
  }

  /**
   * An incident event becomes deliveries, unless a maintenance window covers the incident when it
   * opens: then nobody is told, now or when it changes or resolves, unless it is still open when the
   * window ends (tellLate).
   */
  private async enqueue({ type, incident }: IncidentEvent): Promise<void> {
    if (type === 'opened') {
      if ((await this.maintenance.coverage())(incident)) {
        this.logger.log({ event: 'notify.in-maintenance', incident: incident.id, title: incident.title });
        return;
      }
      // The late sweep may have told it meanwhile (it saw it open, not yet told): told once.
      if (!(await this.incidents.claimNotified(incident.id))) return;
    } else if (!incident.notified) {
      return;
    }
    await this.send(type, incident);
  }

  /** Open incidents nobody was told of because of maintenance that has ended since: told now. */
  @Interval(5_000)
  async tellLate(): Promise<void> {
    if (this.stopped) return;
    try {
      const waiting = await this.incidents.openUnnotified();
      if (waiting.length === 0) return;
      const covered = await this.maintenance.coverage();
      for (const incident of waiting) {
        if (covered(incident) || !(await this.incidents.claimNotified(incident.id))) continue;
        await this.send('opened', incident);
      }
    } catch (err) {
      this.logger.error({ event: 'notify.late-failed', err });
    }
  }

  private async send(type: DeliveryEvent, incident: IncidentFacts): Promise<void> {
    const now = this.clock.now();
    let queued = 0;
    for (const channel of await this.repository.allChannels()) {
      if (!channel.enabled || RANK[incident.severity] < RANK[channel.minSeverity]) continue;
      await this.repository.insertDelivery(this.newDelivery(channel, type, incident, incident.id, now));
      queued++;
    }
    if (queued) void this.deliverDue();
  }

  private newDelivery(channel: NotificationChannelEntity, event: DeliveryEvent, incident: IncidentFacts, incidentId: number | null, now: number) {
    const message = formatMessage(channel.kind, event, incident, `${this.baseUrl()}/alerts`, now);
    return {
      channelId: channel.id,
      incidentId,
      event,
      payload: channel.kind === 'email' ? JSON.stringify({ subject: message.subject, text: message.body }) : message.body,
      state: 'pending' as const,
      attempts: 0,
      nextAttemptAt: now,
      lastError: null,
      createdAt: now,
      deliveredAt: null,
    };
  }

  private async attempt(d: NotificationDeliveryEntity): Promise<void> {
    if (this.inFlight.has(d.id)) return;
    this.inFlight.add(d.id);
    try {
      const channel = await this.repository.channel(d.channelId);
      const error = channel ? await this.post(channel, d) : 'the channel was deleted';
      const now = this.clock.now();
      const attempts = d.attempts + 1;
      if (error === null) {
        await this.repository.updateDelivery(d.id, { state: 'delivered', attempts, nextAttemptAt: null, lastError: null, deliveredAt: now });
        this.counts.delivered++;
        this.logger.log({ event: 'notify.delivered', delivery: d.id, channel: d.channelId, incident: d.incidentId, kind: d.event, attempts });
        return;
      }
      const giveUp = !channel || d.event === 'test' || now - d.createdAt >= GIVE_UP_AFTER_MS;
      await this.repository.updateDelivery(d.id, { state: giveUp ? 'failed' : 'pending', attempts, nextAttemptAt: giveUp ? null : now + retryDelayMs(attempts), lastError: error });
      this.counts[giveUp ? 'failed' : 'retried']++;
      this.logger.warn({ event: giveUp ? 'notify.failed' : 'notify.retry', delivery: d.id, channel: d.channelId, attempts, error });
    } finally {
      this.inFlight.delete(d.id);
    }
  }

  /** Null when delivered; otherwise what went wrong, in words. */
  private async post(channel: NotificationChannelEntity, d: NotificationDeliveryEntity): Promise<string | null> {
    try {
      if (channel.kind === 'email') {
        if (!this.mailer.enabled) return 'no SMTP server is configured (MESHPING_SMTP_URL)';
        const { subject, text } = JSON.parse(d.payload) as { subject: string; text: string };
        await this.mailer.send(channel.emailTo.join(', '), subject, text);
        return null;
      }
      const url = channel.urlSealed && unseal(this.key, 'notify.url', channel.urlSealed);
      if (!url) return 'the stored URL cannot be decrypted (secrets/notifications.key changed?): set the URL again';
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Meshping', 'x-meshping-event': d.event, 'x-meshping-delivery': String(d.id) };
      const secret = channel.secretSealed && unseal(this.key, 'notify.secret', channel.secretSealed);
      if (secret) headers['x-meshping-signature'] = `sha256=${createHmac('sha256', secret).update(d.payload).digest('hex')}`;
      const res = await fetch(endpoint(channel.kind, url), { method: 'POST', headers, body: d.payload, redirect: 'manual', signal: AbortSignal.timeout(SEND_TIMEOUT_MS) });
      await res.body?.cancel();
      return res.ok ? null : `HTTP ${res.status}`;
    } catch (err) {
      return sendError(err);
    }
  }

  private complete(dto: CreateChannelDto | UpdateChannelDto, existing: NotificationChannelEntity | null): Omit<NewChannel, 'createdAt'> {
    const kind = dto.kind ?? existing?.kind ?? 'webhook';
    if (existing && dto.kind !== undefined && dto.kind !== existing.kind) throw new BadRequestException({ message: ['kind cannot change: make a new channel'], error: 'Bad Request', statusCode: 400 });
    const bad = (m: string): never => {
      throw new BadRequestException({ message: [m], error: 'Bad Request', statusCode: 400 });
    };
    const emailTo = dto.emailTo ?? existing?.emailTo ?? [];
    if (kind === 'email') {
      if (dto.url !== undefined) bad('url must not be given for an email channel');
      if (emailTo.length === 0) bad('emailTo needs at least one address for an email channel');
    } else {
      if (dto.url === undefined && !existing) bad(`url is required for a ${kind} channel`);
      if (dto.emailTo !== undefined && dto.emailTo.length > 0) bad(`emailTo is for email channels, not ${kind}`);
    }
    if (dto.secret && kind !== 'webhook') bad(`secret is for webhook channels (signed bodies), not ${kind}`);
    return {
      name: dto.name ?? existing?.name ?? '',
      kind,
      enabled: dto.enabled ?? existing?.enabled ?? true,
      minSeverity: dto.minSeverity ?? existing?.minSeverity ?? 'warning',
      urlSealed: dto.url !== undefined ? seal(this.key, 'notify.url', dto.url) : (existing?.urlSealed ?? null),
      secretSealed: dto.secret !== undefined ? (dto.secret === null ? null : seal(this.key, 'notify.secret', dto.secret)) : (existing?.secretSealed ?? null),
      urlHint: dto.url !== undefined ? hint(dto.url) : (existing?.urlHint ?? null),
      emailTo: kind === 'email' ? emailTo : [],
    };
  }

  private async get(id: number): Promise<NotificationChannelEntity> {
    const c = await this.repository.channel(id);
    if (!c) throw new NotFoundException(`no notification channel with id ${id}`);
    return c;
  }

  private baseUrl(): string {
    if (this.config.MESHPING_PUBLIC_URL) return this.config.MESHPING_PUBLIC_URL.replace(/\/+$/, '');
    const host = ['0.0.0.0', '::'].includes(this.config.MESHPING_HOST) ? hostname().toLowerCase() : this.config.MESHPING_HOST;
    return `${this.config.MESHPING_TLS === 'on' ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${this.config.MESHPING_PORT}`;
  }
}

function hint(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}/…`;
}

function toDto(c: NotificationChannelEntity): ChannelDto {
  return { id: c.id, name: c.name, kind: c.kind, enabled: Boolean(c.enabled), minSeverity: c.minSeverity, urlHint: c.urlHint, signed: c.secretSealed !== null, emailTo: c.emailTo, createdAt: c.createdAt };
}

/** Why a POST got no HTTP answer, in words an operator acts on (the code kept for searching). */
export function sendError(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return `no answer within ${SEND_TIMEOUT_MS / 1000} s`;
  const code = e.cause?.code;
  const words: Record<string, string> = {
    ECONNREFUSED: 'connection refused: nothing listens on that port',
    ECONNRESET: 'connection reset by the receiver',
    ENOTFOUND: 'host name not found (DNS)',
    EAI_AGAIN: 'host name lookup failed for now (DNS)',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ETIMEDOUT: 'connection timed out',
    CERT_HAS_EXPIRED: "the receiver's TLS certificate has expired",
    DEPTH_ZERO_SELF_SIGNED_CERT: "the receiver's TLS certificate is self-signed (not trusted)",
    SELF_SIGNED_CERT_IN_CHAIN: "the receiver's TLS certificate chain is not trusted",
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the receiver's TLS certificate cannot be verified",
    ERR_TLS_CERT_ALTNAME_INVALID: "the receiver's TLS certificate is for another host name",
  };
  if (code && words[code]) return `${words[code]} (${code})`;
  // fetch refuses some ports outright (the Fetch standard's "bad ports": 9, 25, 6000, ...).
  if (e.cause?.message === 'bad port') return 'that port is one fetch refuses to connect to (a "bad port" of the Fetch standard): use another port';
  return code ?? e.cause?.message ?? e.message;
}
