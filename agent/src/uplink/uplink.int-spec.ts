import { Test, type TestingModule } from '@nestjs/testing';
import type { Clock } from '@meshping/node-kit';
import { systemClock } from '@meshping/node-kit';
import { PROTOCOL_VERSION, type AgentToServer } from '@meshping/protocol';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentModule } from '../agent.module';
import { loadAgentConfig } from '../config/agent-config';
import { FakeProber } from '../probe/fake-prober';
import { PROBER } from '../probe/prober';
import { ProbeScheduler } from '../scheduler/probe-scheduler';
import { ProtocolPeer } from '../testing/protocol-peer';
import { waitFor } from '../testing/wait-for';
import { ResultBuffer } from './result-buffer';
import type { UplinkEvents } from './uplink-events';
import { UplinkService, type UplinkTiming } from './uplink.service';

const target = (id: number, address: string) => ({ id, address, name: null });
const welcome = () => ({ type: 'welcome' as const, protocol: PROTOCOL_VERSION, agentId: 7, serverTime: Date.now() });

describe(`${UplinkService.name} against a protocol peer (real WebSocket)`, () => {
  let peer: ProtocolPeer;
  let uplink: UplinkService;
  let buffer: ResultBuffer;
  let moduleRef: TestingModule | undefined;
  /** Every event the link emitted, in order. */
  let events: { name: keyof UplinkEvents; payload: unknown }[];

  /** The link alone (no runtime): what it does by itself, and what it leaves to its listeners. */
  async function start(clock: Clock = systemClock, timing?: UplinkTiming): Promise<void> {
    await peer.ready();
    const dir = mkdtempSync(join(tmpdir(), 'meshping-agent-'));
    writeFileSync(join(dir, 'token'), 'a'.repeat(43));
    const config = loadAgentConfig({ MESHPING_SERVER_URL: peer.url, MESHPING_AGENT_TOKEN_FILE: join(dir, 'token') });
    // The agent's real module, with the clock given and the fake prober behind PROBER.
    moduleRef = await Test.createTestingModule({
      imports: [AgentModule.forRoot(config, { clock, timing, prober: { provide: PROBER, useValue: new FakeProber() } })],
    }).compile();
    buffer = moduleRef.get(ResultBuffer);
    uplink = moduleRef.get(UplinkService);
    events = [];
    const names: (keyof UplinkEvents)[] = ['connected', 'disconnected', 'pending', 'hold', 'rejected', 'targets', 'targets-changed', 'wake', 'server-error'];
    for (const name of names) uplink.on(name, (payload) => events.push({ name, payload }));
    uplink.start();
  }
  const named = (name: keyof UplinkEvents) => events.filter((e) => e.name === name).map((e) => e.payload);

  afterEach(async () => {
    await moduleRef?.close(); // the shutdown hooks close the link
    moduleRef = undefined;
    await peer?.close();
  });

  it("says hello with the local token, reports pending, hold and welcome as states and events, and emits the server's commands by type without acting on them", async () => {
    peer = new ProtocolPeer((p) => p.send({ type: 'pending', agentId: 7, message: 'awaiting approval' }));
    await start();
    const hello = await peer.until((m): m is Extract<AgentToServer, { type: 'hello' }> => m.type === 'hello');
    expect(hello.auth).toEqual({ kind: 'local-token', token: 'a'.repeat(43) });
    await waitFor(() => uplink.state().connection === 'pending');
    expect(uplink.connected).toBe(false);
    peer.send(welcome());
    await waitFor(() => uplink.connected);
    expect(uplink.state()).toMatchObject({ connection: 'connected', agentId: 7 });
    peer.send({ type: 'hold', agentId: 7, message: 'on hold: address changed' });
    await waitFor(() => uplink.state().connection === 'hold');
    expect(uplink.connected).toBe(false);

    peer.socket?.send('{"type":"targets","version":"three"}'); // invalid: dropped, the link carries on
    peer.send({ type: 'targets', version: 3, targets: [target(1, '192.0.2.1')] });
    peer.send({ type: 'targets-changed', from: 3, version: 4, upserted: [], removed: [1] });
    peer.send({ type: 'wake', mac: '00:11:22:aa:bb:cc', broadcast: '192.0.2.255' });
    await waitFor(() => named('wake').length === 1);
    expect(events.map((e) => e.name)).toEqual(['pending', 'connected', 'hold', 'targets', 'targets-changed', 'wake']);
    expect(named('targets')).toEqual([{ type: 'targets', version: 3, targets: [target(1, '192.0.2.1')] }]);
    expect(named('wake')).toEqual([{ type: 'wake', mac: '00:11:22:aa:bb:cc', broadcast: '192.0.2.255' }]);
    // Routing them is the runtime's (not started here): the link touched no other part.
    expect(moduleRef?.get(ProbeScheduler).currentTargets()).toEqual([]);
  });

  it('resends unacknowledged results after a reconnect, oldest first, and drops acknowledged ones', async () => {
    peer = new ProtocolPeer((p) => p.send(welcome()));
    await start();
    await waitFor(() => uplink.connected);
    buffer.add({ targetId: 1, at: Date.now() - 3000, rtt: 100 });
    buffer.seal();
    buffer.add({ targetId: 1, at: Date.now() - 2000, rtt: 200 });
    buffer.seal();
    buffer.ack(0);
    peer.socket?.terminate(); // the server goes away without acknowledging seq 1
    await waitFor(() => peer.connections === 2, 10_000);
    const resent = await peer.until((m): m is Extract<AgentToServer, { type: 'results' }> => m.type === 'results');
    expect(resent.seq).toBe(1);
    expect(resent.rtt).toEqual([200]);
    expect(peer.binaryResults).toBeGreaterThan(0); // results travel as binary frames
    // The server's ack releases it from the buffer.
    peer.send({ type: 'ack', seq: 1 });
    await waitFor(() => buffer.settled());
  });

  it('drops a link on which the server fell silent within its bound, says so, and redials; pings keep a quiet link', async () => {
    let pinger: NodeJS.Timeout | undefined;
    peer = new ProtocolPeer((p) => {
      p.send(welcome());
      // The first connection is pinged (a live but quiet server); the second gets nothing after welcome.
      if (p.connections === 1) pinger = setInterval(() => p.socket?.ping(), 300);
    });
    await start(systemClock, { serverSilentMs: 1_500 });
    await waitFor(() => uplink.connected);
    await new Promise((r) => setTimeout(r, 4_000));
    expect(peer.connections).toBe(1);
    clearInterval(pinger);
    await waitFor(() => peer.connections === 2, 10_000);
    await waitFor(() => uplink.connected);
    await waitFor(() => !uplink.connected, 10_000); // silent since its welcome
    const reason = uplink.state().disconnectReason;
    expect(reason).toMatch(/^the server was silent for \d+ s \(no frame, no ping\): link presumed dead$/);
    expect(named('disconnected').at(-1)).toEqual({ reason });
  });

  it("names the server's own close as the reason, not a buffer it never filled", async () => {
    peer = new ProtocolPeer((p) => {
      p.send(welcome());
      setTimeout(() => p.socket?.close(4001, 'replaced by a newer connection of this agent'), 200);
    });
    await start();
    await waitFor(() => uplink.state().disconnectReason !== null);
    expect(uplink.state().disconnectReason).toBe('closed by the server (4001): replaced by a newer connection of this agent');
    expect(named('disconnected')[0]).toEqual({ reason: 'closed by the server (4001): replaced by a newer connection of this agent' });
  });

  it('reports a refusal as the server error, then as rejected, and does not redial', async () => {
    peer = new ProtocolPeer((p) => p.send({ type: 'error', code: 'auth-refused', message: 'not this server\'s token', fatal: true }));
    await start();
    await waitFor(() => named('rejected').length === 1);
    expect(events.map((e) => e.name)).toEqual(['server-error', 'rejected']);
    expect(named('rejected')[0]).toEqual({ message: expect.stringContaining('the server refused the local trust token') });
    await new Promise((r) => setTimeout(r, 1_500)); // past the first back-off step
    expect(peer.connections).toBe(1);
  });

  it('once winding down (a planned stop), does not redial a lost link', async () => {
    peer = new ProtocolPeer((p) => p.send(welcome()));
    await start();
    await waitFor(() => uplink.connected);
    uplink.windDown();
    peer.socket?.terminate();
    await waitFor(() => named('disconnected').length === 1);
    await new Promise((r) => setTimeout(r, 1_500)); // past the first back-off step
    expect(peer.connections).toBe(1);
    expect(uplink.state().connection).toBe('disconnected');
  });
});
