import { getGrid, listPairSamples } from '@meshping/api-client';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess } from './agent-process';
import { ServerProcess } from './server-process';
import { WsProxy } from './ws-proxy';
import { sleep, until } from './wait';

/**
 * The agent's buffer across a real outage: the built server and the built agent (real ICMP to
 * loopback targets), with a WebSocket relay between them that the test cuts and restores (the
 * server gone: connections refused). What the server stores is read back through its API. A silent
 * cut longer than a minute, and planned restarts, are link-faults.e2e-spec.ts.
 */
const TARGETS = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '::1'];
const ROUND_MS = 5_000;

interface Status {
  connection: string;
  updatedAt: number;
  buffer: { depth: number; backlogFrames: number; produced: number; dropped: number };
}

describe('agent buffer across a server outage (built server + agent, real ICMP, relay cut and restored)', () => {
  let server: ServerProcess;
  let proxy: WsProxy;
  let agent: AgentProcess;
  let stateDir: string;

  async function start(bufferWindowSeconds: number): Promise<void> {
    server = await ServerProcess.start({ MESHPING_INITIAL_TARGETS: TARGETS.join(',') });
    proxy = new WsProxy(server.url.replace(/^http/, 'ws'));
    await proxy.up();
    stateDir = mkdtempSync(join(tmpdir(), 'meshping-e2e-agent-'));
    agent = AgentProcess.start({
      MESHPING_SERVER_URL: proxy.url,
      MESHPING_AGENT_TOKEN_FILE: join(server.dataDir, 'local-agent.token'),
      MESHPING_AGENT_STATE_DIR: stateDir,
      MESHPING_AGENT_CONFIG: join(stateDir, 'no-such-file.json'),
      MESHPING_BUFFER_WINDOW_SECONDS: String(bufferWindowSeconds),
    });
    await until('two rounds stored', async () => (await stored()).every((s) => s.ats.length >= 2), 30_000);
  }

  afterEach(async () => {
    await agent?.stop();
    await proxy?.down();
    await server?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  const status = (): Status => JSON.parse(readFileSync(join(stateDir, 'status.json'), 'utf8'));

  /** Every target's stored probe times, oldest first (the API takes `since` at most 744 hours back: the last six hours hold the whole test). */
  async function stored(): Promise<{ target: string; ats: number[] }[]> {
    const grid = await getGrid({ client: server.api });
    if (grid.agents.length === 0) return TARGETS.map((target) => ({ target, ats: [] }));
    return Promise.all(
      grid.targets.map(async (t) => ({
        target: t.address,
        ats: (await listPairSamples({ client: server.api, path: { agentId: grid.agents[0].id, targetId: t.id }, query: { since: Date.now() - 6 * 3_600_000 } })).map((s) => s.at).sort((a, b) => a - b),
      })),
    );
  }

  /** Waits until the agent is connected and has resent its whole backlog. */
  async function drained(): Promise<void> {
    await until('the backlog resent', async () => {
      const s = status();
      return s.connection === 'connected' && s.buffer.backlogFrames === 0 && s.buffer.depth <= 2 * TARGETS.length;
    }, 90_000);
    await sleep(2_000);
  }

  it('drops the oldest results never sent when the outage outlasts the buffer window, and reports exactly those', async () => {
    const windowSeconds = 10;
    await start(windowSeconds);
    const downAt = Date.now();
    await proxy.down();
    await sleep(25_000);
    await proxy.up();
    await drained();
    const reconnectedAt = proxy.connections[proxy.connections.length - 1];

    const s = status();
    const reports = new Map<number, { from: number; to: number; samples: number }>();
    // One outage, one record: a report that extends an earlier one (`replaces`) carries the whole
    // span and count and replaces it, as the server does; it is never added to it.
    for (const m of proxy.fromAgent) if (m.type === 'dropped') reports.set((m.replaces ?? m.seq) as number, m as never);
    const reported = [...reports.values()].reduce((n, r) => n + r.samples, 0);
    expect(s.buffer.dropped).toBeGreaterThan(0);
    expect(reported).toBe(s.buffer.dropped);

    let missing = 0;
    const detail: Record<string, unknown> = { downAt, reconnectedAt, reports: [...reports.values()], status: s.buffer };
    for (const { target, ats } of await stored()) {
      detail[target] = ats.map((at) => at - downAt);
      const holes = ats.slice(1).map((at, i) => [ats[i], at]).filter(([a, b]) => b - a > 1.5 * ROUND_MS);
      // One hole per target: it starts where the outage began (nothing older than it went) ...
      expect({ target, holes: holes.length }).toEqual({ target, holes: 1 });
      const [last, next] = holes[0];
      expect(last).toBeGreaterThanOrEqual(downAt - 1.5 * ROUND_MS);
      // ... and ends no later than one window before the agent got back through.
      expect(next).toBeLessThanOrEqual(reconnectedAt - windowSeconds * 1000 + 2 * ROUND_MS);
      // The missing results fall in a reported gap, which begins with the outage.
      expect([...reports.values()].some((r) => r.from < next && r.to > last && r.from >= downAt - 1.5 * ROUND_MS)).toBe(true);
      missing += Math.round((next - last) / ROUND_MS) - 1;
    }
    // Nothing was dropped after the counts were taken (a result still unacknowledged then and dropped
    // later would be missing without having been reported yet).
    const readAt = Date.now();
    await until('a status written after the read', () => status().updatedAt > readAt, 15_000);
    detail.later = status().buffer;
    // On a mismatch, what the count was made from (for the log).
    if (missing !== reported) console.error(`missing ${missing} != reported ${reported}: ${JSON.stringify(detail)}`);
    expect(status().buffer.dropped).toBe(s.buffer.dropped);
    expect(missing).toBe(reported);
  }, 240_000);
});
