import type { IncidentEntity } from '../alerts/incident.entity';
import type { ChannelKind, DeliveryEvent } from './notification.entities';

/** What a notification says about an incident (a test sends a made-up one, marked as a test). */
export type IncidentFacts = Pick<IncidentEntity, 'id' | 'causeKey' | 'kind' | 'state' | 'severity' | 'title' | 'agentIds' | 'targetIds' | 'pairCount' | 'openedAt' | 'updatedAt' | 'resolvedAt'>;

export interface Message {
  /** JSON for the HTTP kinds; for email, the subject and the text. */
  body: string;
  subject?: string;
}

const EVENT_WORD: Record<DeliveryEvent, string> = { opened: 'Opened', updated: 'Updated', resolved: 'Resolved', test: 'Test' };

/**
 * The message for one kind of receiver. `link` points at the incident in the web app.
 * - webhook: Meshping's own JSON ({ version, event, incident, link, sentAt }), signed by the sender;
 * - slack: an incoming-webhook body ({ text }) that Slack, Mattermost, Rocket.Chat and Teams' Slack
 *   compatibility read;
 * - alertmanager: the Alertmanager API v2 body (POST /api/v2/alerts): one alert whose labels identify
 *   the cause, endsAt set once it is resolved, so Alertmanager resolves it too;
 * - email: a subject and a plain-text body.
 */
export function formatMessage(kind: ChannelKind, event: DeliveryEvent, incident: IncidentFacts, link: string, now: number): Message {
  const head = `[${incident.severity.toUpperCase()}] ${EVENT_WORD[event]}: ${incident.title}`;
  switch (kind) {
    case 'webhook':
      return { body: JSON.stringify({ version: 1, event, incident, link, sentAt: now }) };
    case 'slack':
      return { body: JSON.stringify({ text: `${head}\n${incident.pairCount} path(s) · since ${new Date(incident.openedAt).toISOString()} · <${link}|open in Meshping>` }) };
    case 'alertmanager': {
      const resolved = event === 'resolved' && incident.resolvedAt !== null;
      return {
        body: JSON.stringify([
          {
            labels: { alertname: 'MeshpingIncident', cause: incident.causeKey, kind: incident.kind, severity: incident.severity, ...(event === 'test' ? { test: 'true' } : {}) },
            annotations: { summary: incident.title, description: `${incident.pairCount} path(s) affected`, meshping_incident_id: String(incident.id) },
            startsAt: new Date(incident.openedAt).toISOString(),
            // A test must not linger in Alertmanager: it ends at once.
            ...(resolved ? { endsAt: new Date(incident.resolvedAt as number).toISOString() } : event === 'test' ? { endsAt: new Date(now + 60_000).toISOString() } : {}),
            generatorURL: link,
          },
        ]),
      };
    }
    case 'email':
      return {
        subject: `Meshping ${head}`,
        body: [
          head,
          '',
          `Kind: ${incident.kind}`,
          `Paths affected: ${incident.pairCount}`,
          `Opened: ${new Date(incident.openedAt).toISOString()}`,
          ...(incident.resolvedAt !== null ? [`Resolved: ${new Date(incident.resolvedAt).toISOString()}`] : []),
          '',
          link,
        ].join('\n'),
      };
  }
}

/** Where a kind of channel posts: Alertmanager's API path is added to its base URL. */
export function endpoint(kind: ChannelKind, url: string): string {
  return kind === 'alertmanager' ? `${url.replace(/\/+$/, '')}/api/v2/alerts` : url;
}

/** Seconds until the next attempt after `attempts` failed ones: 5, 15, 45, ... at most 15 minutes. */
export function retryDelayMs(attempts: number): number {
  return Math.min(15 * 60_000, 5_000 * 3 ** Math.max(0, attempts - 1));
}
