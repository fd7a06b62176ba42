import { Test, type TestingModule } from '@nestjs/testing';
import { systemClock } from '@meshping/node-kit';
import { PROBE_INTERVAL_MS, PROTOCOL_VERSION, RttCode, type AgentToServer } from '@meshping/protocol';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentModule } from '../agent.module';
import { loadAgentConfig, type AgentConfig } from '../config/agent-config';
import { FakeProber } from '../probe/fake-prober';
import { PROBER } from '../probe/prober';
import { PROBE_PHASE_MS, ProbeScheduler } from '../scheduler/probe-scheduler';
import { ProtocolPeer } from '../testing/protocol-peer';
import { waitFor } from '../testing/wait-for';
import { bufferFilePath, saveBuffer, takeSavedBuffer } from '../uplink/buffer-store';
import { ResultBuffer } from '../uplink/result-buffer';
import { UplinkService } from '../uplink/uplink.service';
import { WAKE_SENDER } from '../wol/wake-on-lan';
import { AgentRuntime } from './agent-runtime';

const target = (id: number, address: string) => ({ id, address, name: null });
const welcome = () => ({ type: 'welcome' as const, protocol: PROTOCOL_VERSION, agentId: 7, serverTime: Date.now() });
type Results = Extract<AgentToServer, { type: 'results' }>;
const isResults = (m: AgentToServer): m is Results => m.type === 'results';

