import { encodeResults, PROTOCOL_VERSION } from '@meshping/protocol';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_TOKEN_FILE } from '../../infra/local-trust/local-trust.service';
import { ApiClient } from '../../testing/api-client';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { TestClient } from '../../testing/ws-client';
import { TargetsService } from './targets.service';

describe(`${TargetsService.name}: the target list, edited through the API and pushed to agents`, () => {
  let server: TestServer;
  let admin: ApiClient;
  let operator: ApiClient;
  let agent: TestClient;
  let browser: TestClient;

  beforeAll(async () => {
    server = await startTestServer();
    admin = new ApiClient(server.url);
    await admin.post('/api/auth/setup', { setupCode: server.setupCode(), username: 'admin', password: 'admin password 1' });
    await admin.post('/api/users', { username: 'otto', password: 'operator pass 1', role: 'operator' });
    operator = new ApiClient(server.url);
    await operator.login('otto', 'operator pass 1');
    const ws = server.url.replace('http', 'ws');
    agent = await TestClient.connect(`${ws}/agent`);
    agent.send({
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      agent: { hostname: 'a1', version: '0.1.0', addresses: [] },
      auth: { kind: 'local-token', token: readFileSync(join(server.dataDir, LOCAL_TOKEN_FILE), 'utf8') },
    });
    await agent.next((m) => m.type === 'targets');
    browser = await TestClient.connect(`${ws}/live`, { cookie: operator.cookieHeader, origin: server.url });
    await browser.next((m) => m.type === 'snapshot');
  });

  afterAll(async () => {
    agent.close();
    browser.close();
    await server.stop();
  });

  it('pushes a new target to the connected agent within a second, as a change on its version', async () => {
    const { version } = agent.received.find((m) => m.type === 'targets');
    const created = await operator.post('/api/targets', { address: ' 192.0.2.50 ', name: 'edge router', group: 'dc-1' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ address: '192.0.2.50', name: 'edge router', group: 'dc-1' });
    const change = await agent.next((m) => m.type === 'targets-changed' && m.upserted.some((t: { id: number }) => t.id === created.body.id), 1000);
    expect(change).toEqual({
      type: 'targets-changed',
      from: version,
      version: version + 1,
      upserted: [{ id: created.body.id, address: '192.0.2.50', name: 'edge router' }],
      removed: [],
    });
    // Browsers get the new layout (not a whole snapshot): the grid keeps its cells and adds the column.
    const layout = await browser.next((m) => m.type === 'layout' && m.targets.some((t: { id: number }) => t.id === created.body.id));
    expect(layout.targets.find((t: { id: number }) => t.id === created.body.id)).toEqual({
      id: created.body.id,
      address: '192.0.2.50',
      name: 'edge router',
      group: 'dc-1',
      latencyThresholdMs: null,
      dormantSince: null,
    });
  });

  it('keeps a per-target latency threshold, validated, and pushes it to browsers', async () => {
    const created = await operator.post('/api/targets', { address: '192.0.2.60', latencyThresholdMs: 20 });
    expect(created.body).toMatchObject({ address: '192.0.2.60', latencyThresholdMs: 20 });
    const cleared = await operator.patch(`/api/targets/${created.body.id}`, { latencyThresholdMs: null });
    expect(cleared.body.latencyThresholdMs).toBeNull();
    await browser.next((m) => m.type === 'layout' && m.targets.some((t: { id: number; latencyThresholdMs: number | null }) => t.id === created.body.id && t.latencyThresholdMs === null));
    for (const bad of [0, -5, 3001, 'fast', 1.0001]) {
      const res = await operator.patch(`/api/targets/${created.body.id}`, { latencyThresholdMs: bad });
      expect([bad, res.status]).toEqual([bad, 400]);
      expect(JSON.stringify(res.body.message)).toContain('latencyThresholdMs');
    }
    // Exponent notation made class-validator's IsNumber({ maxDecimalPlaces }) throw: a 500 (fuzzer finding).
    for (const bad of [1e-9, 2.5e-7]) {
      const patched = await operator.patch(`/api/targets/${created.body.id}`, { latencyThresholdMs: bad });
      const posted = await operator.post('/api/targets', { address: '192.0.2.61', latencyThresholdMs: bad });
      for (const res of [patched, posted]) {
        expect([bad, res.status, res.body.message]).toEqual([bad, 400, expect.arrayContaining(['latencyThresholdMs must be a number of milliseconds with at most 3 decimal places'])]);
      }
    }
    expect((await operator.get('/api/targets')).body.some((t: { address: string }) => t.address === '192.0.2.61')).toBe(false);
    expect((await operator.patch(`/api/targets/${created.body.id}`, { latencyThresholdMs: 12.345 })).body.latencyThresholdMs).toBe(12.345);
    expect((await operator.delete(`/api/targets/${created.body.id}`)).status).toBe(204);
  });

  it('pushes edits and deletions, drops late results for a deleted target and keeps the rest of the batch', async () => {
    const created = await operator.post('/api/targets', { address: 'router.example.test' });
    const id = created.body.id as number;
    const renamed = await operator.patch(`/api/targets/${id}`, { name: 'core' });
    expect(renamed.body.name).toBe('core');
    await agent.next((m) => m.type === 'targets-changed' && m.upserted.some((t: { name: string }) => t.name === 'core'), 1000);

    expect((await operator.delete(`/api/targets/${id}`)).status).toBe(204);
    const removal = await agent.next((m) => m.type === 'targets-changed' && m.removed.includes(id), 1000);
    expect(removal.upserted).toEqual([]);
    expect(((await operator.get('/api/targets')).body as { id: number }[]).some((t) => t.id === id)).toBe(false);

    // A batch in flight with a sample for the deleted target: that sample is dropped, the other stored.
    const live = ((await operator.get('/api/targets')).body as { id: number }[])[0].id;
    agent.send(encodeResults(40, [
      { targetId: id, at: Date.now() - 500, rtt: 300 },
      { targetId: live, at: Date.now() - 400, rtt: 301 },
    ]));
    await agent.next((m) => m.type === 'ack' && m.seq === 40);
    const samples = (await operator.get(`/api/pairs/${agent.received.find((m) => m.type === 'welcome').agentId}/${live}/samples`)).body as { rtt: number }[];
    expect(samples.map((s) => s.rtt)).toContain(301);
    expect(agent.received.some((m) => m.type === 'error' && m.code === 'batch-rejected')).toBe(false);
  });

  it('refuses a duplicate or invalid address with a clear error, and changes nothing', async () => {
    const before = (await operator.get('/api/targets')).body as unknown[];
    const dup = await operator.post('/api/targets', { address: '127.0.0.1' });
    expect(dup.status).toBe(409);
    expect(dup.body.message).toMatch(/already a target/);
    for (const [body, field] of [
      [{ address: '1.2.3.999' }, 'address must be an IPv4 address, an IPv6 address or a hostname'],
      [{ address: 'bad host name' }, 'address'],
      [{ address: '192.0.2.9', name: 'x'.repeat(121) }, 'name'],
      [{ address: '192.0.2.9', group: 42 }, 'group'],
      [{ address: '192.0.2.9', color: 'red' }, 'color'],
    ] as const) {
      const res = await operator.post('/api/targets', body);
      expect([field, res.status]).toEqual([field, 400]);
      expect(JSON.stringify(res.body.message)).toContain(field);
    }
    expect((await operator.patch('/api/targets/99999', { name: 'x' })).status).toBe(404);
    expect((await operator.get('/api/targets')).body).toEqual(before);
  });

  it('audits every change with the operator who made it', async () => {
    const log = (await admin.get('/api/audit?limit=50')).body as { action: string; actor: string }[];
    const targetEvents = log.filter((e) => e.action.startsWith('target.'));
    expect(new Set(targetEvents.map((e) => e.action))).toEqual(new Set(['target.created', 'target.updated', 'target.deleted']));
    expect(new Set(targetEvents.map((e) => e.actor))).toEqual(new Set(['otto']));
  });

  it('sends the full list when the agent asks for it', async () => {
    agent.send({ type: 'targets-request' });
    const full = await agent.next((m) => m.type === 'targets' && m.targets.some((t: { address: string }) => t.address === '192.0.2.50'));
    expect(full.targets.map((t: { address: string }) => t.address)).toEqual(['127.0.0.1', '::1', '192.0.2.50']);
  });
});
