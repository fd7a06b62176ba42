import { approveAgent, getEnrollment, listAgents } from '@meshping/api-client';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The test reads the database file with the server tests' reader, as kill-during-ingest.e2e-spec.ts
// does (white-box by design).
// eslint-disable-next-line @nx/enforce-module-boundaries
import { readStoredSamples } from '../../server/src/testing/stored-samples';
import { ApiSession } from './api';
import { MeshpingProcess } from './meshping-process';
import { SimAgentsProcess } from './sim-agents-process';
import { sleep, until } from './wait';

const WORKERS = 2;
const PER_WORKER = 500;
const AGENTS = WORKERS * PER_WORKER;
const TARGETS = 5;
/** The bound: every agent back this long after the restarted server listens. */
const BACK_WITHIN_MS = 30_000;

interface FleetStatus {
  agents: number;
  ready: number;
  pendingBatches: number;
  ackedTotal: number;
  rejected: number;
  closes: number;
  lastWelcomes: number[];
  outageAttempts: number[];
  loginMs: number[];
}

/**
 * 1,000 simulated agents (the real protocol: sealed registration, approval through the API, key
 * login with a signed challenge, binary results) in two child processes, each agent from its own
 * loopback address, stream results to the built server. The server is stopped with SIGTERM and
 * started again on the same data directory and port; every agent reconnects with the real agent's
 * jittered back-off (reconnectDelayMs) and resends what was not acknowledged. All must be back
 * within 30 s, and every result acknowledged, before the restart or after, must be stored once.
 */
