import { encodeResults, PROBE_INTERVAL_MS, RttCode, type Sample } from '@meshping/protocol';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATABASE_FILE } from '../../infra/database/database.module';
import { ApiClient } from '../../testing/api-client';
import { ManualClock } from '../../testing/manual-clock';
import { connectLocalAgent } from '../../testing/test-agent';
import { startTestServer, type TestServer } from '../../testing/test-server';
import type { TestClient } from '../../testing/ws-client';
import { AlertEngineService } from '../alerts/alert-engine.service';
import { IncidentsService } from '../alerts/incidents.service';
import { NotificationsService } from './notifications.service';

interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A real HTTP receiver on port 0 that answers with `status` (changeable) and keeps what it got. */
class Receiver {
  readonly got: Received[] = [];
  status = 200;
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        this.got.push({ path: req.url ?? '', headers: req.headers, body });
        res.writeHead(this.status).end();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const SECRET = 'a webhook secret of some length';

describe(`${NotificationsService.name} (real server, real SQLite file, a real HTTP receiver)`, () => {
  let dataDir: string;
  let clock: ManualClock;
  let server: TestServer;
  let admin: ApiClient;
  let receiver: Receiver;
  let agent: TestClient;
  let targets: number[];
  let seq = 0;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'meshping-notify-'));
    clock = new ManualClock();
    receiver = new Receiver();
    await receiver.start();
    server = await startTestServer({ MESHPING_DATA_DIR: dataDir, MESHPING_PUBLIC_URL: 'https://meshping.example' }, clock);
    admin = new ApiClient(server.url);
    expect((await admin.post('/api/auth/setup', { setupCode: server.setupCode(), username: 'admin', password: 'admin password 1' })).status).toBe(200);
  });

  afterEach(async () => {
    agent?.close();
    await server.app.close();
    await receiver.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const notifier = () => server.app.get(NotificationsService);
  /** One probe round now (the second target as `second` says), one evaluation, 5 s on. */
  const round = async (second: number) => {
    const at = clock.now();
    const samples: Sample[] = [
      { targetId: targets[0], at, rtt: 900 },
      { targetId: targets[1], at: at + 10, rtt: second },
    ];
    const s = seq++;
    agent.send(encodeResults(s, samples));
    await agent.next((m) => m.type === 'ack' && m.seq === s);
    clock.advance(1_000);
    await server.app.get(AlertEngineService).evaluate();
    clock.advance(PROBE_INTERVAL_MS - 1_000);
  };
  const settle = async () => {
    for (let i = 0; i < 20; i++) await notifier().deliverDue();
  };

  it('keeps the URL and secret sealed and never shows them, and signs what it sends', async () => {
    const created = await admin.post('/api/notification-channels', { name: 'ops hook', kind: 'webhook', url: `${receiver.url}/hook?token=abc123`, secret: SECRET });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: created.body.id, name: 'ops hook', kind: 'webhook', enabled: true, minSeverity: 'warning', urlHint: `${receiver.url}/…`, signed: true, emailTo: [], createdAt: expect.any(Number) });
    expect(JSON.stringify((await admin.get('/api/notification-channels')).body)).not.toContain('abc123');
    const db = readFileSync(join(dataDir, DATABASE_FILE)).toString('latin1');
    expect(db).not.toContain('token=abc123');
    expect(db).not.toContain(SECRET);

    const test = await admin.post(`/api/notification-channels/${created.body.id}/test`, {});
    expect(test.status).toBe(200);
    expect(test.body).toMatchObject({ event: 'test', state: 'delivered', attempts: 1, lastError: null });
    expect(receiver.got).toHaveLength(1);
    const [got] = receiver.got;
    expect(got.path).toBe('/hook?token=abc123');
    expect(got.headers['x-meshping-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(got.body).digest('hex')}`);
    expect(got.headers['x-meshping-event']).toBe('test');
    expect(JSON.parse(got.body)).toMatchObject({ version: 1, event: 'test', link: 'https://meshping.example/alerts', incident: { title: 'Test notification from Meshping to "ops hook"' } });

    const audit = (await admin.get('/api/audit?limit=10')).body as { action: string; detail: unknown }[];
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['notification-channel.created', 'notification-channel.tested']));
    expect(JSON.stringify(audit)).not.toContain('abc123');
  });

  it('refuses channels that do not hold together', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'a', kind: 'webhook' }, 'url is required for a webhook channel'],
      [{ name: 'a', kind: 'webhook', url: 'ftp://x.example/' }, 'url must be an http:// or https:// URL'],
      [{ name: 'a', kind: 'slack', url: 'https://hooks.example/x', secret: SECRET }, 'secret is for webhook channels'],
      [{ name: 'a', kind: 'email' }, 'emailTo needs at least one address'],
      [{ name: 'a', kind: 'email', emailTo: ['not-an-address'] }, 'each of emailTo must be an email address'],
      [{ name: 'a', kind: 'webhook', url: 'https://x.example/', secret: 'short' }, 'secret must be longer than or equal to 16 characters'],
    ];
    for (const [body, message] of cases) {
      const res = await admin.post('/api/notification-channels', body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect([res.body.message].flat().join(' | ')).toContain(message);
    }
    expect((await admin.get('/api/notification-channels')).body).toEqual([]);
  });

  it('during a maintenance window the incident opens and is shown, nobody is told; when the window ends while it is open, they are', async () => {
    await admin.post('/api/notification-channels', { name: 'hook', kind: 'webhook', url: `${receiver.url}/hook` });
    ({ link: agent, targets } = await connectLocalAgent(server.url, dataDir));
    const window = await admin.post('/api/maintenance-windows', { reason: 'router swap', targetId: targets[1], endsAt: clock.now() + 3_600_000 });
    expect(window.status).toBe(201);
    expect(window.body).toMatchObject({ reason: 'router swap', targetId: targets[1], agentId: null, active: true, createdBy: 'admin' });

    for (let i = 0; i < 3; i++) await round(1_000);
    for (let i = 0; i < 6; i++) await round(RttCode.NO_REPLY);
    await notifier().tellLate();
    await settle();
    const open = (await admin.get('/api/incidents?state=open')).body;
    expect(open).toEqual([expect.objectContaining({ causeKey: `target:${targets[1]}`, notified: false })]);
    expect(receiver.got).toEqual([]);

    expect((await admin.delete(`/api/maintenance-windows/${window.body.id}`)).status).toBe(204);
    expect((await admin.get('/api/maintenance-windows?current=true')).body).toEqual([]);
    await notifier().tellLate();
    await settle();
    expect(receiver.got.map((r) => JSON.parse(r.body).event)).toEqual(['opened']);
    expect((await admin.get('/api/incidents?state=open')).body[0].notified).toBe(true);

    // What a Prometheus scrape sees of it.
    const token = (await admin.post('/api/tokens', { name: 'scraper', scopes: ['metrics:read'] })).body.token;
    const metrics = await new ApiClient(server.url).send<string>('GET', '/api/metrics', undefined, { authorization: `Bearer ${token}` });
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('meshping_incidents_open{kind="target"} 1\n');
    expect(metrics.body).toContain('meshping_incidents_open{kind="silent"} 0\n');
    expect(metrics.body).toContain('meshping_notifications_total{outcome="delivered"} 1\n');
    expect(metrics.body).toMatch(/^meshping_alert_window_bytes [1-9]\d*$/m);
    const audit = ((await admin.get('/api/audit?limit=20')).body as { action: string }[]).map((e) => e.action);
    expect(audit).toEqual(expect.arrayContaining(['maintenance.created', 'maintenance.ended']));
  });

  it('tells an opening once when the late sweep runs while the opening is being handled', async () => {
    await admin.post('/api/notification-channels', { name: 'hook', kind: 'webhook', url: `${receiver.url}/hook` });
    ({ link: agent, targets } = await connectLocalAgent(server.url, dataDir));
    // The sweep (every 5 s) happens to run the moment the incident is stored, before its opening is handled.
    const sweeps: Promise<void>[] = [];
    const tap = server.app.get(IncidentsService).events$.subscribe((e) => {
      if (e.type === 'opened') sweeps.push(notifier().tellLate(), notifier().tellLate());
    });
    try {
      for (let i = 0; i < 3; i++) await round(1_000);
      for (let i = 0; i < 6; i++) await round(RttCode.NO_REPLY);
      await Promise.all(sweeps);
      await notifier().tellLate();
      await settle();
    } finally {
      tap.unsubscribe();
    }
    expect(sweeps.length).toBe(2);
    expect(receiver.got.map((r) => JSON.parse(r.body).event)).toEqual(['opened']);
    expect((await admin.get('/api/notification-deliveries')).body).toEqual([expect.objectContaining({ event: 'opened', state: 'delivered' })]);
  });

  it('refuses maintenance windows that do not say what they cover or when', async () => {
    const now = clock.now();
    const cases: [Record<string, unknown>, string][] = [
      [{ reason: 'x', endsAt: now + 60_000 }, 'exactly one of agentId, targetId, agentGroup, targetGroup'],
      [{ reason: 'x', agentGroup: 'a', targetGroup: 'b', endsAt: now + 60_000 }, 'exactly one of'],
      [{ reason: 'x', agentGroup: 'a', startsAt: now - 120_000, endsAt: now - 1 }, 'endsAt must be in the future'],
      [{ reason: 'x', agentGroup: 'a', startsAt: now + 120_000, endsAt: now + 60_000 }, 'endsAt must be after startsAt'],
      [{ reason: 'x', agentGroup: 'a', endsAt: now + 31 * 86_400_000 }, 'at most 30 days'],
      [{ reason: 'x', targetId: 999, endsAt: now + 60_000 }, 'targetId names no target (999)'],
      [{ reason: '', agentGroup: 'a', endsAt: now + 60_000 }, 'reason must be longer than or equal to 1 characters'],
    ];
    for (const [body, message] of cases) {
      const res = await admin.post('/api/maintenance-windows', body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect([res.body.message].flat().join(' | ')).toContain(message);
    }
    expect((await admin.get('/api/maintenance-windows')).body).toEqual([]);
  });

  it('tells every channel when an incident opens and resolves; a receiver that is down gets it, in order, once it is back', async () => {
    const hook = (await admin.post('/api/notification-channels', { name: 'hook', kind: 'webhook', url: `${receiver.url}/hook` })).body;
    await admin.post('/api/notification-channels', { name: 'chat', kind: 'slack', url: `${receiver.url}/slack` });
    await admin.post('/api/notification-channels', { name: 'am', kind: 'alertmanager', url: `${receiver.url}/am/` });
    await admin.post('/api/notification-channels', { name: 'critical only', kind: 'webhook', url: `${receiver.url}/critical`, minSeverity: 'critical' });
    ({ link: agent, targets } = await connectLocalAgent(server.url, dataDir));

    receiver.status = 503; // the receiver is down when the incident opens
    for (let i = 0; i < 3; i++) await round(1_000);
    for (let i = 0; i < 6; i++) await round(RttCode.NO_REPLY);
    await settle();
    const failing = (await admin.get(`/api/notification-deliveries?channelId=${hook.id}`)).body;
    expect(failing).toEqual([expect.objectContaining({ event: 'opened', state: 'pending', lastError: 'HTTP 503' })]);
    expect(failing[0].attempts).toBeGreaterThanOrEqual(1);
    expect(failing[0].nextAttemptAt).toBeGreaterThan(clock.now());

    receiver.status = 200;
    // To the retry (a back-off of 5 to 45 s here: less than the agent link's liveness timeout).
    clock.advance(failing[0].nextAttemptAt - clock.now());
    await settle();
    const delivered = (await admin.get(`/api/notification-deliveries?channelId=${hook.id}`)).body;
    expect(delivered).toEqual([expect.objectContaining({ event: 'opened', state: 'delivered', attempts: failing[0].attempts + 1, lastError: null })]);
    const attempts = delivered[0].attempts;

    for (let i = 0; i < 4; i++) await round(1_000);
    await settle();
    const byPath = (path: string) => receiver.got.filter((r) => r.path === path).map((r) => JSON.parse(r.body));
    // The webhook: the opened event (each attempt: 503s, then delivered), then the resolved one.
    const hookBodies = byPath('/hook');
    expect(hookBodies.map((b) => b.event)).toEqual([...Array(attempts).fill('opened'), 'resolved']);
    expect(hookBodies.at(-1).incident).toMatchObject({ kind: 'target', state: 'resolved', causeKey: `target:${targets[1]}` });
    expect(byPath('/slack').at(-1).text).toMatch(/^\[CRITICAL\] Resolved: Target .+ unreachable for 1 agent/);
    const am = byPath('/am/api/v2/alerts');
    expect(am.at(-1)[0]).toMatchObject({ labels: { alertname: 'MeshpingIncident', cause: `target:${targets[1]}`, kind: 'target', severity: 'critical' }, endsAt: expect.any(String) });
    expect(am[0][0].endsAt).toBeUndefined(); // open: no end
    expect(byPath('/critical').map((b) => b.event).filter((e, i, a) => a.indexOf(e) === i)).toEqual(['opened', 'resolved']);
  });
});
