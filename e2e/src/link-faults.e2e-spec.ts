import { getGrid, getPairStats, listPairSamples } from '@meshping/api-client';
import { OFFLINE_AFTER_MS, PROBE_INTERVAL_MS } from '@meshping/protocol';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess } from './agent-process';
import { ServerProcess } from './server-process';
import { TestNetwork } from './test-network';
import { sleep, until } from './wait';

/**
 * Faults of a real network: two built agents run in a namespace the test creates and reach their
 * servers (built, in the default namespace) over a veth pair; they probe real ICMP targets inside
 * the namespace. The test cuts the veth silently (no RST, no FIN: the link just goes quiet) for
 * longer than a minute, and restarts agents with SIGTERM, during the cut and after it.
 *
 * - "steady" (30 min buffer window): nothing is lost, every result is stored exactly once, across
 *   the cut and two planned restarts (one while its server is unreachable, one while connected).
 * - "short" (10 s window): exactly the oldest results never sent are lost, counted, in ONE dropped
 *   report, shown as an agent connection problem (grey), never as no reply (red). What the agent
 *   sent into the silent link before noticing it dead is in doubt (the server might hold it): it is
 *   kept past the window and resent, so the cut lasts longer than that notice plus the window.
 *
 * One agent per server (each server's local agent): the two outlive the same cut side by side.
 */
const TARGETS = ['127.0.0.1', '127.0.0.2', '::1'];
const SHORT_WINDOW_S = 10;
/** The documented bound: each side notices a dead link within this long (docs/protocol.md). */
const DEAD_LINK_NOTICED_MS = OFFLINE_AFTER_MS;
/** Longer than the dead link's notice (55 s) plus the short window, so that results never sent age out. */
const CUT_MS = 80_000;

interface Status {
  connection: string;
  updatedAt: number;
  agentId: number | null;
  buffer: { depth: number; backlogFrames: number; produced: number; dropped: number; droppedByWindow: number; restored: number };
  lastError: string | null;
  disconnectReason: string | null;
}

/** One agent, its server and its state dir; `runs` holds each stopped run's last status. */
class Site {
  agent!: AgentProcess;
  readonly runs: Status[] = [];
  readonly stateDir = mkdtempSync(join(tmpdir(), 'meshping-e2e-fault-'));
  constructor(
    readonly server: ServerProcess,
    private readonly namespace: string,
    private readonly windowSeconds: number,
  ) {}

  start(): void {
    this.agent = AgentProcess.start(
      {
        MESHPING_SERVER_URL: this.server.url,
        MESHPING_AGENT_TOKEN_FILE: join(this.server.dataDir, 'local-agent.token'),
        MESHPING_AGENT_STATE_DIR: this.stateDir,
        MESHPING_AGENT_CONFIG: join(this.stateDir, 'no-such-file.json'),
        MESHPING_BUFFER_WINDOW_SECONDS: String(this.windowSeconds),
      },
      this.namespace,
    );
  }

  /** SIGTERM, as systemd stops it; the run's last status is the one it wrote after draining. */
  async stop(): Promise<Status> {
    await this.agent.stop();
    const last = this.status();
    this.runs.push(last);
    return last;
  }

  status(): Status {
    return JSON.parse(readFileSync(join(this.stateDir, 'status.json'), 'utf8'));
  }

  async pairs(): Promise<{ agentId: number; targets: { id: number; address: string }[] }> {
    const grid = await getGrid({ client: this.server.api });
    return { agentId: grid.agents[0]?.id ?? -1, targets: grid.targets };
  }

  /** Every target's stored probe times, oldest first. */
  async stored(): Promise<{ target: string; id: number; ats: number[] }[]> {
    const { agentId, targets } = await this.pairs();
    if (agentId < 0) return TARGETS.map((target) => ({ target, id: -1, ats: [] }));
    return Promise.all(
      targets.map(async (t) => ({
        target: t.address,
        id: t.id,
        ats: (await listPairSamples({ client: this.server.api, path: { agentId, targetId: t.id }, query: { since: Date.now() - 6 * 3_600_000 } })).map((s) => s.at).sort((a, b) => a - b),
      })),
    );
  }

