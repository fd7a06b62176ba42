import { ApiClient } from '../../testing/api-client';
import { TestAgent } from '../../testing/test-agent';
import { startTestServer, type TestServer } from '../../testing/test-server';
import type { TestClient } from '../../testing/ws-client';
import { AgentGateway } from './agent.gateway';

describe(`${AgentGateway.name}: lastSeenAt of connected agents (real server over TLS, real ws)`, () => {
  let server: TestServer;
  let admin: ApiClient;
  let passphrase: string;
  const links: TestClient[] = [];
  const lastSeenAt = async (id: number) => ((await admin.get('/api/agents')).body as { id: number; lastSeenAt: number; state: string; online: boolean }[]).find((a) => a.id === id);

  beforeAll(async () => {
    // Links silent for 0.5 s are pinged (a quarter of 2 s): the agent's pongs are its only traffic on hold.
    server = await startTestServer({ MESHPING_TLS: 'on', MESHPING_AGENT_OFFLINE_SECONDS: '2' });
    admin = new ApiClient(server.url);
    await admin.post('/api/auth/setup', { setupCode: server.setupCode(), username: 'admin', password: 'admin password 1' });
    passphrase = (await admin.get('/api/enrollment')).body.passphrase;
  });
  afterAll(async () => {
    links.forEach((l) => l.close());
    await server.stop();
  });

  it('advances lastSeenAt of an agent on hold (and of a pending one) while it stays connected, with nothing but pongs from it', async () => {
    const probe = new TestAgent(server.url, 'probe-moving', undefined, server.fingerprint as string);
    const { link: first, agentId } = await probe.register(passphrase);
    await admin.post(`/api/agents/${agentId}/approve`);
    await first.next((m) => m.type === 'welcome');
    first.close();
    await first.waitClosed();

    const moved = await probe.keyLogin('127.0.0.2');
    links.push(moved);
    await moved.next((m) => m.type === 'hold');
    const pending = await new TestAgent(server.url, 'probe-new', undefined, server.fingerprint as string).register(passphrase, '127.0.0.3');
    links.push(pending.link);

    const held = await lastSeenAt(agentId);
    const waiting = await lastSeenAt(pending.agentId);
    expect(held).toMatchObject({ state: 'hold', online: true });
    expect(waiting).toMatchObject({ state: 'pending', online: true });
    // Several liveness rounds (pings every 0.5 s, answered by the ws client's automatic pongs).
    await new Promise((r) => setTimeout(r, 2_500));
    const heldLater = await lastSeenAt(agentId);
    const waitingLater = await lastSeenAt(pending.agentId);
    expect(heldLater).toMatchObject({ state: 'hold', online: true });
    expect((heldLater?.lastSeenAt ?? 0) > (held?.lastSeenAt ?? 0)).toBe(true);
    expect((waitingLater?.lastSeenAt ?? 0) > (waiting?.lastSeenAt ?? 0)).toBe(true);
    expect(moved.closed).toBeNull();
  });

  it('says a link the server found dead was last seen when it was last heard from, not when the server noticed', async () => {
    const probe = new TestAgent(server.url, 'probe-silent', undefined, server.fingerprint as string);
    const { link, agentId } = await probe.register(passphrase, '127.0.0.4');
    links.push(link);
    await admin.post(`/api/agents/${agentId}/approve`);
    await link.next((m) => m.type === 'welcome');
    // The agent falls silent: it reads nothing more, so it answers no ping (a cut cable, a frozen host).
    const silentFrom = Date.now();
    link.socket.pause();
    let gone: Awaited<ReturnType<typeof lastSeenAt>>;
    for (;;) {
      gone = await lastSeenAt(agentId);
      if (!gone?.online) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const noticedAt = Date.now();
    // Noticed after 1.5 s of silence (2 s timeout less its margin) ...
    expect(noticedAt - silentFrom).toBeGreaterThanOrEqual(1_000);
    // ... and last seen before the silence began (its last pong or frame), which "agent silent since" quotes.
    expect(gone?.lastSeenAt).toBeLessThanOrEqual(silentFrom + 50);
    expect(gone?.lastSeenAt).toBeGreaterThanOrEqual(silentFrom - 1_000);
  });
});
