import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Severity } from '../alerts/alert-rule';

export const CHANNEL_KINDS = ['webhook', 'slack', 'alertmanager', 'email'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

export const DELIVERY_EVENTS = ['opened', 'updated', 'resolved', 'test'] as const;
export type DeliveryEvent = (typeof DELIVERY_EVENTS)[number];
export const DELIVERY_STATES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

@Entity({ name: 'notification_channels' })
export class NotificationChannelEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'text', unique: true })
  name!: string;

  @Column({ type: 'text' })
  kind!: ChannelKind;

  @Column({ type: 'boolean' })
  enabled!: boolean;

  /** Incidents of this severity or worse are sent (critical: only critical ones). */
  @Column({ name: 'min_severity', type: 'text' })
  minSeverity!: Severity;

  /** The receiver's URL, sealed (infra/secrets/sealed-value.ts): never returned by the API. Null for email. */
  @Column({ name: 'url_sealed', type: 'text', nullable: true })
  urlSealed!: string | null;

  /** webhook: the HMAC-SHA256 key for X-Meshping-Signature, sealed; null: unsigned. */
  @Column({ name: 'secret_sealed', type: 'text', nullable: true })
  secretSealed!: string | null;

  /** What the API shows of the URL: scheme, host and port. */
  @Column({ name: 'url_hint', type: 'text', nullable: true })
  urlHint!: string | null;

  /** email: the recipients. */
  @Column({ name: 'email_to', type: 'simple-json' })
  emailTo!: string[];

  @Column({ name: 'created_at', type: 'integer' })
  createdAt!: number;
}

@Entity({ name: 'notification_deliveries' })
export class NotificationDeliveryEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'channel_id', type: 'integer' })
  channelId!: number;

  /** Null for a test. */
  @Column({ name: 'incident_id', type: 'integer', nullable: true })
  incidentId!: number | null;

  @Column({ type: 'text' })
  event!: DeliveryEvent;

  /** The message as it is sent (JSON text, or the mail's text), fixed when the event happened. */
  @Column({ type: 'text' })
  payload!: string;

  @Column({ type: 'text' })
  state!: DeliveryState;

  @Column({ type: 'integer' })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'integer', nullable: true })
  nextAttemptAt!: number | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'created_at', type: 'integer' })
  createdAt!: number;

  @Column({ name: 'delivered_at', type: 'integer', nullable: true })
  deliveredAt!: number | null;
}
