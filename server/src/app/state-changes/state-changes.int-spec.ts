import { encodeResults, OFFLINE_AFTER_MS, PROBE_INTERVAL_MS, RttCode, type Sample } from '@meshping/protocol';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '../../testing/api-client';
import { ManualClock } from '../../testing/manual-clock';
import { connectLocalAgent } from '../../testing/test-agent';
import { startTestServer, type TestServer } from '../../testing/test-server';
import type { TestClient } from '../../testing/ws-client';
import { StateChangesService } from './state-changes.service';

interface Row {
  id: number;
  kind: string;
  agentId: number | null;
  targetId: number | null;
  from: string;
  to: string;
  at: number;
}

/** The real server on a real SQLite file, its local agent over a real WebSocket, time moved by hand. */
describe(`${StateChangesService.name} (real server, real SQLite file)`, () => {
  let dataDir: string;
  let clock: ManualClock;
  let server: TestServer;
  let admin: ApiClient;
  let agent: TestClient;
  let agentId: number;
  let t1: number;
  let t2: number;
  let seq = 0;
  /** Probe times of the two rounds every test starts with. */
  let round1: number;
  let round2: number;

  const start = async () => {
    server = await startTestServer({ MESHPING_DATA_DIR: dataDir }, clock);
    admin = new ApiClient(server.url);
  };
  const connect = async () => {
    let targets: number[];
    ({ link: agent, agentId, targets } = await connectLocalAgent(server.url, dataDir, 'probe-1'));
    [t1, t2] = targets;
  };
  const tracker = () => server.app.get(StateChangesService);
  /** One probe round now: target 1 and target 2 as given; then 5 s on; resolves when the changes are written. */
  const round = async (first: number, second: number): Promise<number> => {
    const at = clock.now();
    const samples: Sample[] = [
      { targetId: t1, at, rtt: first },
      { targetId: t2, at: at + 10, rtt: second },
    ];
    const s = seq++;
    agent.send(encodeResults(s, samples));
    await agent.next((m) => m.type === 'ack' && m.seq === s);
    await tracker().flush();
    clock.advance(PROBE_INTERVAL_MS);
    return at;
  };
  const list = async (query = ''): Promise<Row[]> => {
    const res = await admin.get(`/api/state-changes${query}`);
    expect([res.status, res.body?.message]).toEqual([200, undefined]);
    return res.body;
  };
  const brief = (rows: Row[]) => rows.map((r) => `${r.kind} ${r.agentId ?? '-'}>${r.targetId ?? '-'} ${r.from}->${r.to}`);

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'meshping-state-changes-'));
    clock = new ManualClock();
    await start();
    expect((await admin.post('/api/auth/setup', { setupCode: server.setupCode(), username: 'admin', password: 'admin password 1' })).status).toBe(200);
    await connect();
    round1 = await round(900, 900);
    round2 = await round(900, RttCode.NO_REPLY);
  });

  afterEach(async () => {
    agent?.close();
    await server.app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('records what ingest changes, once, at the probe time, and lists it newest first with every filter and paging', async () => {
    const all = await list();
    expect(brief(all)).toEqual([
      `target ->${t2} up->down`,
      `pair ${agentId}>${t2} up->down`,
      `agent ${agentId}>- silent->up`,
      `target ->${t2} silent->up`,
      `target ->${t1} silent->up`,
      `pair ${agentId}>${t2} silent->up`,
      `pair ${agentId}>${t1} silent->up`,
    ]);
    expect(all.map((r) => r.at)).toEqual([round2 + 10, round2 + 10, round1 + 10, round1 + 10, round1, round1 + 10, round1]);
    // The same states again are no change.
    await round(900, RttCode.NO_REPLY);
    await tracker().sweep();
    expect((await list()).length).toBe(7);

    expect(brief(await list('?kind=target'))).toEqual([`target ->${t2} up->down`, `target ->${t2} silent->up`, `target ->${t1} silent->up`]);
    expect(brief(await list(`?targetId=${t2}&kind=pair`))).toEqual([`pair ${agentId}>${t2} up->down`, `pair ${agentId}>${t2} silent->up`]);
    expect(brief(await list(`?agentId=${agentId}`))).toEqual([`pair ${agentId}>${t2} up->down`, `agent ${agentId}>- silent->up`, `pair ${agentId}>${t2} silent->up`, `pair ${agentId}>${t1} silent->up`]);
    expect(brief(await list('?state=down'))).toEqual([`target ->${t2} up->down`, `pair ${agentId}>${t2} up->down`]);
    expect(brief(await list(`?from=${round2}&to=${round2 + 11}`))).toEqual([`target ->${t2} up->down`, `pair ${agentId}>${t2} up->down`]);
    expect(await list(`?to=${round1}`)).toEqual([]);
    const page1 = await list('?limit=3');
    const page2 = await list(`?limit=3&before=${page1[2].id}`);
    expect([...page1, ...page2, ...(await list(`?limit=3&before=${page2[2].id}`))]).toEqual(all);

    // The hover's route: the pair's last transitions.
    const hover = await admin.get(`/api/pairs/${agentId}/${t2}/state-changes?limit=1`);
    expect([hover.status, brief(hover.body)]).toEqual([200, [`pair ${agentId}>${t2} up->down`]]);
    expect(brief((await admin.get(`/api/pairs/${agentId}/${t2}/state-changes`)).body)).toEqual([`pair ${agentId}>${t2} up->down`, `pair ${agentId}>${t2} silent->up`]);
  });

  it('refuses a bad query with a 400 that names the field', async () => {
    const cases: [string, string][] = [
      ['?kind=cell', 'kind must be one of the following values: pair, target, agent'],
      ['?state=red', 'state must be one of the following values: silent, up, degraded, down'],
      ['?agentId=abc', 'agentId must be an integer id'],
      ['?targetId=0', 'targetId must not be less than 1'],
      ['?from=2000&to=3000', 'from must not be before 2000-01-01'],
      [`?from=${round2}&to=${round1}`, 'from must be before to'],
      ['?limit=501', 'limit must not be greater than 500'],
      ['?before=0', 'before must not be less than 1'],
    ];
    for (const [query, message] of cases) {
      const res = await admin.get(`/api/state-changes${query}`);
      expect([query, res.status, (res.body.message as string[]).some((m) => m.startsWith(message))]).toEqual([query, 400, true]);
    }
    expect((await admin.get(`/api/pairs/${agentId}/${t1}/state-changes?limit=21`)).status).toBe(400);
  });

  it('is read by every signed-in role and by tokens with monitoring:read; not without a session, nor with a token of another area', async () => {
    expect((await admin.post('/api/users', { username: 'vera', password: 'viewer password 1', role: 'viewer' })).status).toBe(201);
    const viewer = new ApiClient(server.url);
    expect((await viewer.login('vera', 'viewer password 1')).status).toBe(200);
    const asViewer = await viewer.get('/api/state-changes?kind=pair');
    expect([asViewer.status, asViewer.body.length]).toEqual([200, 3]);
    expect((await viewer.get(`/api/pairs/${agentId}/${t2}/state-changes`)).status).toBe(200);

    const anonymous = new ApiClient(server.url);
    expect((await anonymous.get('/api/state-changes')).status).toBe(401);
    expect((await anonymous.get(`/api/pairs/${agentId}/${t2}/state-changes`)).status).toBe(401);

    const token = async (scopes: string[]) => (await admin.post('/api/tokens', { name: scopes.join('+'), scopes })).body.token as string;
    const script = (t: string, path: string) => new ApiClient(server.url).send('GET', path, undefined, { authorization: `Bearer ${t}` });
    const alertsOnly = await token(['alerts:read']);
    expect((await script(alertsOnly, '/api/state-changes')).status).toBe(403);
    expect((await script(alertsOnly, `/api/pairs/${agentId}/${t2}/state-changes`)).status).toBe(403);
    const reader = await token(['monitoring:read']);
    const byToken = await script(reader, '/api/state-changes?state=down');
    expect([byToken.status, byToken.body.length]).toEqual([200, 2]);
  });

  it('restores the last states after a restart: an agent that comes back logs nothing; one that does not is silent after the grace, from its disconnection', async () => {
    const before = await list();
    agent.close();
    await server.app.close();
    clock.advance(60_000);
    await start();
    expect((await admin.login('admin', 'admin password 1')).status).toBe(200);
    await connect();
    await round(900, RttCode.NO_REPLY);
    await round(900, RttCode.NO_REPLY);
    await tracker().sweep();
    expect(await list()).toEqual(before); // no burst: nothing changed

    const closedAt = clock.now();
    agent.close();
    await new Promise((resolve) => setTimeout(resolve, 200)); // the server notices the closed socket
    clock.advance(OFFLINE_AFTER_MS);
    await tracker().sweep();
    const after = (await list()).slice(0, 5);
    expect(brief(after)).toEqual([`agent ${agentId}>- up->silent`, `target ->${t2} down->silent`, `target ->${t1} up->silent`, `pair ${agentId}>${t2} down->silent`, `pair ${agentId}>${t1} up->silent`]);
    for (const r of after) expect(r.at).toBeGreaterThanOrEqual(closedAt);
    for (const r of after) expect(r.at).toBeLessThan(closedAt + 1_000);
  });

  it("keeps the log as long as samples: retention deletes rows before the cutoff but each subject's newest (its current state)", async () => {
    const before = await list();
    expect(await tracker().deleteBefore(clock.now())).toBe(2);
    const kept = await list();
    expect(kept).toEqual(before.filter((r) => !(r.targetId === t2 && r.from === 'silent' && r.kind !== 'agent')));
    expect(await tracker().deleteBefore(clock.now())).toBe(0);
  });
});