describe(`${AgentRuntime.name}: the real agent module, the fake prober, a protocol peer (real WebSocket)`, () => {
  let peer: ProtocolPeer;
  let moduleRef: TestingModule | undefined;
  let runtime: AgentRuntime;
  let config: AgentConfig;
  let stateDir: string;
  let prober: FakeProber;
  const wakes: [string, string | undefined][] = [];

  /** The agent's module as the daemon builds it, its first probe round about a second away. */
  async function build(probe: { answers?: Record<string, number>; delayMs?: number } = {}): Promise<void> {
    await peer.ready();
    stateDir = mkdtempSync(join(tmpdir(), 'meshping-runtime-'));
    writeFileSync(join(stateDir, 'token'), 'a'.repeat(43));
    config = loadAgentConfig({ MESHPING_SERVER_URL: peer.url, MESHPING_AGENT_TOKEN_FILE: join(stateDir, 'token'), MESHPING_AGENT_STATE_DIR: stateDir });
    prober = new FakeProber(probe.answers, probe.delayMs);
    wakes.length = 0;
    moduleRef = await Test.createTestingModule({
      imports: [AgentModule.forRoot(config, { prober: { provide: PROBER, useValue: prober } })],
    })
      .overrideProvider(PROBE_PHASE_MS)
      .useValue((Date.now() + 1_000) % PROBE_INTERVAL_MS)
      .overrideProvider(WAKE_SENDER)
      .useValue(async (mac: string, broadcast?: string) => {
        wakes.push([mac, broadcast]);
        if (mac === '00:00:00:00:00:01') throw new Error('Network is unreachable');
      })
      .compile();
    runtime = moduleRef.get(AgentRuntime);
  }
  const get = <T>(type: new (...args: never[]) => T): T => (moduleRef as TestingModule).get(type);

  afterEach(async () => {
    await moduleRef?.close(); // the shutdown hooks halt the runtime and close the link
    moduleRef = undefined;
    await peer?.close();
  });

  it('starts in order: the saved buffer restored, the prober opened, the schedule, then the link; the restored results go out first', async () => {
    peer = new ProtocolPeer((p) => p.send(welcome()));
    await build();
    // What the previous run could not deliver.
    const previous = new ResultBuffer(systemClock);
    previous.add({ targetId: 1, at: Date.now() - 60_000, rtt: 4321 });
    saveBuffer(stateDir, previous.snapshot(), config.MESHPING_SERVER_URL, Date.now());
    const calls = [
      jest.spyOn(get(ResultBuffer), 'restore'),
      jest.spyOn(prober, 'open'),
      jest.spyOn(get(ProbeScheduler), 'start'),
      jest.spyOn(get(UplinkService), 'start'),
    ];
    runtime.start();
    expect(calls.map((c) => c.mock.calls.length)).toEqual([1, 1, 1, 1]);
    const order = calls.map((c) => c.mock.invocationCallOrder[0]);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(existsSync(bufferFilePath(stateDir))).toBe(false); // taken over by this run
    expect(runtime.status().buffer.restored).toBe(1);
    const first = await peer.until(isResults);
    expect(first.rtt).toEqual([4321]);
  });

  it("routes the server's commands: the target list and its changes to the scheduler, wake to the Wake-on-LAN sender", async () => {
    peer = new ProtocolPeer((p) => {
      p.send(welcome());
      p.send({ type: 'targets', version: 3, targets: [target(1, '192.0.2.1'), target(2, '192.0.2.2')] });
    });
    await build();
    runtime.start();
    await waitFor(() => runtime.status().targetsVersion === 3);
    expect(get(ProbeScheduler).currentTargets().map((t) => t.id)).toEqual([1, 2]);
    expect(runtime.status()).toMatchObject({ connection: 'connected', agentId: 7, targets: 2 });

    peer.send({ type: 'targets-changed', from: 3, version: 4, upserted: [target(9, '2001:db8::9')], removed: [1] });
    await waitFor(() => runtime.status().targetsVersion === 4);
    expect(get(ProbeScheduler).currentTargets().map((t) => t.id)).toEqual([2, 9]);

    // A change for another version than the one held: not applied, the whole list asked for.
    peer.send({ type: 'targets-changed', from: 6, version: 7, upserted: [target(5, '192.0.2.5')], removed: [] });
    await peer.until((m): m is Extract<AgentToServer, { type: 'targets-request' }> => m.type === 'targets-request');
    expect(runtime.status().targetsVersion).toBe(4);
    expect(get(ProbeScheduler).currentTargets().map((t) => t.id)).toEqual([2, 9]);

    peer.send({ type: 'wake', mac: '00:11:22:aa:bb:cc', broadcast: '192.0.2.255' });
    await waitFor(() => wakes.length === 1);
    expect(wakes[0]).toEqual(['00:11:22:aa:bb:cc', '192.0.2.255']);
    peer.send({ type: 'wake', mac: '00:00:00:00:00:01' });
    await waitFor(() => runtime.status().lastError !== null);
    expect(wakes[1]).toEqual(['00:00:00:00:00:01', undefined]);
    expect(runtime.status().lastError).toBe('Wake-on-LAN for 00:00:00:00:00:01 failed: Network is unreachable');
  });

  it("feeds the scheduler's results through the buffer to the server, and acknowledged ones leave the buffer", async () => {
    peer = new ProtocolPeer((p) => {
      p.send(welcome());
      p.send({ type: 'targets', version: 1, targets: [target(1, '192.0.2.1'), target(2, '192.0.2.2')] });
    });
    peer.onMessage = (m) => {
      if (m.type === 'results') peer.send({ type: 'ack', seq: m.seq });
    };
    await build({ answers: { '192.0.2.1': 1500 } });
    runtime.start();
    const sent: Results[] = [];
    await waitFor(() => {
      sent.splice(0, sent.length, ...peer.received.filter(isResults));
      return new Set(sent.flatMap((r) => r.target)).size === 2;
    }, 10_000);
    const rtts = new Map(sent.flatMap((r) => r.target.map((t, i) => [t, r.rtt[i]] as const)));
    expect(rtts).toEqual(new Map([[1, 1500], [2, RttCode.NO_REPLY]]));
    await waitFor(() => runtime.status().buffer.depth === 0);
    expect(runtime.status().buffer.produced).toBeGreaterThanOrEqual(2);
  });

  it('keeps measuring into its buffer while on hold and sends it, oldest first, once re-approved', async () => {
    peer = new ProtocolPeer((p) => p.send(welcome()));
    await build();
    runtime.start();
    await waitFor(() => runtime.status().connection === 'connected');
    peer.send({ type: 'hold', agentId: 7, message: 'on hold: address changed' });
    await waitFor(() => runtime.status().connection === 'hold');
    const buffer = get(ResultBuffer);
    buffer.add({ targetId: 1, at: Date.now() - 2000, rtt: 111 });
    buffer.add({ targetId: 1, at: Date.now() - 1000, rtt: 222 });
    await new Promise((r) => setTimeout(r, 1500)); // a flush interval passes: sealed, but not sent
    expect(peer.received.filter(isResults)).toHaveLength(0);

    peer.send(welcome());
    const drained = await peer.until(isResults);
    expect(drained.rtt).toEqual([111, 222]);
  });

  it('stops in order: probes in flight settle, what was measured is sent and acknowledged, the link closes, nothing is left to keep', async () => {
    peer = new ProtocolPeer((p) => {
      p.send(welcome());
      p.send({ type: 'targets', version: 1, targets: [target(1, '192.0.2.1')] });
    });
    peer.onMessage = (m) => {
      if (m.type === 'results') peer.send({ type: 'ack', seq: m.seq });
    };
    // A reply that takes 600 ms: the stop comes while the probe is out.
    await build({ answers: { '192.0.2.1': 777 }, delayMs: 600 });
    runtime.start();
    await waitFor(() => prober.sent.length === 1, 10_000);
    const settle = jest.spyOn(get(ProbeScheduler), 'stopAndSettle');
    const close = jest.spyOn(get(UplinkService), 'close');
    const unacknowledged = await runtime.stop(5_000);
    expect(unacknowledged).toBe(0);
    // The probe's outcome reached the server before the link closed.
    expect(peer.received.filter(isResults).flatMap((r) => r.rtt)).toEqual([777]);
    expect(settle.mock.invocationCallOrder[0]).toBeLessThan(close.mock.invocationCallOrder[0]);
    expect(existsSync(bufferFilePath(stateDir))).toBe(false);
    expect(runtime.status().connection).toBe('stopped');
    await waitFor(() => peer.socket?.readyState === peer.socket?.CLOSED);
  });

  it('on a stop the server does not acknowledge, gives up at the drain bound and keeps the rest in unacknowledged.json', async () => {
    peer = new ProtocolPeer((p) => p.send(welcome()));
    await build();
    runtime.start();
    await waitFor(() => runtime.status().connection === 'connected');
    get(ResultBuffer).add({ targetId: 1, at: Date.now() - 400, rtt: 654 });
    const started = Date.now();
    expect(await runtime.stop(300)).toBe(1);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(peer.received.filter(isResults).flatMap((r) => r.rtt)).toEqual([654]); // sent, never acknowledged
    const kept = takeSavedBuffer(stateDir, config.MESHPING_SERVER_URL);
    expect(kept?.results).toHaveLength(1);
  });

  it('stops when the server rejects it: the fatal listener hears why, the status says stopped', async () => {
    peer = new ProtocolPeer((p) => p.send({ type: 'error', code: 'blacklisted', message: 'rejected by an admin', fatal: true }));
    await build();
    const fatal: string[] = [];
    runtime.onFatal((message) => fatal.push(message));
    runtime.start();
    await waitFor(() => fatal.length === 1);
    expect(fatal[0]).toContain('blacklisted');
    const status = runtime.status();
    expect(status).toMatchObject({ connection: 'stopped', lastError: fatal[0] });
    // A snapshot: changing it changes nothing in the agent.
    status.buffer.depth = 99;
    status.lastError = null;
    expect(runtime.status()).toMatchObject({ lastError: fatal[0], buffer: { depth: 0 } });
  });
});
