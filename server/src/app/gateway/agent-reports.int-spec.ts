import { encodeResultsFrame, MAX_RTT_US, PROBE_INTERVAL_MS, PROTOCOL_VERSION } from '@meshping/protocol';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_TOKEN_FILE } from '../../infra/local-trust/local-trust.service';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { TestClient } from '../../testing/ws-client';
import { MonitoringService } from '../monitoring/monitoring.service';
import { RetentionService } from '../retention/retention.service';
import { AgentGateway } from './agent.gateway';

const DAY = 86_400_000;

describe(`${AgentGateway.name}: an approved agent's reports are bounded to what it can have measured (real server, real SQLite file)`, () => {
  let server: TestServer;
  let agent: TestClient;
  let agentId: number;
  let targets: { id: number }[];
  let monitoring: MonitoringService;
  let seq = 0;

  /** Sends a frame and waits for its ack; resolves with the error that came before it, if any. */
  async function deliver(frame: unknown, s: number): Promise<{ code: string; message: string } | null> {
    agent.send(frame);
    await agent.next((m) => m.type === 'ack' && m.seq === s);
    return agent.received.find((m) => m.type === 'error' && m.message.includes(` ${s}:`)) ?? null;
  }

  beforeAll(async () => {
    server = await startTestServer();
    monitoring = server.app.get(MonitoringService);
    const token = readFileSync(join(server.dataDir, LOCAL_TOKEN_FILE), 'utf8');
    agent = await TestClient.connect(`${server.url.replace('http', 'ws')}/agent`);
    agent.send({ type: 'hello', protocol: PROTOCOL_VERSION, agent: { hostname: 'local', version: '1', addresses: [] }, auth: { kind: 'local-token', token } });
    agentId = (await agent.next((m) => m.type === 'welcome')).agentId;
    targets = (await agent.next((m) => m.type === 'targets')).targets;
  });
  afterAll(async () => {
    agent.close();
    await server.stop();
  });

  it('refuses a dropped report outside [now - 7 days, now + skew] or counting more than the targets can yield, records nothing of it, and acks it', async () => {
    const now = Date.now();
    // The report of the attack: the whole epoch, 2^53 - 1 samples. Refused by the message's own rule.
    agent.send({ type: 'dropped', seq: ++seq, from: 0, to: 8.64e15, samples: Number.MAX_SAFE_INTEGER });
    expect((await agent.next((m) => m.type === 'error' && m.code === 'bad-message')).message).toContain('to - from must be at most');
    const refused = [
      { from: now - 8 * DAY, to: now - 8 * DAY + 3_600_000, samples: 10, why: 'older than the longest buffer window' },
      { from: now - 3_600_000, to: now + 3_600_000, samples: 10, why: 'is in the future' },
      // Two targets, one hour: 2 x (720 + 1 + 2) at most.
      { from: now - 2 * 3_600_000, to: now - 3_600_000, samples: 2 * 723 + 1, why: 'more than the 1446' },
    ];
    for (const r of refused) {
      const s = ++seq;
      const error = await deliver({ type: 'dropped', seq: s, from: r.from, to: r.to, samples: r.samples }, s);
      expect(error).toMatchObject({ code: 'batch-rejected' });
      expect(error?.message).toContain(r.why);
    }
    expect(await monitoring.gaps(agentId, 0, now + DAY)).toEqual([]);

    // What an agent can have dropped is recorded: 2 targets x 721 intervals of 5 s in the hour.
    const s = ++seq;
    expect(await deliver({ type: 'dropped', seq: s, from: now - 2 * 3_600_000, to: now - 3_600_000, samples: 2 * 723 }, s)).toBeNull();
    expect(await monitoring.gaps(agentId, 0, now + DAY)).toEqual([{ from: now - 2 * 3_600_000, to: now - 3_600_000 + 1, reason: 'dropped', samples: 2 * 723 }]);
  });

  it('refuses a batch with more than one sample per probe interval (plus slack) of a pair whole, and caps what arrives one sample per batch', async () => {
    const pair = targets[0].id;
    const from = Date.now() - 20 * 60_000;
    const flood = Array.from({ length: 10_000 }, (_, i) => ({ targetId: pair, at: from + i, rtt: 1 }));
    const s = ++seq;
    const error = await deliver(encodeResultsFrame(s, flood), s);
    expect(error).toMatchObject({ code: 'batch-rejected' });
    expect(error?.message).toContain(`target ${pair}: 5000 samples within 5000 ms`);
    expect((await monitoring.pairSince(agentId, pair, from - 1)).at).toEqual([]);

    // The same flood one sample per frame: the store keeps at most three in any interval.
    const from2 = from + 60_000;
    for (let i = 0; i < 50; i++) {
      const t = ++seq;
      expect(await deliver(encodeResultsFrame(t, [{ targetId: pair, at: from2 + i, rtt: 1 }]), t)).toBeNull();
    }
    expect((await monitoring.pairSince(agentId, pair, from2 - 1)).at).toEqual([from2, from2 + 1, from2 + 2]);
    // A normal round per interval, with one phase shift, is stored whole.
    const rounds = [0, 1, 2, 3].map((k) => ({ targetId: pair, at: from2 + 30_000 + k * PROBE_INTERVAL_MS, rtt: 500 }));
    rounds.push({ targetId: pair, at: from2 + 30_000 + 2 * PROBE_INTERVAL_MS + 2_500, rtt: 600 });
    const t = ++seq;
    expect(await deliver(encodeResultsFrame(t, rounds), t)).toBeNull();
    expect((await monitoring.pairSince(agentId, pair, from2 + 29_999)).at).toHaveLength(5);
  });

  it(`refuses an RTT longer than the probe timeout allows (${MAX_RTT_US} µs)`, async () => {
    const at = Date.now() - 10 * 60_000;
    const s = ++seq;
    agent.send(encodeResultsFrame(s, [{ targetId: targets[1].id, at, rtt: MAX_RTT_US + 1 }]));
    expect((await agent.next((m) => m.type === 'error' && m.code === 'bad-frame' && m.message.includes('rtt.0'))).message).toBe(`rtt.0: must be an integer from -3 to ${MAX_RTT_US}`);
    expect((await monitoring.pairSince(agentId, targets[1].id, at - 1)).at).toEqual([]);
  });

  it('retention removes dropped records that ended before its cutoff, like samples', async () => {
    const now = Date.now();
    const s = ++seq;
    expect(await deliver({ type: 'dropped', seq: s, from: now - 3 * DAY, to: now - 3 * DAY + 60_000, samples: 2 }, s)).toBeNull();
    const recent = ++seq;
    expect(await deliver({ type: 'dropped', seq: recent, from: now - 5 * 3_600_000, to: now - 5 * 3_600_000 + 60_000, samples: 2 }, recent)).toBeNull();
    expect(await monitoring.gaps(agentId, now - 4 * DAY, now - 2 * DAY)).toHaveLength(1);
    const result = await server.app.get(RetentionService).enforceRetention(48);
    expect(result.droppedGaps).toBe(1);
    expect(await monitoring.gaps(agentId, now - 4 * DAY, now - 2 * DAY)).toEqual([]);
    // The one from five hours ago is within the 48 hours and stays.
    expect(await monitoring.gaps(agentId, now - 6 * 3_600_000, now - 4 * 3_600_000)).toEqual([
      { from: now - 5 * 3_600_000, to: now - 5 * 3_600_000 + 60_001, reason: 'dropped', samples: 2 },
    ]);
  });
});
