import { generateAgentKeyPair, signChallenge, type AgentKeyPair } from '@meshping/node-kit';
import { decodePassphrase, encodePassphrase, encodeResults, PROTOCOL_VERSION } from '@meshping/protocol';
import { randomBytes } from 'node:crypto';
import { ApiClient } from '../../testing/api-client';
import { agentInfo, TestAgent } from '../../testing/test-agent';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { TestClient } from '../../testing/ws-client';
import { EnrollmentService } from './enrollment.service';

describe(`${EnrollmentService.name}: registration, approval, key login and hold (real server over TLS, real ws)`, () => {
  let server: TestServer;
  let admin: ApiClient;
  let passphrase: string;
  const clients: TestClient[] = [];

  const connect = async (source = '127.0.0.1') => {
    const c = await TestClient.connect(`${server.url.replace('https', 'wss')}/agent`, {}, source);
    clients.push(c);
    return c;
  };
  /** A sealed registration of these keys (TestAgent does the sealing). */
  const registerFrame = (keys: AgentKeyPair, hostname: string, secretFrom = passphrase, ts = Date.now()) =>
    new TestAgent(server.url, hostname, keys).registerFrame(secretFrom, ts);
  const keyLogin = async (keys: AgentKeyPair, hostname: string, source = '127.0.0.1') => {
    const link = await new TestAgent(server.url, hostname, keys, server.fingerprint as string).keyLogin(source);
    clients.push(link);
    return link;
  };
  const agents = async () => (await admin.get('/api/agents')).body as { id: number; hostname: string; state: string; online: boolean; ip: string }[];

  beforeAll(async () => {
    server = await startTestServer({ MESHPING_TLS: 'on' });
    admin = new ApiClient(server.url);
    await admin.post('/api/auth/setup', { setupCode: server.setupCode(), username: 'admin', password: 'admin password 1' });
    const enrollment = await admin.get('/api/enrollment');
    expect(enrollment.status).toBe(200);
    passphrase = enrollment.body.passphrase;
    expect(enrollment.body.command).toContain(passphrase);
    expect(decodePassphrase(passphrase)).toEqual({
      url: server.url,
      fingerprint: (server.fingerprint as string).replace(/:/g, ''),
      secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
  });

  afterEach(() => clients.splice(0).forEach((c) => c.close()));
  afterAll(() => server.stop());

  it('registers a new agent as pending, refuses its results, and on approval pushes the targets on the same link', async () => {
    const keys = generateAgentKeyPair();
    const c = await connect();
    c.send(registerFrame(keys, 'probe-a'));
    const pending = await c.next((m) => m.type === 'pending');
    expect((await agents()).find((a) => a.id === pending.agentId)).toMatchObject({ hostname: 'probe-a', state: 'pending', online: true, ip: '127.0.0.1' });

    c.send(encodeResults(0, [{ targetId: 1, at: Date.now(), rtt: 100 }]));
    expect((await c.next((m) => m.type === 'error')).code).toBe('not-approved');

    expect((await admin.post(`/api/agents/${pending.agentId}/approve`)).status).toBe(200);
    expect(await c.next((m) => m.type === 'welcome')).toMatchObject({ agentId: pending.agentId });
    expect((await c.next((m) => m.type === 'targets')).targets.length).toBeGreaterThan(0);
    c.send(encodeResults(1, [{ targetId: 1, at: Date.now(), rtt: 100 }]));
    await c.next((m) => m.type === 'ack' && m.seq === 1);

    // Restart: the key alone logs it in, no passphrase.
    c.close();
    const again = await keyLogin(keys, 'probe-a');
    expect(await again.next((m) => m.type === 'welcome')).toMatchObject({ agentId: pending.agentId });
  });

  it.each([
    [
      'a wrong passphrase',
      () => {
        const wrong = encodePassphrase({ ...(decodePassphrase(passphrase) as NonNullable<ReturnType<typeof decodePassphrase>>), secret: randomBytes(32).toString('base64url') });
        return registerFrame(generateAgentKeyPair(), 'x', wrong);
      },
      'does not decrypt',
    ],
    ['tampered ciphertext', () => {
      const f = registerFrame(generateAgentKeyPair(), 'x');
      const flipped = Buffer.from(f.sealed, 'base64url');
      flipped[3] ^= 1;
      return { ...f, sealed: flipped.toString('base64url') };
    }, 'does not decrypt'],
    ['a changed timestamp (authenticated data)', () => ({ ...registerFrame(generateAgentKeyPair(), 'x'), ts: Date.now() + 1 }), 'does not decrypt'],
    ['a stale timestamp', () => registerFrame(generateAgentKeyPair(), 'x', passphrase, Date.now() - 10 * 60_000), 'outside the 5-minute window'],
  ])('refuses a registration with %s, stores nothing, and says why', async (_name, frame, reason) => {
    const before = (await agents()).length;
    const c = await connect();
    c.send(frame());
    const error = await c.next((m) => m.type === 'error');
    expect(error).toMatchObject({ code: 'registration-refused', fatal: true });
    expect(error.message).toContain(reason);
    expect((await c.waitClosed()).code).toBe(4401);
    expect((await agents()).length).toBe(before);
  });

  it('refuses a replayed registration', async () => {
    const frame = registerFrame(generateAgentKeyPair(), 'probe-r');
    const first = await connect();
    first.send(frame);
    await first.next((m) => m.type === 'pending');
    const before = (await agents()).length;
    const replay = await connect();
    replay.send(frame);
    expect((await replay.next((m) => m.type === 'error')).message).toBe('replayed registration');
    expect((await agents()).length).toBe(before);
  });

  it('refuses a key login signed for another certificate (a relayed signature)', async () => {
    const keys = generateAgentKeyPair();
    const c = await connect();
    c.send(registerFrame(keys, 'probe-m'));
    const { agentId } = await c.next((m) => m.type === 'pending');
    await admin.post(`/api/agents/${agentId}/approve`);
    const relayed = await new TestAgent(server.url, 'probe-m', keys, 'AB'.repeat(32)).keyLogin();
    clients.push(relayed);
    expect((await relayed.waitClosed()).code).toBe(4401);
  });

  it('refuses a key login whose signature does not match the key', async () => {
    const keys = generateAgentKeyPair();
    const c = await connect();
    c.send(registerFrame(keys, 'probe-s'));
    await c.next((m) => m.type === 'pending');
    const impostor = await connect();
    impostor.send({ type: 'hello', protocol: PROTOCOL_VERSION, agent: agentInfo('probe-s'), auth: { kind: 'key', publicKey: keys.publicKey } });
    const { nonce } = await impostor.next((m) => m.type === 'challenge');
    impostor.send({ type: 'challenge-response', signature: signChallenge(generateAgentKeyPair().privateKeyPem, nonce, server.fingerprint as string) });
    expect((await impostor.waitClosed()).code).toBe(4401);
  });

  it('puts an approved agent on hold when its address changes, refuses its results, and resumes on re-approval', async () => {
    const keys = generateAgentKeyPair();
    const c = await connect();
    c.send(registerFrame(keys, 'probe-h'));
    const { agentId } = await c.next((m) => m.type === 'pending');
    await admin.post(`/api/agents/${agentId}/approve`);
    await c.next((m) => m.type === 'welcome');
    c.close();

    const moved = await keyLogin(keys, 'probe-h', '127.0.0.2');
    expect(await moved.next((m) => m.type === 'hold')).toMatchObject({ agentId, message: expect.stringContaining('127.0.0.2') });
    expect((await agents()).find((a) => a.id === agentId)).toMatchObject({ state: 'hold', ip: '127.0.0.2', online: true });
    moved.send(encodeResults(5, [{ targetId: 1, at: Date.now() - 1000, rtt: 55 }]));
    expect((await moved.next((m) => m.type === 'error')).code).toBe('not-approved');

    const stale = await admin.post(`/api/agents/${agentId}/approve`, { ip: '127.0.0.1' });
    expect(stale.status).toBe(409);
    expect(stale.body.message).toContain('now connects from 127.0.0.2');
    expect((await admin.post(`/api/agents/${agentId}/approve`, { ip: '127.0.0.2' })).status).toBe(200);
    await moved.next((m) => m.type === 'welcome');
    moved.send(encodeResults(5, [{ targetId: 1, at: Date.now() - 1000, rtt: 55 }]));
    await moved.next((m) => m.type === 'ack' && m.seq === 5);
    const samples = (await admin.get(`/api/pairs/${agentId}/1/samples`)).body as { rtt: number }[];
    expect(samples.map((s) => s.rtt)).toEqual([55]);
  });

  it('blacklists on reject: disconnects the agent and refuses its key and its registrations', async () => {
    const keys = generateAgentKeyPair();
    const c = await connect();
    c.send(registerFrame(keys, 'probe-b'));
    const { agentId } = await c.next((m) => m.type === 'pending');
    expect((await admin.post(`/api/agents/${agentId}/reject`)).status).toBe(200);
    expect((await c.waitClosed()).code).toBe(4403);

    const retry = await connect();
    retry.send(registerFrame(keys, 'probe-b'));
    expect((await retry.next((m) => m.type === 'error')).code).toBe('blacklisted');
    expect((await retry.waitClosed()).code).toBe(4403);
    const login = await connect();
    login.send({ type: 'hello', protocol: PROTOCOL_VERSION, agent: agentInfo('probe-b'), auth: { kind: 'key', publicKey: keys.publicKey } });
    expect((await login.waitClosed()).code).toBe(4403);
    expect((await agents()).find((a) => a.id === agentId)?.state).toBe('blacklisted');
  });

  it('does not let an agent rejected while its key challenge was open come back', async () => {
    const keys = generateAgentKeyPair();
    const c = await connect();
    c.send(registerFrame(keys, 'probe-z'));
    const { agentId } = await c.next((m) => m.type === 'pending');
    await admin.post(`/api/agents/${agentId}/approve`);
    const sneaky = await connect();
    sneaky.send({ type: 'hello', protocol: PROTOCOL_VERSION, agent: agentInfo('probe-z'), auth: { kind: 'key', publicKey: keys.publicKey } });
    const { nonce } = await sneaky.next((m) => m.type === 'challenge');
    await admin.post(`/api/agents/${agentId}/reject`); // while the challenge is open
    sneaky.send({ type: 'challenge-response', signature: signChallenge(keys.privateKeyPem, nonce, server.fingerprint as string) });
    expect((await sneaky.waitClosed()).code).toBe(4403);
    expect((await agents()).find((a) => a.id === agentId)?.state).toBe('blacklisted');
  });

  it('refuses another spelling of a key, and a registration that does not prove the private key', async () => {
    const keys = generateAgentKeyPair();
    // The last base64url character of a 44-byte key carries 2 unused bits: flip them.
    const last = keys.publicKey.at(-1) as string;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const variant = keys.publicKey.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1];
    const login = await connect();
    login.send({ type: 'hello', protocol: PROTOCOL_VERSION, agent: agentInfo('probe-v'), auth: { kind: 'key', publicKey: variant } });
    expect((await login.waitClosed()).code).toBe(4401);

    // Someone else's public key, with a proof signed by another key.
    const victim = generateAgentKeyPair();
    const forged = registerFrame({ publicKey: victim.publicKey, privateKeyPem: generateAgentKeyPair().privateKeyPem }, 'probe-f');
    const before = (await agents()).length;
    const c = await connect();
    c.send(forged);
    expect((await c.next((m) => m.type === 'error')).message).toBe('registration proof does not match the public key');
    expect((await agents()).length).toBe(before);
  });

  it('stops reading a connection after refusing it', async () => {
    const c = await connect();
    const wrong = { ...registerFrame(generateAgentKeyPair(), 'x'), sealed: 'A'.repeat(64) };
    // Four frames: as many as may wait behind a first one before authentication (more close the link at once).
    for (let i = 0; i < 4; i++) c.send({ ...wrong, nonce: `${'B'.repeat(14)}${String(i).padStart(2, '0')}` });
    await c.waitClosed();
    expect(c.received.filter((m) => m.type === 'error' && m.code === 'registration-refused')).toHaveLength(1);
  });

  it('refuses the old passphrase after a rotation', async () => {
    const old = passphrase;
    const rotated = await admin.post('/api/enrollment/rotate');
    expect(rotated.body.passphrase).not.toBe(old);
    const c = await connect();
    c.send(registerFrame(generateAgentKeyPair(), 'probe-o', old));
    expect((await c.next((m) => m.type === 'error')).message).toContain('does not decrypt');
    passphrase = rotated.body.passphrase;
    const fresh = await connect();
    fresh.send(registerFrame(generateAgentKeyPair(), 'probe-n'));
    await fresh.next((m) => m.type === 'pending');
  });

  it('audits every agent state change', async () => {
    const actions = ((await admin.get('/api/audit?limit=200')).body as { action: string }[]).map((e) => e.action);
    for (const action of ['agent.registered', 'agent.approved', 'agent.hold', 'agent.reapproved', 'agent.blacklisted', 'enrollment.passphrase-rotated']) {
      expect(actions).toContain(action);
    }
  });
});
