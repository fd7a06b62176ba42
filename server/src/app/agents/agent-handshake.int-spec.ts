import { generateAgentKeyPair, signChallenge, type AgentKeyPair } from '@meshping/node-kit';
import { MIN_PROTOCOL_VERSION, PROTOCOL_VERSION, type AgentHello } from '@meshping/protocol';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_TOKEN_FILE } from '../../infra/local-trust/local-trust.service';
import { ApiClient } from '../../testing/api-client';
import { agentInfo, TestAgent } from '../../testing/test-agent';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { AgentHandshakeService, type HandshakeDecision, type KeyChallenge, type RegisterMessage } from './agent-handshake.service';
import { AgentsService } from './agents.service';

const ADMIN = { id: null, username: 'test' };

/**
 * The handshake's decisions, asked directly of the service in the real server (TLS on, real SQLite
 * file): what the agent link is told to do for each hello, registration and challenge answer.
 * enrollment.int-spec.ts and agent.gateway.int-spec.ts check the same paths over real sockets.
 */
describe(`${AgentHandshakeService.name} (real server over TLS, real SQLite file)`, () => {
  let server: TestServer;
  let handshake: AgentHandshakeService;
  let agents: AgentsService;
  let passphrase: string;

  const keyHello = (keys: AgentKeyPair, hostname = 'probe', protocol = PROTOCOL_VERSION): AgentHello => ({
    type: 'hello',
    protocol,
    agent: agentInfo(hostname),
    auth: { kind: 'key', publicKey: keys.publicKey },
  });
  const registration = (keys: AgentKeyPair, hostname: string) => new TestAgent(server.url, hostname, keys).registerFrame(passphrase) as RegisterMessage;
  const sign = (keys: AgentKeyPair, c: KeyChallenge) => signChallenge(keys.privateKeyPem, c.nonce, server.fingerprint as string);
  /** Opens a key login and returns its challenge (failing the test if there is none). */
  const challenged = async (keys: AgentKeyPair, remote = '192.0.2.10'): Promise<KeyChallenge> => {
    const d = await handshake.open(keyHello(keys), remote);
    if (d.kind !== 'challenge') throw new Error(`expected a challenge, got ${JSON.stringify(d)}`);
    expect(d.reply).toEqual({ type: 'challenge', nonce: d.challenge.nonce });
    expect(d.challenge.nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    return d.challenge;
  };
  const login = async (keys: AgentKeyPair, remote = '192.0.2.10'): Promise<HandshakeDecision> => {
    const c = await challenged(keys, remote);
    return handshake.answer(c, sign(keys, c), remote);
  };
  const registered = async (hostname: string, remote = '192.0.2.10') => {
    const keys = generateAgentKeyPair();
    const d = await handshake.open(registration(keys, hostname), remote);
    if (d.kind !== 'waiting') throw new Error(`expected pending, got ${JSON.stringify(d)}`);
    return { keys, agentId: d.agentId };
  };
  const stateOf = async (id: number) => (await agents.findById(id))?.state;

  beforeAll(async () => {
    server = await startTestServer({ MESHPING_TLS: 'on' });
    handshake = server.app.get(AgentHandshakeService);
    agents = server.app.get(AgentsService);
    const admin = new ApiClient(server.url);
    await admin.post('/api/auth/setup', { setupCode: server.setupCode(), username: 'admin', password: 'admin password 1' });
    passphrase = (await admin.get('/api/enrollment')).body.passphrase;
  });

  afterAll(() => server.stop());

  it('refuses a protocol outside the range it speaks, before anything else, and stores nothing', async () => {
    const before = (await agents.list()).length;
    for (const protocol of [MIN_PROTOCOL_VERSION - 1, PROTOCOL_VERSION + 1]) {
      expect(await handshake.open(keyHello(generateAgentKeyPair(), 'old', protocol), '192.0.2.10')).toEqual({
        kind: 'refused',
        close: 'PROTOCOL',
        reason: `protocol ${protocol} not supported; the server speaks ${MIN_PROTOCOL_VERSION} to ${PROTOCOL_VERSION}`,
        announce: true,
      });
    }
    expect((await agents.list()).length).toBe(before);
  });

  it('approves the local agent with the trust token (one agent however often), refuses a wrong token with a warning', async () => {
    const token = readFileSync(join(server.dataDir, LOCAL_TOKEN_FILE), 'utf8');
    const hello = (t: string): AgentHello => ({ type: 'hello', protocol: PROTOCOL_VERSION, agent: agentInfo('server-host'), auth: { kind: 'local-token', token: t } });
    expect(await handshake.open(hello('x'.repeat(token.length)), '127.0.0.1')).toEqual({
      kind: 'refused',
      close: 'UNAUTHORISED',
      reason: 'authentication refused',
      error: { code: 'auth-refused', message: "the local trust token is not this server's" },
      warning: { event: 'agent.auth-refused', detail: { hostname: 'server-host', reason: 'bad local token' } },
      announce: true,
    });
    const first = await handshake.open(hello(token), '127.0.0.1');
    expect(first).toEqual({ kind: 'approved', agentId: expect.any(Number) });
    expect(await handshake.open(hello(token), '127.0.0.1')).toEqual(first);
    expect((await agents.list()).filter((a) => a.local)).toHaveLength(1);
  });

  it('refuses a key that is not canonical, and one that is not enrolled', async () => {
    expect(await handshake.open({ ...keyHello(generateAgentKeyPair()), auth: { kind: 'key', publicKey: randomBytes(44).toString('base64url') } }, '192.0.2.10')).toEqual({
      kind: 'refused',
      close: 'UNAUTHORISED',
      reason: 'not a canonical Ed25519 public key',
      announce: true,
    });
    expect(await handshake.open(keyHello(generateAgentKeyPair()), '192.0.2.10')).toEqual({
      kind: 'refused',
      close: 'UNAUTHORISED',
      reason: 'unknown key',
      error: { code: 'unknown-key', message: 'this key is not enrolled: register with the join passphrase' },
      announce: true,
    });
  });

  it('registers a sealed registration as pending, refuses it replayed and a second registration of the key', async () => {
    const keys = generateAgentKeyPair();
    const frame = registration(keys, 'probe-new');
    const d = await handshake.open(frame, '192.0.2.11');
    expect(d).toEqual({
      kind: 'waiting',
      agentId: expect.any(Number),
      reply: { type: 'pending', agentId: (d as { agentId: number }).agentId, message: 'registered: waiting for an admin to approve this agent' },
      registered: { hostname: 'probe-new' },
    });
    const agentId = (d as { agentId: number }).agentId;
    expect(await agents.findById(agentId)).toMatchObject({ state: 'pending', ip: '192.0.2.11', publicKey: keys.publicKey });
    expect(await handshake.open(frame, '192.0.2.11')).toEqual({
      kind: 'refused',
      close: 'UNAUTHORISED',
      reason: 'registration refused',
      error: { code: 'registration-refused', message: 'replayed registration' },
      warning: { event: 'agent.registration-refused', detail: { reason: 'replayed registration' } },
      announce: false,
    });
    expect(await handshake.open(registration(keys, 'probe-new'), '192.0.2.11')).toEqual({
      kind: 'refused',
      close: 'UNAUTHORISED',
      reason: 'already registered',
      error: { code: 'already-registered', message: 'this key is enrolled: authenticate with it (hello, kind "key")' },
      announce: false,
    });
  });

  it('challenges an enrolled key: a bad signature is refused; a pending agent waits; an approved one is approved', async () => {
    const { keys, agentId } = await registered('probe-key');
    const c = await challenged(keys);
    expect(await handshake.answer(c, sign(generateAgentKeyPair(), c), '192.0.2.10')).toEqual({
      kind: 'refused',
      close: 'UNAUTHORISED',
      reason: 'authentication refused',
      warning: { event: 'agent.auth-refused', detail: { agentId, reason: 'bad signature' } },
      announce: true,
    });
    expect(await login(keys)).toEqual({ kind: 'waiting', agentId, reply: { type: 'pending', agentId, message: 'waiting for an admin to approve this agent' } });
    await agents.approve(agentId, ADMIN, null);
    expect(await login(keys)).toEqual({ kind: 'approved', agentId });
    expect(await stateOf(agentId)).toBe('approved');
  });

  it('puts an approved agent that logs in from a new address on hold, and it stays held until approved again', async () => {
    const { keys, agentId } = await registered('probe-moved', '192.0.2.20');
    await agents.approve(agentId, ADMIN, null);
    expect(await login(keys, '192.0.2.20')).toEqual({ kind: 'approved', agentId });
    const hold = { kind: 'waiting', agentId, reply: { type: 'hold', agentId, message: "on hold: the agent's address changed to 192.0.2.21; an admin must re-approve it" } };
    expect(await login(keys, '192.0.2.21')).toEqual(hold);
    expect(await agents.findById(agentId)).toMatchObject({ state: 'hold', ip: '192.0.2.21' });
    expect(await login(keys, '192.0.2.21')).toEqual(hold);
    await agents.approve(agentId, ADMIN, null, '192.0.2.21');
    expect(await login(keys, '192.0.2.21')).toEqual({ kind: 'approved', agentId });
  });

  it('refuses a blacklisted key at hello, at its answer and when it registers again; a key deleted while challenged is gone', async () => {
    const blacklisted = (agentId: number) => ({
      kind: 'refused',
      close: 'BLACKLISTED',
      reason: 'blacklisted',
      error: { code: 'blacklisted', message: 'this agent was rejected by an admin' },
      warning: { event: 'agent.blacklisted-refused', detail: { agentId } },
      announce: false,
    });
    const a = await registered('probe-bad');
    const open = await challenged(a.keys);
    await agents.reject(a.agentId, ADMIN, null);
    expect(await handshake.answer(open, sign(a.keys, open), '192.0.2.10')).toEqual(blacklisted(a.agentId));
    expect(await handshake.open(keyHello(a.keys), '192.0.2.10')).toEqual(blacklisted(a.agentId));
    expect(await handshake.open(registration(a.keys, 'probe-bad'), '192.0.2.10')).toEqual(blacklisted(a.agentId));

    const b = await registered('probe-gone');
    const c = await challenged(b.keys);
    await agents.remove(b.agentId, ADMIN, null);
    expect(await handshake.answer(c, sign(b.keys, c), '192.0.2.10')).toEqual({ kind: 'refused', close: 'DELETED', reason: 'this agent was deleted', announce: true });
  });
});
