import {
  approveAgent,
  createMaintenanceWindow,
  createNotificationChannel,
  getEnrollment,
  getGrid,
  getIncident,
  listAgents,
  listIncidents,
  listNotificationDeliveries,
  listPairSamples,
  listTargets,
  type IncidentDto,
} from '@meshping/api-client';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess } from './agent-process';
import { MeshNetwork } from './mesh-network';
import { ServerProcess } from './server-process';
import { until } from './wait';

/**
 * Alerts end to end, on a real network: three built agents, each in a namespace of its own, probe
 * two targets (namespaces too) over one bridge with real ICMP, and stream to a built server with
 * the default rules (nothing configured but a webhook). The test breaks the network and reads what
 * the server concludes, through its API and a real HTTP receiver it starts for the webhook:
 *
 * - target t1 taken off the network: exactly one "target down" incident naming all three agents
 *   (not three "path" incidents, not one per agent), notified; back on: that one incident resolves,
 *   once, and the receiver is told;
 * - agent a3's link cut while the receiver is down: exactly one "agent silent" incident and no
 *   target incident; its notification is retried and delivered once the receiver is back, and the
 *   delivery log shows the failed attempt;
 * - target t2 down under a maintenance window: the incident opens (shown), nobody is notified.
 *
 * Deliveries are checked for the HMAC signature the channel's secret gives.
 */
const AGENTS = ['a1', 'a2', 'a3'];
const TARGETS = ['t1', 't2'];
const SECRET = 'the webhook secret of this test';

interface Delivery {
  event: string;
  incident: { id: number; kind: string; causeKey: string; state: string; agentIds: number[]; targetIds: number[]; title: string };
}

/** A real webhook receiver on the host: keeps what it gets; `down()` closes its port (connection refused), `up()` opens the same port again. */
class Receiver {
  readonly got: Delivery[] = [];
  readonly badSignatures: string[] = [];
  private server: Server | null = null;
  port = 0;

  async up(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const expected = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
        if (req.headers['x-meshping-signature'] !== expected) this.badSignatures.push(body);
        else this.got.push(JSON.parse(body) as Delivery);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  about(incidentId: number): string[] {
    return this.got.filter((d) => d.incident.id === incidentId).map((d) => d.event);
  }
}

describe('alerts on a real network (namespaced agents and targets, real ICMP, built server, a real webhook receiver)', () => {
  let net: MeshNetwork;
  let server: ServerProcess;
  const agents: AgentProcess[] = [];
  const receiver = new Receiver();
  const stateDir = mkdtempSync(join(tmpdir(), 'meshping-e2e-alerts-'));

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await server?.stop();
    await receiver.down();
    await net?.remove();
    rmSync(stateDir, { recursive: true, force: true });
  });

  const detail = () => `server log (last 40 lines):\n${server.log.slice(-40).join('\n')}`;
  const incidents = async () => listIncidents({ client: server.api, query: { limit: 100 } });
  const wait = <T>(what: string, probe: () => Promise<T | undefined | false | null>, timeoutMs: number) => until(what, probe, timeoutMs, { intervalMs: 1_000, detail });

