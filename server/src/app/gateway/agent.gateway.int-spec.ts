import { encodeResults, encodeResultsFrame, PROTOCOL_VERSION, RttCode } from '@meshping/protocol';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { DATABASE_FILE } from '../../infra/database/database.module';
import { LOCAL_TOKEN_FILE } from '../../infra/local-trust/local-trust.service';
import { ApiClient } from '../../testing/api-client';
import { readStoredSamples } from '../../testing/stored-samples';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { TestClient } from '../../testing/ws-client';
import { AgentGateway } from './agent.gateway';

async function readRows(file: string): Promise<{ agent_id: number; target_id: number; at: number; rtt: number }[]> {
  const stored = await readStoredSamples(file);
  expect(stored.duplicates).toEqual([]);
  return stored.all.sort((a, b) => a.target_id - b.target_id || a.at - b.at);
}

describe(`${AgentGateway.name} (real server on port 0, real SQLite file, real ws clients)`, () => {
  let dataDir: string;
  let server: TestServer;
  let token: string;
  let admin: ApiClient;
  const clients: TestClient[] = [];
  const ws = (path: string, headers: Record<string, string> = {}) =>
    TestClient.connect(server.url.replace('http', 'ws') + path, headers).then((c) => (clients.push(c), c));
  const browserSocket = () => ws('/live', { cookie: admin.cookieHeader, origin: server.url });
  const hello = (t = token) => ({
    type: 'hello',
    protocol: PROTOCOL_VERSION,
    agent: { hostname: 'test-agent', version: '0.1.0', addresses: ['192.0.2.7'] },
    auth: { kind: 'local-token', token: t },
  });

  beforeAll(async () => {
    server = await startTestServer();
    dataDir = server.dataDir;
    token = readFileSync(join(dataDir, LOCAL_TOKEN_FILE), 'utf8');
    admin = new ApiClient(server.url);
    const setup = await admin.post('/api/auth/setup', { setupCode: server.setupCode(), username: 'admin', password: 'admin password 1' });
    expect(setup.status).toBe(200);
  });

  afterEach(() => clients.splice(0).forEach((c) => c.close()));

  afterAll(() => server.stop());

  it('refuses a hello whose hostname holds a bidi control (full mesh would copy it into a target name), naming it; stores no agent', async () => {
    const agent = await ws('/agent');
    agent.send({ ...hello(), agent: { ...hello().agent, hostname: 'probe\u202Egnp' } });
    const error = await agent.next((m) => m.type === 'error');
    expect(error).toMatchObject({ code: 'closing', message: expect.stringContaining('agent.hostname: hostname must not contain control or format characters (U+202E at 5)') });
    const agents = (await admin.get('/api/agents')).body as { hostname: string }[];
    expect(agents.some((a) => a.hostname.includes('\u202E'))).toBe(false);
  });

  it('keeps the local trust token readable by the server user only', () => {
    expect(statSync(join(dataDir, LOCAL_TOKEN_FILE)).mode & 0o777).toBe(0o600);
  });

  it("passes an operator's Wake-on-LAN request to the connected agent, audited; refuses a bad MAC address", async () => {
    const agent = await ws('/agent');
    agent.send(hello());
    const { agentId } = await agent.next((m) => m.type === 'welcome');
    const bad = await admin.post(`/api/agents/${agentId}/wake`, { mac: '00:11:22:aa:bb' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('mac must be a MAC address');
    const res = await admin.post(`/api/agents/${agentId}/wake`, { mac: '00-11-22-AA-BB-CC', broadcast: '192.0.2.255' });
    expect(res.status).toBe(202);
    expect(await agent.next((m) => m.type === 'wake')).toEqual({ type: 'wake', mac: '00:11:22:aa:bb:cc', broadcast: '192.0.2.255' });
    const audit = await admin.get('/api/audit');
    expect(audit.body.find((e: { action: string }) => e.action === 'agent.wake')).toMatchObject({
      subject: `agent:${agentId}`,
      detail: { mac: '00:11:22:aa:bb:cc', broadcast: '192.0.2.255' },
    });
    expect((await admin.post('/api/agents/9999/wake', { mac: '00:11:22:aa:bb:cc' })).status).toBe(404);
  });

  it('stores results in the SQLite file exactly once, acknowledges them, and pushes them to browsers', async () => {
    const browser = await browserSocket();
    await browser.next((m) => m.type === 'snapshot');

    const agent = await ws('/agent');
    agent.send(hello());
    const welcome = await agent.next((m) => m.type === 'welcome');
    const { targets } = await agent.next((m) => m.type === 'targets');
    expect(targets.map((t: { address: string }) => t.address)).toEqual(['127.0.0.1', '::1']);

    const at = Date.now() - 1000;
    const batch = encodeResults(0, [
      { targetId: targets[0].id, at, rtt: 412 },
      { targetId: targets[1].id, at: at + 2500, rtt: RttCode.NO_REPLY },
    ]);
    agent.send(batch);
    await agent.next((m) => m.type === 'ack' && m.seq === 0);
    agent.send({ ...batch, seq: 1 }); // the same samples again, as after a reconnect
    await agent.next((m) => m.type === 'ack' && m.seq === 1);

    const rows = await readRows(join(dataDir, DATABASE_FILE));
    expect(rows).toEqual([
      { agent_id: welcome.agentId, target_id: targets[0].id, at, rtt: 412 },
      { agent_id: welcome.agentId, target_id: targets[1].id, at: at + 2500, rtt: -1 },
    ]);

    // The new agent reaches browsers as a layout (JSON), its cells as a binary delta of 16 bytes a cell.
    // The layout that shows it online: one from before its login (the previous test's agent going offline) may come first.
    const live = await browser.next((m) => m.type === 'layout' && m.agents.length === 1 && m.agents[0].online);
    expect(live.agents[0]).toMatchObject({ id: welcome.agentId, hostname: 'test-agent', online: true, local: true });
    const first = await browser.next((m) => m.type === 'delta' && m.cells.length === 8);
    expect(first.cells).toEqual([welcome.agentId, targets[0].id, at, 412, welcome.agentId, targets[1].id, at + 2500, -1]);
    expect(first.bytes).toBe(20 + 2 * 16);
    expect(first.seq).toBe(live.seq + 1);
    // A browser that asks to resync gets the whole grid as a binary snapshot.
    browser.send({ type: 'resync' });
    const again = await browser.next((m) => m.type === 'snapshot' && m.cells.length === 8);
    expect(again).toMatchObject({ agents: [expect.objectContaining({ id: welcome.agentId })], latencyThresholdMs: 100 });

    const grid = (await admin.get('/api/grid')).body;
    expect(grid.cells).toEqual([welcome.agentId, targets[0].id, at, 412, welcome.agentId, targets[1].id, at + 2500, -1]);

    agent.send(encodeResults(2, [{ targetId: targets[0].id, at: at + 5000, rtt: 377 }]));
    const delta = await browser.next((m) => m.type === 'delta' && m.cells.includes(377));
    expect(delta.cells).toEqual([welcome.agentId, targets[0].id, at + 5000, 377]);
  });

  it('answers a bad frame with an error, stores nothing of it, and keeps serving the connection', async () => {
    const agent = await ws('/agent');
    agent.send(hello());
    const { targets } = await agent.next((m) => m.type === 'targets');
    const before = (await readRows(join(dataDir, DATABASE_FILE))).length;

    agent.send('{"type":"results", "seq": 5, "base": 0, "target": [1], "dt": [0]}');
    const error = await agent.next((m) => m.type === 'error' && m.code === 'bad-message');
    expect(error.message).toContain('rtt');

    // Valid shape, but an unknown target: the whole batch is refused, nothing of it is stored.
    agent.send(encodeResults(6, [
      { targetId: targets[0].id, at: Date.now(), rtt: 100 },
      { targetId: 9999, at: Date.now(), rtt: 100 },
    ]));
    const rejected = await agent.next((m) => m.type === 'error' && m.code === 'batch-rejected');
    expect(rejected.message).toContain('unknown target id 9999');
    expect((await readRows(join(dataDir, DATABASE_FILE))).length).toBe(before);

    agent.send(encodeResults(7, [{ targetId: targets[0].id, at: Date.now(), rtt: 99 }]));
    await agent.next((m) => m.type === 'ack' && m.seq === 7);
    expect((await readRows(join(dataDir, DATABASE_FILE))).length).toBe(before + 1);
  });

  it('takes results as binary frames (protocol 2): stored once, also when resent as JSON; a bad one is refused alone', async () => {
    const agent = await ws('/agent');
    agent.send(hello());
    const { agentId, protocol } = await agent.next((m) => m.type === 'welcome');
    expect(protocol).toBe(PROTOCOL_VERSION);
    const { targets } = await agent.next((m) => m.type === 'targets');
    const before = (await readRows(join(dataDir, DATABASE_FILE))).length;
    const at = Date.now() - 60_000; // clear of the other tests' samples (same local agent)
    const samples = [
      { targetId: targets[0].id, at, rtt: 1234 },
      { targetId: targets[1].id, at: at + 2500, rtt: RttCode.NO_REPLY },
    ];
    agent.send(encodeResultsFrame(20, samples));
    await agent.next((m) => m.type === 'ack' && m.seq === 20);
    agent.send(encodeResultsFrame(21, samples)); // resent after a reconnect
    agent.send(encodeResults(22, samples)); // and once more as JSON
    await agent.next((m) => m.type === 'ack' && m.seq === 22);
    const rows = (await readRows(join(dataDir, DATABASE_FILE))).filter((r) => r.agent_id === agentId && r.at >= at && r.at <= at + 2500);
    expect(rows).toEqual([
      { agent_id: agentId, target_id: targets[0].id, at, rtt: 1234 },
      { agent_id: agentId, target_id: targets[1].id, at: at + 2500, rtt: -1 },
    ]);

    // Cut short: refused with the reason, nothing of it stored, the link keeps serving.
    const whole = encodeResultsFrame(23, [{ targetId: targets[0].id, at: at + 5000, rtt: 1 }]);
    agent.send(whole.subarray(0, whole.byteLength - 1));
    const error = await agent.next((m) => m.type === 'error' && m.code === 'bad-frame');
    expect(error.message).toBe('results frame: sample 0 is cut short or holds a varint over 8 bytes');
    agent.send(encodeResultsFrame(24, [{ targetId: targets[0].id, at: at + 10_000, rtt: 5 }]));
    await agent.next((m) => m.type === 'ack' && m.seq === 24);
    expect((await readRows(join(dataDir, DATABASE_FILE))).length).toBe(before + 3);
  });

  it('still speaks protocol 1 (JSON results) to an older agent, and refuses versions it does not know', async () => {
    const old = await ws('/agent');
    old.send({ ...hello(), protocol: 1 });
    expect(await old.next((m) => m.type === 'welcome')).toMatchObject({ protocol: 1 });
    const { targets } = await old.next((m) => m.type === 'targets');
    old.send(encodeResults(30, [{ targetId: targets[0].id, at: Date.now() - 500, rtt: 300 }]));
    await old.next((m) => m.type === 'ack' && m.seq === 30);

    const future = await ws('/agent');
    future.send({ ...hello(), protocol: PROTOCOL_VERSION + 1 });
    expect(await future.waitClosed()).toEqual({ code: 4400, reason: `protocol ${PROTOCOL_VERSION + 1} not supported; the server speaks 1 to ${PROTOCOL_VERSION}` });
  });

  it('refuses an agent with a wrong token and one that sends results before hello', async () => {
    const intruder = await ws('/agent');
    intruder.send(hello('b'.repeat(43)));
    expect(await intruder.waitClosed()).toEqual({ code: 4401, reason: 'authentication refused' });

    const eager = await ws('/agent');
    eager.send(encodeResults(0, [{ targetId: 1, at: Date.now(), rtt: 1 }]));
    expect((await eager.waitClosed()).code).toBe(4401);
    const binary = await ws('/agent');
    binary.send(encodeResultsFrame(0, [{ targetId: 1, at: Date.now(), rtt: 1 }]));
    expect((await binary.waitClosed()).code).toBe(4402);
  });

  it('keeps an agent online when an older link of it closes after a newer one authenticated', async () => {
    const first = await ws('/agent');
    first.send(hello());
    const { agentId } = await first.next((m) => m.type === 'welcome');
    const second = await ws('/agent');
    second.send(hello());
    await second.next((m) => m.type === 'welcome');
    expect((await first.waitClosed()).code).toBe(4409); // replaced
    const agents = (await admin.get('/api/agents')).body as { id: number; online: boolean }[];
    expect(agents.find((a) => a.id === agentId)?.online).toBe(true);
    second.close();
    await second.waitClosed();
    await new Promise((r) => setTimeout(r, 100));
    const after = (await admin.get('/api/agents')).body as { id: number; online: boolean }[];
    expect(after.find((a) => a.id === agentId)?.online).toBe(false);
  });

  it('handles frames in order: a heartbeat right behind the hello is not taken for "before hello"', async () => {
    const agent = await ws('/agent');
    agent.send(hello());
    agent.send({ type: 'heartbeat', at: Date.now() });
    agent.send(hello());
    await agent.next((m) => m.type === 'welcome');
    const again = await agent.next((m) => m.type === 'error');
    expect(again).toMatchObject({ code: 'bad-message', message: 'already authenticated' });
    expect(agent.closed).toBeNull();
    expect(agent.received.filter((m) => m.type === 'welcome')).toHaveLength(1);
  });

  it('marks an agent offline when its link goes silent (no pongs), within the configured timeout', async () => {
    const quick = await startTestServer({ MESHPING_AGENT_OFFLINE_SECONDS: '2' });
    try {
      // A half-open link: the socket stays up but never answers pings.
      const silent = new WebSocket(quick.url.replace('http', 'ws') + '/agent', { autoPong: false });
      await new Promise((r) => silent.once('open', r));
      const quickToken = readFileSync(join(quick.dataDir, LOCAL_TOKEN_FILE), 'utf8');
      silent.send(JSON.stringify(hello(quickToken)));
      const viewer = new ApiClient(quick.url);
      await viewer.post('/api/auth/setup', { setupCode: quick.setupCode(), username: 'admin', password: 'admin password 1' });
      const online = async () => ((await viewer.get('/api/agents')).body as { online: boolean }[])[0]?.online;
      await new Promise((r) => setTimeout(r, 300));
      expect(await online()).toBe(true);
      const closed = new Promise((r) => silent.once('close', r));
      await closed; // terminated by the server within 2 s of silence
      await new Promise((r) => setTimeout(r, 100));
      expect(await online()).toBe(false);
    } finally {
      await quick.stop();
    }
  });

  it('notices a silent agent link within the timeout after the last frame it heard, not up to a check later', async () => {
    const quick = await startTestServer({ MESHPING_AGENT_OFFLINE_SECONDS: '8' });
    try {
      const silent = new WebSocket(quick.url.replace('http', 'ws') + '/agent', { autoPong: false });
      await new Promise((r) => silent.once('open', r));
      const closed = new Promise<number>((r) => silent.once('close', () => r(Date.now())));
      silent.send(JSON.stringify(hello(readFileSync(join(quick.dataDir, LOCAL_TOKEN_FILE), 'utf8'))));
      const lastFrameAt = Date.now(); // nothing after the hello; pings go unanswered
      // The bound is the documented behaviour (MESHPING_AGENT_OFFLINE_SECONDS), not a measurement.
      expect((await closed) - lastFrameAt).toBeLessThanOrEqual(8_000);
    } finally {
      await quick.stop();
    }
  });

  it('pings a quiet agent link but not one that streams results and gets acks', async () => {
    const quick = await startTestServer({ MESHPING_AGENT_OFFLINE_SECONDS: '2' }); // checks every 0.25 s
    try {
      const link = new WebSocket(quick.url.replace('http', 'ws') + '/agent');
      await new Promise((r) => link.once('open', r));
      const messages: { type: string; targets?: { id: number }[] }[] = [];
      link.on('message', (data) => messages.push(JSON.parse(data.toString())));
      let pings = 0;
      link.on('ping', () => pings++);
      link.send(JSON.stringify(hello(readFileSync(join(quick.dataDir, LOCAL_TOKEN_FILE), 'utf8'))));
      const until = async (ok: () => boolean) => {
        for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
      };
      await until(() => messages.some((m) => m.type === 'targets'));
      const target = messages.find((m) => m.type === 'targets')?.targets?.[0]?.id as number;
      // Busy: a batch every 200 ms for 2.5 s (five liveness checks), each acknowledged.
      pings = 0;
      for (let seq = 0; seq < 12; seq++) {
        link.send(JSON.stringify(encodeResults(seq, [{ targetId: target, at: Date.now() - 100, rtt: 300 + seq }])));
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(messages.filter((m) => m.type === 'ack')).toHaveLength(12);
      expect(pings).toBe(0);
      // Quiet: pinged within two checks, and the link (which answers) stays open.
      await until(() => pings > 0);
      expect(pings).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 2500));
      expect(link.readyState).toBe(WebSocket.OPEN);
      link.close();
    } finally {
      await quick.stop();
    }
  });
});