describe('1,000 agents reconnecting after a server restart', () => {
  let dataDir: string;
  let server: MeshpingProcess | null = null;
  const sims: SimAgentsProcess[] = [];

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'meshping-storm-'));
  });

  afterAll(async () => {
    for (const sim of sims) sim.kill();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = (port = '0') =>
    MeshpingProcess.start(
      {
        MESHPING_DATA_DIR: dataDir,
        MESHPING_PORT: port,
        MESHPING_INITIAL_TARGETS: Array.from({ length: TARGETS }, (_, i) => `10.99.0.${i + 1}`).join(','),
        MESHPING_LOG_LEVEL: 'warn',
      },
      'dist/server/main.js',
    );
  const fleet = async (): Promise<FleetStatus[]> => Promise.all(sims.map((s) => s.ask<FleetStatus>({ type: 'fleet-status' }, 'fleet-status')));
  const acked = async (): Promise<number[]> => (await Promise.all(sims.map((s) => s.ask<{ samples: number[] }>({ type: 'acked' }, 'acked')))).flatMap((a) => a.samples);

  it('brings every agent back within 30 s and loses nothing acknowledged', async () => {
    const startedAt = Date.now();
    server = await start();
    const port = new URL(server.url).port;
    let api = await ApiSession.setUp(server, await server.setupCode());
    const { passphrase } = await getEnrollment({ client: api.client });

    const bundle = await SimAgentsProcess.bundle();
    for (let w = 0; w < WORKERS; w++) sims.push(await SimAgentsProcess.start(bundle));
    const stages: Record<string, number> = { started: Date.now() - startedAt };
    const ids = (
      await Promise.all(
        sims.map((sim, w) => sim.ask({ type: 'register', url: server?.url, passphrase, count: PER_WORKER, prefix: `storm-w${w}`, source: `127.${50 + w}` }, 'registered')),
      )
    ).flatMap((r) => r['agentIds'] as number[]);
    expect(new Set(ids).size).toBe(AGENTS);
    stages.registered = Date.now() - startedAt;
    for (let i = 0; i < ids.length; i += 20) await Promise.all(ids.slice(i, i + 20).map((id) => approveAgent({ client: api.client, path: { id }, body: {} })));
    stages.approved = Date.now() - startedAt;
    await Promise.all(sims.map((s) => s.ask({ type: 'await-approval' }, 'ready')));
    await Promise.all(sims.map((s) => s.ask({ type: 'stream', url: server?.url }, 'streaming')));

    // Two rounds acknowledged by every agent (each batch is one round of all its targets).
    await until('two rounds acknowledged', async () => (await fleet()).reduce((n, f) => n + f.ackedTotal, 0) >= 2 * AGENTS * TARGETS, 60_000);
    const ackedBefore = await acked();
    const setupS = (Date.now() - startedAt) / 1000;

    // The restart: SIGTERM, then the same data directory and port.
    const stopAt = Date.now();
    const running = server;
    server = null;
    await running.stop();
    server = await start(port);
    const listeningAt = Date.now();
    const cpu0 = processTimes(server.pid);
    api = await ApiSession.logIn(server);
    let allBackAt = 0;
    let onlineAt = 0;
    while (Date.now() - listeningAt < BACK_WITHIN_MS + 30_000 && !(allBackAt && onlineAt)) {
      const now = Date.now();
      if (!allBackAt) {
        const f = await fleet();
        if (f.every((x) => x.ready === x.agents && x.lastWelcomes.every((t) => t > listeningAt))) allBackAt = now;
      }
      if (!onlineAt) {
        const agents = await listAgents({ client: api.client });
        if (agents.filter((a) => a.online && a.state === 'approved').length === AGENTS) onlineAt = now;
      }
      await sleep(250);
    }
    const cpu1 = processTimes(server.pid);
    const f = await fleet();
    const welcomes = f.flatMap((x) => x.lastWelcomes).map((t) => t - listeningAt).sort((a, b) => a - b);
    const attempts = f.flatMap((x) => x.outageAttempts);
    const logins = f.flatMap((x) => x.loginMs).sort((a, b) => a - b);
    const report = {
      setupS,
      stages,
      restartMs: listeningAt - stopAt,
      allBackMs: allBackAt && allBackAt - listeningAt,
      allOnlineInApiMs: onlineAt && onlineAt - listeningAt,
      welcomeAfterListeningMs: { first: welcomes[0], p50: welcomes[welcomes.length >> 1], last: welcomes[welcomes.length - 1] },
      attemptsPerAgent: { min: Math.min(...attempts), max: Math.max(...attempts) },
      // Server CPU from listening until all were back, and how long its main thread waited for a CPU meanwhile.
      serverCpuS: round(cpu1.cpuS - cpu0.cpuS),
      serverRunQueueWaitS: round(cpu1.waitS - cpu0.waitS),
      loginMs: { p50: logins[logins.length >> 1], p99: logins[Math.floor(logins.length * 0.99)], max: logins[logins.length - 1] },
    };
    console.log(`reconnect storm: ${JSON.stringify(report)}`);

    // The agents stop measuring; everything queued is delivered; then the server stops and the file is read.
    await Promise.all(sims.map((s) => s.ask({ type: 'stream-stop' }, 'stream-stopped')));
    await until('every batch acknowledged', async () => (await fleet()).every((x) => x.pendingBatches === 0), 60_000);
    const ackedAfter = await acked();
    const rejected = (await fleet()).reduce((n, x) => n + x.rejected, 0);
    for (const sim of sims) sim.kill();
    const last = server;
    server = null;
    await last.stop();

    const stored = await readStoredSamples(join(dataDir, 'meshping.sqlite'));
    expect(stored.integrity).toBe('ok');
    expect(stored.duplicates).toEqual([]);
    const keys = new Set(stored.all.map((r) => `${r.agent_id}/${r.target_id}/${r.at}`));
    const missing = (flat: number[]) => {
      let n = 0;
      for (let i = 0; i < flat.length; i += 3) if (!keys.has(`${flat[i]}/${flat[i + 1]}/${flat[i + 2]}`)) n++;
      return n;
    };
    // Lost: nothing. Acknowledged before the restart, acknowledged after it (the queue of the outage
    // included), every one stored once, and nothing stored that no agent sent.
    expect({ before: ackedBefore.length / 3, missingBefore: missing(ackedBefore), missingAfter: missing(ackedAfter), rejected }).toEqual({
      before: ackedBefore.length / 3,
      missingBefore: 0,
      missingAfter: 0,
      rejected: 0,
    });
    expect(stored.all).toHaveLength((ackedBefore.length + ackedAfter.length) / 3);

    // Back within the bound (checked last, so that a slow return still reports what was lost above).
    expect(allBackAt).toBeGreaterThan(0);
    expect(onlineAt).toBeGreaterThan(0);
    expect(allBackAt - listeningAt).toBeLessThanOrEqual(BACK_WITHIN_MS);
    expect(onlineAt - listeningAt).toBeLessThanOrEqual(BACK_WITHIN_MS);
  }, 300_000);
});

/** CPU seconds (user + system) of a process, and seconds its main thread spent runnable but waiting for a CPU. */
function processTimes(pid: number | undefined): { cpuS: number; waitS: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { cpuS: (Number(fields[11]) + Number(fields[12])) / 100, waitS: Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9 };
}

const round = (v: number) => Math.round(v * 10) / 10;