  it('opens one incident per cause, names who sees it, resolves it once, notifies (retrying a receiver that was down), and stays quiet under maintenance', async () => {
    net = await MeshNetwork.create([...AGENTS, ...TARGETS]);
    const address = (name: string) => net.host(name).address;
    // TLS on: enrollment needs it (the passphrase carries the certificate fingerprint agents pin).
    server = await ServerProcess.start({
      MESHPING_TLS: 'on',
      MESHPING_HOST: net.hostAddress,
      MESHPING_INITIAL_TARGETS: TARGETS.map(address).join(','),
    });
    await receiver.up();
    await createNotificationChannel({ client: server.api, body: { name: 'ops', kind: 'webhook', url: `http://127.0.0.1:${receiver.port}/hook`, secret: SECRET } });

    // Three agents enroll with the passphrase, from their own namespaces; an admin approves them.
    const { passphrase } = await getEnrollment({ client: server.api });
    for (const name of AGENTS) {
      const dir = join(stateDir, name);
      agents.push(
        AgentProcess.start(
          { MESHPING_PASSPHRASE: passphrase, MESHPING_AGENT_STATE_DIR: dir, MESHPING_AGENT_HOSTNAME: name, MESHPING_AGENT_CONFIG: join(dir, 'none.json') },
          net.host(name).namespace,
        ),
      );
    }
    const pending = await wait('three pending agents', async () => {
      const rows = (await listAgents({ client: server.api })).filter((a) => a.state === 'pending');
      return rows.length === AGENTS.length ? rows : undefined;
    }, 60_000);
    for (const a of pending) await approveAgent({ client: server.api, path: { id: a.id }, body: {} });
    const agentId = new Map((await listAgents({ client: server.api })).map((a) => [a.hostname, a.id]));
    const targetId = new Map((await listTargets({ client: server.api })).map((t) => [t.address, t.id]));
    const idOf = (target: string) => targetId.get(address(target)) as number;
    const allAgents = AGENTS.map((a) => agentId.get(a) as number).sort((x, y) => x - y);
    expect(allAgents.every(Number.isInteger)).toBe(true);
    // Every pair answering before anything breaks, and no incident yet.
    await wait('every pair answering', async () => (await pairsAnswering()) === AGENTS.length * TARGETS.length, 60_000);
    expect(await incidents()).toEqual([]);

    // (1) t1 off the network: one target incident, naming all three agents, told once.
    const t1Down = Date.now();
    await net.setLink('t1', false);
    const down = await wait('the t1 incident', async () => (await incidents()).find((i) => i.causeKey === `target:${idOf('t1')}` && i.state === 'open'), 90_000);
    expect(down).toMatchObject({ kind: 'target', targetIds: [idOf('t1')], agentIds: allAgents, pairCount: AGENTS.length, severity: 'critical', notified: true });
    // Within the rule's window: three lost probes (15 s), then the next evaluations (5 s each).
    expect(down.openedAt - t1Down).toBeLessThan(45_000);
    await wait('the opening delivered', async () => receiver.about(down.id).includes('opened'), 30_000);
    await net.setLink('t1', true);
    // The outage also shows as loss over the "Packet loss" rule's 5-min window, which may join the
    // incident and keep it open until the loss there is back under 20 %: still the one incident.
    const resolved = await wait('the t1 incident resolved', async () => (await incidents()).find((i) => i.id === down.id && i.state === 'resolved'), 300_000);
    await wait('the recovery delivered', async () => receiver.about(down.id).includes('resolved'), 30_000);
    // One cause, one incident: nothing else opened meanwhile (no path, agent or block incident).
    expect((await incidents()).map(summary)).toEqual([summary(resolved)]);
    const told = receiver.about(down.id);
    expect([told[0], told.at(-1), told.filter((e) => e === 'opened').length, told.filter((e) => e === 'resolved').length]).toEqual(['opened', 'resolved', 1, 1]);

    // (2) The receiver goes down; agent a3's link is cut silently.
    await receiver.down();
    const cutAt = Date.now();
    await net.setLink('a3', false);
    const silent = await wait('the a3 silent incident', async () => (await incidents()).find((i) => i.state === 'open' && i.kind === 'silent'), 150_000);
    expect(silent).toMatchObject({ causeKey: `silent:${agentId.get('a3')}`, agentIds: [agentId.get('a3')], targetIds: [], pairCount: 0 });
    expect(silent.since).toBeGreaterThanOrEqual(cutAt - 35_000);
    expect(silent.since).toBeLessThanOrEqual(cutAt);
    // The delivery failed (connection refused) and waits for its next attempt ...
    const failing = await wait('a failed attempt in the delivery log', async () => {
      const log = await listNotificationDeliveries({ client: server.api, query: { limit: 20 } });
      return log.find((d) => d.incidentId === silent.id && d.event === 'opened' && d.attempts >= 1 && d.state === 'pending' && d.lastError);
    }, 30_000);
    expect(failing.nextAttemptAt).toBeGreaterThan(failing.createdAt);
    expect(failing.lastError).toBe('connection refused: nothing listens on that port (ECONNREFUSED)');
    await receiver.up();
    // ... and is delivered once the receiver is back.
    await wait('the silent incident delivered after a retry', async () => receiver.about(silent.id).includes('opened'), 90_000);
    const delivered = (await listNotificationDeliveries({ client: server.api, query: { limit: 20 } })).find((d) => d.id === failing.id);
    expect(delivered).toMatchObject({ state: 'delivered', deliveredAt: expect.any(Number) });
    expect(delivered?.attempts).toBeGreaterThanOrEqual(2);
    // Still exactly that one open incident: a3's silence did not make its targets "down" or a3 an "agent problem".
    const openNow = (await incidents()).filter((i) => i.state === 'open');
    if (openNow.length !== 1) await explain(openNow.filter((i) => i.id !== silent.id), cutAt);
    expect(openNow.map(summary)).toEqual([summary(silent)]);
    await net.setLink('a3', true);
    await wait('a3 back, its incident resolved', async () => (await incidents()).find((i) => i.id === silent.id && i.state === 'resolved'), 120_000);

    // (3) A maintenance window on t2, then t2 goes down: the incident opens and is shown, nobody is told.
    await createMaintenanceWindow({ client: server.api, body: { reason: 't2 firmware upgrade', targetId: idOf('t2'), endsAt: Date.now() + 3_600_000 } });
    await net.setLink('t2', false);
    const quiet = await wait('the t2 incident', async () => (await incidents()).find((i) => i.causeKey === `target:${idOf('t2')}` && i.state === 'open'), 90_000);
    expect(quiet).toMatchObject({ kind: 'target', agentIds: allAgents, notified: false });
    // Long enough for a delivery to have gone out (the queue runs every few seconds): none did.
    await new Promise((r) => setTimeout(r, 15_000));
    expect(receiver.about(quiet.id)).toEqual([]);
    const log = await listNotificationDeliveries({ client: server.api, query: { limit: 50 } });
    expect(log.filter((d) => d.incidentId === quiet.id)).toEqual([]);
    await net.setLink('t2', true);
    await wait('the t2 incident resolved', async () => (await incidents()).find((i) => i.id === quiet.id && i.state === 'resolved'), 90_000);
    expect(receiver.about(quiet.id)).toEqual([]);

    // Over the whole run: three incidents, one per cause, and every delivery was signed.
    expect((await incidents()).map((i) => i.causeKey).sort()).toEqual([`silent:${agentId.get('a3')}`, `target:${idOf('t1')}`, `target:${idOf('t2')}`].sort());
    expect(receiver.badSignatures).toEqual([]);
  }, 900_000);

