import { encodeResults, PROBE_INTERVAL_MS, RttCode, type Sample } from '@meshping/protocol';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '../../testing/api-client';
import { ManualClock } from '../../testing/manual-clock';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { connectLocalAgent } from '../../testing/test-agent';
import type { TestClient } from '../../testing/ws-client';
import { DEFAULT_RULES } from './alert-rule';
import { AlertEngineService } from './alert-engine.service';

/** The real server on a real SQLite file, its local agent over a real WebSocket, time moved by hand. */
describe(`${AlertEngineService.name} (real server, real SQLite file)`, () => {
  let dataDir: string;
  let clock: ManualClock;
  let server: TestServer;
  let admin: ApiClient;
  let agent: TestClient;
  let agentId: number;
  let targets: number[];
  let seq = 0;

  const start = async () => {
    server = await startTestServer({ MESHPING_DATA_DIR: dataDir }, clock);
    admin = new ApiClient(server.url);
  };
  const connect = async () => {
    ({ link: agent, agentId, targets } = await connectLocalAgent(server.url, dataDir, 'probe-1'));
  };
  const send = async (samples: Sample[]) => {
    const s = seq++;
    agent.send(encodeResults(s, samples));
    await agent.next((m) => m.type === 'ack' && m.seq === s);
  };
  /** One probe round now (target 1 as `second` says), then one evaluation and 5 s on. */
  const round = async (second: number) => {
    const at = clock.now();
    await send([
      { targetId: targets[0], at, rtt: 900 },
      { targetId: targets[1], at: at + 10, rtt: second },
    ]);
    clock.advance(1_000);
    await server.app.get(AlertEngineService).evaluate();
    clock.advance(PROBE_INTERVAL_MS - 1_000);
  };

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'meshping-alerts-'));
    clock = new ManualClock();
    await start();
    expect((await admin.post('/api/auth/setup', { setupCode: server.setupCode(), username: 'admin', password: 'admin password 1' })).status).toBe(200);
  });

  afterEach(async () => {
    agent?.close();
    await server.app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts with the default rules, once: a rule deleted stays deleted after a restart', async () => {
    const rules = await admin.get('/api/alert-rules');
    expect(rules.status).toBe(200);
    expect(rules.body.map((r: { name: string }) => r.name)).toEqual(DEFAULT_RULES.map((r) => r.name));
    expect((await admin.delete(`/api/alert-rules/${rules.body[2].id}`)).status).toBe(204);
    await server.app.close();
    await start();
    expect((await admin.login('admin', 'admin password 1')).status).toBe(200);
    expect((await admin.get('/api/alert-rules')).body.map((r: { name: string }) => r.name)).toEqual(['Unreachable', 'Packet loss', 'Agent silent']);
  });

  it('refuses a rule that does not hold together, naming the field, and stores nothing of it', async () => {
    const cases: [Record<string, unknown>, number, string][] = [
      [{ name: 'x', metric: 'loss_percent', threshold: 5 }, 400, 'windowSeconds is required for loss_percent'],
      [{ name: 'x', metric: 'loss_percent', threshold: 0, windowSeconds: 60 }, 400, 'threshold must be a loss in %'],
      [{ name: 'x', metric: 'consecutive_lost', threshold: 2.5 }, 400, 'threshold must be a whole number'],
      [{ name: 'x', metric: 'consecutive_lost', threshold: 3, windowSeconds: 60 }, 400, 'windowSeconds must be null for consecutive_lost'],
      [{ name: 'x', metric: 'consecutive_lost', threshold: 3, scope: 'target' }, 400, 'targetId is required for scope target'],
      [{ name: 'x', metric: 'consecutive_lost', threshold: 3, scope: 'target', targetId: 9999 }, 400, 'targetId names no target (9999)'],
      [{ name: 'x', metric: 'consecutive_lost', threshold: 3, scope: 'all', agentId: 1 }, 400, 'agentId must be null for scope all'],
      [{ name: 'x', metric: 'consecutive_lost', threshold: 3, scope: 'group' }, 400, 'agentGroup or targetGroup is required'],
      [{ name: 'x', metric: 'agent_silent', scope: 'target', targetId: 1 }, 400, 'scope must be all, agent or group'],
      [{ name: 'x', metric: 'latency_percentile', windowSeconds: 60, percentile: 100 }, 400, 'percentile must not be greater than 99.9'],
      [{ name: 'x', metric: 'latency_percentile', windowSeconds: 20 }, 400, 'windowSeconds must not be less than 30'],
      [{ name: 'x', metric: 'loss_percent', threshold: 5, windowSeconds: 60, fireAfter: null }, 400, 'fireAfter must not be null'],
      [{ name: 'Unreachable', metric: 'consecutive_lost', threshold: 5 }, 409, 'an alert rule named "Unreachable" exists already'],
      [{ name: 'x', metric: 'nonsense' }, 400, 'metric must be one of'],
    ];
    for (const [body, status, message] of cases) {
      const res = await admin.post('/api/alert-rules', body);
      expect({ body, status: res.status }).toEqual({ body, status });
      expect([res.body.message].flat().join(" | ")).toContain(message);
    }
    expect((await admin.get('/api/alert-rules')).body).toHaveLength(DEFAULT_RULES.length);

    // A ninth distinct window is refused: each one costs memory for every pair.
    for (let i = 0; i < 6; i++) expect((await admin.post('/api/alert-rules', { name: `w${i}`, metric: 'loss_percent', threshold: 5, windowSeconds: 60 + i })).status).toBe(201);
    const ninth = await admin.post('/api/alert-rules', { name: 'w9', metric: 'loss_percent', threshold: 5, windowSeconds: 999 });
    expect(ninth.status).toBe(409);
    expect(ninth.body.message).toContain('at most 8');
  });

  it('audits rule changes, and a change takes effect at the next evaluation', async () => {
    const created = await admin.post('/api/alert-rules', { name: 'Any loss', metric: 'consecutive_lost', threshold: 1, fireAfter: 1, severity: 'critical' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Any loss', enabled: true, scope: 'all', paths: false, fireAfter: 1, resolveAfter: 3, quorum: null });
    const patched = await admin.patch(`/api/alert-rules/${created.body.id}`, { threshold: 2, enabled: false });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ threshold: 2, enabled: false });
    const audit = await admin.get('/api/audit?limit=10');
    const actions = audit.body.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['alert-rule.created', 'alert-rule.updated']));
    const update = audit.body.find((e: { action: string }) => e.action === 'alert-rule.updated');
    expect(update.detail.changed).toEqual({ threshold: { from: 1, to: 2 }, enabled: { from: true, to: false } });
  });

  it('opens one incident when a target stops answering, stores it, takes it up after a restart and resolves it', async () => {
    await connect();
    for (let i = 0; i < 3; i++) await round(1_200);
    expect((await admin.get('/api/incidents')).body).toEqual([]);
    for (let i = 0; i < 6; i++) await round(RttCode.NO_REPLY);

    const open = await admin.get('/api/incidents?state=open');
    expect(open.status).toBe(200);
    expect(open.body).toHaveLength(1);
    expect(open.body[0]).toMatchObject({ kind: 'target', causeKey: `target:${targets[1]}`, state: 'open', severity: 'critical', agentIds: [agentId], targetIds: [targets[1]], pairCount: 1 });
    expect(open.body[0].title).toMatch(/^Target .+ unreachable for 1 agent$/);
    const detail = await admin.get(`/api/incidents/${open.body[0].id}`);
    expect(detail.body.pairs).toEqual([[agentId, targets[1]]]);

    // A restart keeps it open: the engine takes it up instead of opening a second one.
    agent.close();
    await server.app.close();
    await start();
    expect((await admin.login('admin', 'admin password 1')).status).toBe(200);
    await connect();
    for (let i = 0; i < 4; i++) await round(RttCode.NO_REPLY);
    expect((await admin.get('/api/incidents')).body).toHaveLength(1);

    for (let i = 0; i < 4; i++) await round(1_100);
    const all = await admin.get('/api/incidents');
    expect(all.body).toHaveLength(1);
    expect(all.body[0]).toMatchObject({ state: 'resolved', ruleIds: [1] });
    expect(all.body[0].resolvedAt).toBeGreaterThan(all.body[0].openedAt);
    expect((await admin.get('/api/incidents?state=open')).body).toEqual([]);
  });

  it('refuses bad incident queries', async () => {
    for (const q of ['state=closed', 'kind=x', 'limit=0', 'limit=501', 'before=-1', 'limit=abc']) {
      const res = await admin.get(`/api/incidents?${q}`);
      expect({ q, status: res.status }).toEqual({ q, status: 400 });
    }
    expect((await admin.get('/api/incidents/99')).status).toBe(404);
  });
});