  /** Connected, with the whole backlog resent and acknowledged. */
  async drained(): Promise<void> {
    await until('the backlog resent', () => {
      const s = this.status();
      return s.connection === 'connected' && s.buffer.backlogFrames === 0 && s.buffer.depth <= 2 * TARGETS.length;
    }, 120_000);
  }
}

describe('link faults in a real network (namespaced agents, built servers, silent cut, planned restarts)', () => {
  let net: TestNetwork;
  const sites: Site[] = [];

  afterAll(async () => {
    await Promise.all(sites.map((s) => s.agent?.stop()));
    await Promise.all(sites.map((s) => s.server.stop()));
    for (const s of sites) rmSync(s.stateDir, { recursive: true, force: true });
    await net?.remove();
  });

  it('loses nothing over a cut longer than a minute and planned restarts, or exactly the counted oldest never sent, in one report, shown grey', async () => {
    net = await TestNetwork.create();
    await net.answerEchoes();
    const servers = await Promise.all(
      [0, 1].map(() => ServerProcess.start({ MESHPING_HOST: net.hostAddress, MESHPING_INITIAL_TARGETS: TARGETS.join(',') })),
    );
    const steady = new Site(servers[0], net.namespace, 1_800);
    const short = new Site(servers[1], net.namespace, SHORT_WINDOW_S);
    sites.push(steady, short);
    for (const s of sites) s.start();
    for (const s of sites) await until('two rounds stored', async () => (await s.stored()).every((t) => t.ats.length >= 2), 60_000);

    // (a) + (b): the link goes silent for longer than a minute.
    const cutAt = Date.now();
    await net.setLink(false);
    const noticed = await until('both ends of both links noticing the silence', () => {
      const times = sites.flatMap((s) => [s.agent.events('uplink.server-silent')[0], s.server.events('agent.link-silent')[0]]);
      return times.every(Boolean) ? times.map((e) => Date.parse(e.time as string) - cutAt) : undefined;
    }, 2 * DEAD_LINK_NOTICED_MS);
    // Both sides of both links noticed within the documented bound.
    for (const ms of noticed) expect(ms).toBeLessThanOrEqual(DEAD_LINK_NOTICED_MS);
    // ... and says so (status.json is rewritten every 5 s).
    for (const s of sites) {
      await until('the agent seeing its link down', () => s.status().connection !== 'connected', 15_000);
      expect(s.status().disconnectReason).toMatch(/^the server was silent for \d+ s \(no frame, no ping\): link presumed dead$/);
    }
    // The grid meanwhile: both agents offline, their cells grey (no cell says "no reply": red).
    for (const s of sites) {
      const grid = await getGrid({ client: s.server.api });
      expect(grid.agents.map((a) => a.online)).toEqual([false]);
      const rtts = grid.cells.filter((_, i) => i % 4 === 3);
      expect(rtts.length).toBe(TARGETS.length);
      expect(rtts.every((rtt) => rtt >= 0)).toBe(true);
    }
    await sleep(CUT_MS - (Date.now() - cutAt));

    // (c) A planned restart while the server is unreachable: what is unacknowledged is kept on disk ...
    const beforeRestart = await steady.stop();
    expect(beforeRestart.connection).toBe('stopped');
    expect(existsSync(join(steady.stateDir, 'unacknowledged.json'))).toBe(true);
    steady.start();
    // ... and taken over by the next run.
    const restored = (await until('the buffer restored after the restart', () => steady.agent.events('buffer.restored')[0], 30_000)) as { samples: number };
    expect(restored.samples).toBe(beforeRestart.buffer.depth);
    expect(existsSync(join(steady.stateDir, 'unacknowledged.json'))).toBe(false);

    const restoredAt = Date.now();
    await net.setLink(true);
    await Promise.all(sites.map((s) => s.drained()));

    // (c) A planned restart while connected: it drains, so nothing is left to keep.
    await steady.stop();
    expect(existsSync(join(steady.stateDir, 'unacknowledged.json'))).toBe(false);
    steady.start();
    await until('measuring again after the restart', () => steady.status().connection === 'connected' && steady.status().buffer.produced >= 2 * TARGETS.length, 60_000);
    await Promise.all(sites.map((s) => s.stop())); // drains as well

    // "steady": every result measured in any of its three runs is stored, exactly once.
    const steadyStored = await steady.stored();
    for (const { target, ats } of steadyStored) {
      expect({ target, duplicates: ats.length - new Set(ats).size }).toEqual({ target, duplicates: 0 });
      expect(ats.some((at) => at > cutAt && at < restoredAt)).toBe(true);
    }
    expect(steady.runs.map((r) => r.buffer.dropped)).toEqual([0, 0, 0]);
    expect(steadyStored.reduce((n, t) => n + t.ats.length, 0)).toBe(steady.runs.reduce((n, r) => n + r.buffer.produced, 0));
    expect(existsSync(join(steady.stateDir, 'unacknowledged.json'))).toBe(false);

    // "short": exactly the counted results are missing, all reported in one report ...
    const [run] = short.runs;
    // One outage, one report: results that aged out while the backlog was being resent extend it
    // (they name it in `replaces`, and the server replaces its record) rather than starting another.
    const reports = short.server.events('agent.results-dropped') as unknown as { seq: number; from: number; to: number; samples: number; replaces?: number }[];
    // (A report sealed while the link was down and extended before it went out names that first seal too.)
    expect(reports.length).toBeGreaterThanOrEqual(1);
    expect(new Set(reports.map((r) => r.replaces ?? r.seq)).size).toBe(1);
    const report = reports[reports.length - 1];
    expect(run.buffer.dropped).toBeGreaterThan(0);
    expect(run.buffer.droppedByWindow).toBe(run.buffer.dropped);
    expect(report.samples).toBe(run.buffer.dropped);
    const shortStored = await short.stored();
    expect(shortStored.reduce((n, t) => n + t.ats.length, 0)).toBe(run.buffer.produced - run.buffer.dropped);
    // ... and they are the oldest of the outage: per target one hole, from the cut on, which the
    // report spans, and nothing newer than the report is missing.
    expect(report.from).toBeGreaterThanOrEqual(cutAt - PROBE_INTERVAL_MS);
    // What went is what aged past the window before the agent got back through (its back-off may
    // redial a while after the link is restored): nothing measured within the window before that.
    const back = short.agent.events('uplink.connected').map((e) => Date.parse(e.time as string)).find((t) => t >= restoredAt);
    expect(back).toBeDefined();
    expect(report.to).toBeLessThan((back as number) - SHORT_WINDOW_S * 1000 + PROBE_INTERVAL_MS);
    for (const { target, ats } of shortStored) {
      expect({ target, duplicates: ats.length - new Set(ats).size }).toEqual({ target, duplicates: 0 });
      const holes = ats.slice(1).map((at, i) => [ats[i], at]).filter(([a, b]) => b - a > 1.5 * PROBE_INTERVAL_MS);
      expect({ target, holes: holes.length }).toEqual({ target, holes: 1 });
      const [last, next] = holes[0];
      expect(last).toBeGreaterThanOrEqual(cutAt - 1.5 * PROBE_INTERVAL_MS);
      expect(last).toBeLessThan(report.from);
      expect(next).toBeGreaterThan(report.to);
      expect(next - report.to).toBeLessThanOrEqual(1.5 * PROBE_INTERVAL_MS);
    }
    // The pair history shows the outage as one gap (no slivers of "disconnected" at its edges), an
    // "agent connection problem" (grey) with its count; nothing in it is "no reply" (red).
    const { agentId, targets } = await short.pairs();
    for (const t of targets) {
      const stats = await getPairStats({ client: short.server.api, path: { agentId, targetId: t.id }, query: { from: cutAt - 60_000, to: Date.now() } });
      expect(stats.noReply).toBe(0);
      expect(stats.gaps).toEqual([{ from: report.from, to: report.to + 1, reason: 'dropped', samples: report.samples }]);
    }
  }, 420_000);
});
