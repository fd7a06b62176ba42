import { ApiClient } from '../../testing/api-client';
import { TestAgent } from '../../testing/test-agent';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { TestClient } from '../../testing/ws-client';
import { MeshService } from './mesh.service';

/** The target policy's default ranges (settings). */
const RANGES = { targetDenyRanges: ['169.254.0.0/16', 'fe80::/10', 'fd00:ec2::254/128'], targetAllowRanges: [] };

interface Target {
  id: number;
  address: string;
  name: string | null;
  group: string | null;
}

describe(`${MeshService.name}: full mesh, approved agents as targets`, () => {
  let server: TestServer;
  let admin: ApiClient;
  let passphrase: string;
  const links: TestClient[] = [];
  const targets = async () => (await admin.get('/api/targets')).body as Target[];
  const until = async (what: string, check: () => Promise<boolean>) => {
    for (let i = 0; i < 100; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`timed out: ${what}`);
  };

  beforeAll(async () => {
    server = await startTestServer({ MESHPING_TLS: 'on' });
    admin = new ApiClient(server.url);
    await admin.post('/api/auth/setup', { setupCode: server.setupCode(), username: 'admin', password: 'admin password 1' });
    passphrase = (await admin.get('/api/enrollment')).body.passphrase;
  });
  afterAll(async () => {
    links.forEach((l) => l.close());
    await server.stop();
  });

  it('is off by default; on, it makes each approved agent a target that every agent is told about', async () => {
    expect((await admin.get('/api/settings')).body).toEqual({ fullMesh: false, latencyThresholdMs: 100, retentionHours: 24, dormantAfterSeconds: 600, ...RANGES });
    const a = await new TestAgent(server.url, 'mesh-a').register(passphrase, '127.0.0.2');
    const b = await new TestAgent(server.url, 'mesh-b').register(passphrase, '127.0.0.3');
    links.push(a.link, b.link);
    await admin.post(`/api/agents/${a.agentId}/approve`);
    await admin.post(`/api/agents/${b.agentId}/approve`);
    expect((await targets()).map((t) => t.address)).toEqual(['127.0.0.1', '::1']);

    expect((await admin.patch('/api/settings', { fullMesh: true })).body).toEqual({ fullMesh: true, latencyThresholdMs: 100, retentionHours: 24, dormantAfterSeconds: 600, ...RANGES });
    await until('both agents are targets', async () => (await targets()).filter((t) => t.group === 'agents').length === 2);
    expect((await targets()).filter((t) => t.group === 'agents').map((t) => [t.address, t.name])).toEqual([
      ['127.0.0.2', 'mesh-a'],
      ['127.0.0.3', 'mesh-b'],
    ]);
    // Agent a is told that b is a target (and b that a is).
    await a.link.next((m) => m.type === 'targets-changed' && m.upserted.some((t: Target) => t.address === '127.0.0.3'));
    await b.link.next((m) => m.type === 'targets-changed' && m.upserted.some((t: Target) => t.address === '127.0.0.2'));
  });

  it('removes an agent’s target when the agent is rejected, and all of them when the mesh is turned off', async () => {
    const agentB = ((await admin.get('/api/agents')).body as { id: number; hostname: string }[]).find((x) => x.hostname === 'mesh-b');
    await admin.post(`/api/agents/${agentB?.id}/reject`);
    await until('mesh-b target removed', async () => !(await targets()).some((t) => t.address === '127.0.0.3'));
    expect((await targets()).some((t) => t.address === '127.0.0.2')).toBe(true);

    await admin.patch('/api/settings', { fullMesh: false });
    await until('mesh targets removed', async () => !(await targets()).some((t) => t.group === 'agents'));
    const actions = ((await admin.get('/api/audit?limit=100')).body as { action: string }[]).map((e) => e.action);
    expect(actions).toContain('settings.updated');
  });

  it('takes only a boolean, from admins', async () => {
    expect((await admin.patch('/api/settings', { fullMesh: 'yes' })).status).toBe(400);
    expect((await admin.patch('/api/settings', { mesh: true })).status).toBe(400);
  });

  it('keeps the global latency threshold, above 0 and within the probe timeout, and pushes it to open grids', async () => {
    const browser = await TestClient.connect(`${server.url.replace('http', 'ws')}/live`, { cookie: admin.cookieHeader, origin: server.url });
    links.push(browser);
    expect((await browser.next((m) => m.type === 'snapshot')).latencyThresholdMs).toBe(100);
    expect((await admin.patch('/api/settings', { latencyThresholdMs: 25.5 })).body).toEqual({ fullMesh: false, latencyThresholdMs: 25.5, retentionHours: 24, dormantAfterSeconds: 600, ...RANGES });
    await browser.next((m) => m.type === 'layout' && m.latencyThresholdMs === 25.5, 3000);
    expect((await admin.get('/api/settings')).body.latencyThresholdMs).toBe(25.5);
    const refused = await admin.patch('/api/settings', { latencyThresholdMs: 5000 });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('must not exceed the probe timeout (3000 ms)');
    expect((await admin.patch('/api/settings', { latencyThresholdMs: 0 })).status).toBe(400);
  });
});
