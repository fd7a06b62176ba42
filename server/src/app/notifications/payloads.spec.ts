import { endpoint, formatMessage, retryDelayMs, type IncidentFacts } from './payloads';

const incident: IncidentFacts = {
  id: 12,
  causeKey: 'target:7',
  kind: 'target',
  state: 'open',
  severity: 'critical',
  title: 'Target core-1 (192.0.2.1) unreachable for 3 agents',
  agentIds: [1, 2, 3],
  targetIds: [7],
  pairCount: 3,
  openedAt: Date.UTC(2026, 11, 3, 8, 0, 0),
  updatedAt: Date.UTC(2026, 11, 3, 8, 0, 0),
  resolvedAt: null,
};
const LINK = 'https://meshping.example/alerts';
const NOW = Date.UTC(2026, 11, 3, 8, 1, 0);

describe('notification payloads', () => {
  it('gives Alertmanager one alert per cause that ends when the incident resolves', () => {
    const open = JSON.parse(formatMessage('alertmanager', 'opened', incident, LINK, NOW).body);
    expect(open).toEqual([
      {
        labels: { alertname: 'MeshpingIncident', cause: 'target:7', kind: 'target', severity: 'critical' },
        annotations: { summary: incident.title, description: '3 path(s) affected', meshping_incident_id: '12' },
        startsAt: '2026-12-03T08:00:00.000Z',
        generatorURL: LINK,
      },
    ]);
    const resolvedAt = Date.UTC(2026, 11, 3, 8, 30, 0);
    const resolved = JSON.parse(formatMessage('alertmanager', 'resolved', { ...incident, state: 'resolved', resolvedAt }, LINK, NOW).body);
    expect(resolved[0].labels).toEqual(open[0].labels); // the same alert, so Alertmanager resolves it
    expect(resolved[0].endsAt).toBe('2026-12-03T08:30:00.000Z');
    const test = JSON.parse(formatMessage('alertmanager', 'test', incident, LINK, NOW).body);
    expect(test[0].labels.test).toBe('true');
    expect(test[0].endsAt).toBe('2026-12-03T08:02:00.000Z');
    expect(endpoint('alertmanager', 'http://am.example:9093/')).toBe('http://am.example:9093/api/v2/alerts');
    expect(endpoint('webhook', 'https://h.example/x?token=1')).toBe('https://h.example/x?token=1');
  });

  it('says what happened in the first line of chat and mail', () => {
    expect(JSON.parse(formatMessage('slack', 'opened', incident, LINK, NOW).body).text).toBe(
      `[CRITICAL] Opened: ${incident.title}\n3 path(s) · since 2026-12-03T08:00:00.000Z · <${LINK}|open in Meshping>`,
    );
    const mail = formatMessage('email', 'resolved', { ...incident, state: 'resolved', resolvedAt: NOW }, LINK, NOW);
    expect(mail.subject).toBe(`Meshping [CRITICAL] Resolved: ${incident.title}`);
    expect(mail.body.split('\n')).toEqual([`[CRITICAL] Resolved: ${incident.title}`, '', 'Kind: target', 'Paths affected: 3', 'Opened: 2026-12-03T08:00:00.000Z', 'Resolved: 2026-12-03T08:01:00.000Z', '', LINK]);
    expect(JSON.parse(formatMessage('webhook', 'updated', incident, LINK, NOW).body)).toEqual({ version: 1, event: 'updated', incident, link: LINK, sentAt: NOW });
  });

  it('backs off 5 s, 15 s, 45 s ... and at most 15 minutes', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(retryDelayMs)).toEqual([5_000, 15_000, 45_000, 135_000, 405_000, 900_000, 900_000, 900_000]);
  });
});