  /** On a failure: what the unexpected incidents cover, and each of their pairs' samples since `from` (for the log). */
  async function explain(unexpected: IncidentDto[], from: number): Promise<void> {
    for (const i of unexpected) {
      const detail = await getIncident({ client: server.api, path: { id: i.id } });
      const samples = await Promise.all(
        detail.pairs.map(async ([agentId, targetId]) => ({
          agentId,
          targetId,
          samples: (await listPairSamples({ client: server.api, path: { agentId, targetId }, query: { since: from - 60_000 } })).map((x) => [x.at - from, x.rtt]),
        })),
      );
      console.error(`unexpected incident: ${JSON.stringify({ ...detail, openedAt: detail.openedAt - from, samples })}`);
    }
  }

  /** Pairs whose newest result is a reply, from the grid (cells: agent, target, at, rtt in fours). */
  async function pairsAnswering(): Promise<number> {
    const { cells } = await getGrid({ client: server.api });
    let n = 0;
    for (let i = 3; i < cells.length; i += 4) if (cells[i] >= 0) n++;
    return n;
  }
});

/** What identifies an incident and its outcome, for comparing lists. */
function summary(i: IncidentDto): Pick<IncidentDto, 'id' | 'causeKey' | 'kind' | 'state'> {
  return { id: i.id, causeKey: i.causeKey, kind: i.kind, state: i.state };
}
