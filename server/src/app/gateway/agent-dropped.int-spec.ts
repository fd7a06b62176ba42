import { PROTOCOL_VERSION } from '@meshping/protocol';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_TOKEN_FILE } from '../../infra/local-trust/local-trust.service';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { TestClient } from '../../testing/ws-client';
import { MonitoringService } from '../monitoring/monitoring.service';
import { AgentGateway } from './agent.gateway';

const MIN = 60_000;

interface Report {
  type: 'dropped';
  seq: number;
  from: number;
  to: number;
  samples: number;
  replaces?: number;
}

describe(`${AgentGateway.name}: a dropped span is counted once, whatever acks are lost (real server, real SQLite file, real ws links)`, () => {
  let server: TestServer;
  let monitoring: MonitoringService;
  let agentId: number;
  let token: string;
  const links: TestClient[] = [];

  /** A new link of the local agent, as after a reconnect: hello, welcome. */
  async function link(protocol = PROTOCOL_VERSION): Promise<TestClient> {
    const client = await TestClient.connect(`${server.url.replace('http', 'ws')}/agent`);
    links.push(client);
    client.send({ type: 'hello', protocol, agent: { hostname: 'local', version: '1', addresses: [] }, auth: { kind: 'local-token', token } });
    agentId = (await client.next((m) => m.type === 'welcome')).agentId;
    return client;
  }

  async function droppedGaps(): Promise<{ from: number; to: number; samples: number | null }[]> {
    const now = Date.now();
    return (await monitoring.gaps(agentId, now - 3_600_000, now + 3_600_000)).filter((g) => g.reason === 'dropped').map(({ from, to, samples }) => ({ from, to, samples }));
  }

  /**
   * The server records the report, and the link is cut before the agent reads its ack: the socket
   * is torn down (no close handshake) as soon as the record is in the database, and whatever ack
   * was on its way is never read, so the agent still holds the report as unacknowledged.
   */
  async function recordedThenCut(client: TestClient, report: Report): Promise<void> {
    client.socket.on('message', () => undefined);
    client.send(report);
    const deadline = Date.now() + 5_000;
    while (!(await droppedGaps()).some((g) => g.to === report.to + 1 && g.samples === report.samples)) {
      if (Date.now() > deadline) throw new Error(`report ${report.seq} was never recorded`);
      await new Promise((r) => setTimeout(r, 5));
    }
    client.socket.terminate();
    await client.waitClosed();
  }

  /** Sends the report and waits for its ack; fails on an error frame about it. */
  async function deliver(client: TestClient, report: Report): Promise<void> {
    client.send(report);
    await client.next((m) => m.type === 'ack' && m.seq === report.seq);
    expect(client.received.filter((m) => m.type === 'error')).toEqual([]);
  }

  beforeAll(async () => {
    server = await startTestServer();
    monitoring = server.app.get(MonitoringService);
    token = readFileSync(join(server.dataDir, LOCAL_TOKEN_FILE), 'utf8');
  });
  afterEach(() => {
    for (const l of links.splice(0)) l.close();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('replaces a recorded report by its extensions (new seq, `replaces`) after lost acks: one gap record, the true count', async () => {
    const t0 = Date.now() - 40 * MIN;
    // An outage: 60 results dropped (recorded, ack lost), then 60 more (that extension recorded,
    // ack lost again), then 60 more: 180 results in all, from t0 to t0 + 15 min.
    const first: Report = { type: 'dropped', seq: 10, from: t0, to: t0 + 5 * MIN, samples: 60 };
    await recordedThenCut(await link(), first);
    expect(await droppedGaps()).toEqual([{ from: t0, to: t0 + 5 * MIN + 1, samples: 60 }]);

    await recordedThenCut(await link(), { type: 'dropped', seq: 11, from: t0, to: t0 + 10 * MIN, samples: 120, replaces: 10 });
    expect(await droppedGaps()).toEqual([{ from: t0, to: t0 + 10 * MIN + 1, samples: 120 }]);

    const last = await link();
    const whole: Report = { type: 'dropped', seq: 12, from: t0, to: t0 + 15 * MIN, samples: 180, replaces: 10 };
    await deliver(last, whole);
    const expected = [{ from: t0, to: t0 + 15 * MIN + 1, samples: 180 }];
    expect(await droppedGaps()).toEqual(expected);
    // The same report again (its ack lost, resent as it was), or an older version arriving late: still once.
    await deliver(last, whole);
    await deliver(last, first);
    await deliver(last, { ...whole, seq: 13, samples: 170 });
    expect(await droppedGaps()).toEqual(expected);

    // After that ack, the next drops are another outage: a record of their own, next to it.
    await deliver(last, { type: 'dropped', seq: 30, from: t0 + 20 * MIN, to: t0 + 21 * MIN, samples: 24 });
    expect(await droppedGaps()).toEqual([...expected, { from: t0 + 20 * MIN, to: t0 + 21 * MIN + 1, samples: 24 }]);
  });

  it('still records reports of an agent without `replaces` (protocol 1), and counts one resent after a lost ack once', async () => {
    const before = await droppedGaps();
    const t0 = Date.now() - 10 * MIN;
    const report: Report = { type: 'dropped', seq: 3, from: t0, to: t0 + MIN, samples: 24 };
    await recordedThenCut(await link(1), report);
    await deliver(await link(1), report);
    expect(await droppedGaps()).toEqual([...before, { from: t0, to: t0 + MIN + 1, samples: 24 }]);
  });
});
