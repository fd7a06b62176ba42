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
import { ResultBuffer } from './result-buffer';
import { UplinkService, type UplinkTiming } from './uplink.service';
import * as wol from '../wol/wake-on-lan';

const target = (id: number, address: string) => ({ id, address, name: null });

describe(`${UplinkService.name} against a protocol peer (real WebSocket)`, () => {
  let peer: ProtocolPeer;
  let uplink: UplinkService;
  let scheduler: ProbeScheduler;
  let buffer: ResultBuffer;
  let moduleRef: TestingModule | undefined;

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
    scheduler = moduleRef.get(ProbeScheduler);
    uplink = moduleRef.get(UplinkService);
    uplink.start();
  }

  afterEach(async () => {
    await moduleRef?.close(); // the shutdown hooks stop the uplink
    moduleRef = undefined;
    await peer?.close();
  });

  it('applies incremental target changes in step, and asks for the full list when out of step', async () => {
    peer = new ProtocolPeer((p) => {
      p.send({ type: 'welcome', protocol: PROTOCOL_VERSION, agentId: 7, serverTime: Date.now() });
      p.send({ type: 'targets', version: 3, targets: [target(1, '192.0.2.1'), target(2, '192.0.2.2')] });
    });
    await start();
    const hello = await peer.until((m): m is Extract<AgentToServer, { type: 'hello' }> => m.type === 'hello');
    expect(hello.auth).toEqual({ kind: 'local-token', token: 'a'.repeat(43) });
    await waitFor(() => uplink.targetsVersion === 3);

    peer.send({ type: 'targets-changed', from: 3, version: 4, upserted: [target(9, '2001:db8::9')], removed: [1] });
    await waitFor(() => uplink.targetsVersion === 4);
    expect(scheduler.currentTargets().map((t) => t.id)).toEqual([2, 9]);

    peer.send({ type: 'targets-changed', from: 6, version: 7, upserted: [target(5, '192.0.2.5')], removed: [] });
    await peer.until((m): m is Extract<AgentToServer, { type: 'targets-request' }> => m.type === 'targets-request');
    expect(uplink.targetsVersion).toBe(4);
    expect(scheduler.currentTargets().map((t) => t.id)).toEqual([2, 9]);
  });

  it('keeps measuring into its buffer while on hold and drains it, oldest first, once re-approved', async () => {
    peer = new ProtocolPeer((p) => {
      p.send({ type: 'welcome', protocol: PROTOCOL_VERSION, agentId: 7, serverTime: Date.now() });
    });
    await start();
    await waitFor(() => uplink.connected);
    peer.send({ type: 'hold', agentId: 7, message: 'on hold: address changed' });
    await waitFor(() => !uplink.connected);
    buffer.add({ targetId: 1, at: Date.now() - 2000, rtt: 111 });
    buffer.add({ targetId: 1, at: Date.now() - 1000, rtt: 222 });
    await new Promise((r) => setTimeout(r, 1500)); // a flush interval passes: sealed, but not sent
    expect(peer.received.filter((m) => m.type === 'results')).toHaveLength(0);

    peer.send({ type: 'welcome', protocol: PROTOCOL_VERSION, agentId: 7, serverTime: Date.now() });
    const drained = await peer.until((m): m is Extract<AgentToServer, { type: 'results' }> => m.type === 'results');
    expect(drained.rtt).toEqual([111, 222]);
  });

  it('sends a Wake-on-LAN packet when the server asks', async () => {
    const sent = jest.spyOn(wol, 'sendMagicPacket').mockResolvedValue();
    peer = new ProtocolPeer((p) => p.send({ type: 'welcome', protocol: PROTOCOL_VERSION, agentId: 7, serverTime: Date.now() }));
    await start();
    await waitFor(() => uplink.connected);
    peer.send({ type: 'wake', mac: '00:11:22:aa:bb:cc', broadcast: '192.0.2.255' });
    await waitFor(() => sent.mock.calls.length === 1);
    expect(sent).toHaveBeenCalledWith('00:11:22:aa:bb:cc', '192.0.2.255');
    sent.mockRestore();
  });

  it('resends unacknowledged results after a reconnect, oldest first, and drops acknowledged ones', async () => {
    let connections = 0;
    peer = new ProtocolPeer((p) => {
      connections += 1;
      p.send({ type: 'welcome', protocol: PROTOCOL_VERSION, agentId: 7, serverTime: Date.now() });
    });
    await start();
    await waitFor(() => uplink.connected);
    buffer.add({ targetId: 1, at: Date.now() - 3000, rtt: 100 });
    buffer.seal();
    buffer.add({ targetId: 1, at: Date.now() - 2000, rtt: 200 });
    buffer.seal();
    buffer.ack(0);
    peer.socket?.terminate(); // the server goes away without acknowledging seq 1
    await waitFor(() => connections === 2, 10_000);
    const resent = await peer.until((m): m is Extract<AgentToServer, { type: 'results' }> => m.type === 'results');
    expect(resent.seq).toBe(1);
    expect(resent.rtt).toEqual([200]);
    expect(peer.binaryResults).toBeGreaterThan(0); // results travel as binary frames
  });

  it('drops a link on which the server fell silent within its bound, says so, and redials; pings keep a quiet link', async () => {
    let connections = 0;
    let pinger: NodeJS.Timeout | undefined;
    peer = new ProtocolPeer((p) => {
      connections += 1;
      p.send({ type: 'welcome', protocol: PROTOCOL_VERSION, agentId: 7, serverTime: Date.now() });
      // The first connection is pinged (a live but quiet server); the second gets nothing after welcome.
      if (connections === 1) pinger = setInterval(() => p.socket?.ping(), 300);
    });
    await start(systemClock, { serverSilentMs: 1_500 });
    await waitFor(() => uplink.connected);
    await new Promise((r) => setTimeout(r, 4_000));
    expect(connections).toBe(1);
    clearInterval(pinger);
    await waitFor(() => connections === 2, 10_000);
    await waitFor(() => uplink.connected);
    await waitFor(() => !uplink.connected, 10_000); // silent since its welcome
    expect(uplink.disconnectReason).toMatch(/^the server was silent for \d+ s \(no frame, no ping\): link presumed dead$/);
    expect(uplink.lastError).toBe(uplink.disconnectReason);
  });

  it("names the server's own close as the reason, not a buffer it never filled", async () => {
    peer = new ProtocolPeer((p) => {
      p.send({ type: 'welcome', protocol: PROTOCOL_VERSION, agentId: 7, serverTime: Date.now() });
      setTimeout(() => p.socket?.close(4001, 'replaced by a newer connection of this agent'), 200);
    });
    await start();
    await waitFor(() => uplink.disconnectReason !== null);
    expect(uplink.disconnectReason).toBe('closed by the server (4001): replaced by a newer connection of this agent');
  });

  it('on a planned stop sends what is buffered and waits (bounded) for the acks', async () => {
    let acking = true;
    peer = new ProtocolPeer((p) => p.send({ type: 'welcome', protocol: PROTOCOL_VERSION, agentId: 7, serverTime: Date.now() }));
    peer.onMessage = (m) => {
      if (acking && (m.type === 'results' || m.type === 'dropped')) peer.send({ type: 'ack', seq: m.seq });
    };
    await start();
    await waitFor(() => uplink.connected);
    buffer.add({ targetId: 1, at: Date.now() - 500, rtt: 321 });
    expect(await uplink.drain(5_000)).toBe(0);
    expect(peer.received.some((m) => m.type === 'results' && m.rtt.includes(321))).toBe(true);
    expect(buffer.settled()).toBe(true);

    // A server that stops acknowledging: the drain gives up at its bound and says what is left.
    acking = false;
    buffer.add({ targetId: 1, at: Date.now() - 400, rtt: 654 });
    expect(await uplink.drain(300)).toBe(1);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
