import { approveAgent, getEnrollment, getGrid, getPairSeries, listAgents, listAuditEntries, listPairSamples, listTargets } from '@meshping/api-client';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess } from './agent-process';
import { ApiSession } from './api';
import { MeshpingProcess } from './meshping-process';
import { TestNetwork } from './test-network';
import { until as poll, sleep } from './wait';

const TARGETS = ['127.0.0.1', '127.0.0.2']; // the agent's own namespace's loopback: real ICMP, nothing leaves it
const ROUND_MS = 5_000;
const HOLD_MS = 30_000;

interface Status {
  connection: string;
  updatedAt: number;
  buffer: { depth: number; backlogFrames: number; produced: number; dropped: number };
}
/**
 * An approved agent that moves to a new address: the built server listens on the host end of a
 * veth pair, the built agent runs in the test's network namespace on the far end (real ICMP to the
 * namespace's loopback). The test moves the far end to another address and closes the agent's
 * connection there, as a host whose address changed; the server puts the agent on hold, the agent
 * keeps measuring into its buffer, an admin re-approves it through the API, and the buffer drains.
 */
describe('an agent moved to a new address (built server + agent in a network namespace)', () => {
  let network: TestNetwork;
  let server: MeshpingProcess;
  let agent: AgentProcess;
  let api: ApiSession;
  let stateDir: string;

  beforeAll(async () => {
    network = await TestNetwork.create();
    // The namespace answers echo requests here: its loopback is the agent's targets.
    await network.answerEchoes();
    stateDir = mkdtempSync(join(tmpdir(), 'meshping-e2e-moved-'));
  });

  afterAll(async () => {
    await agent?.stop();
    await server?.stop();
    await network?.remove();
    rmSync(stateDir, { recursive: true, force: true });
  });

  const status = (): Status => JSON.parse(readFileSync(join(stateDir, 'status.json'), 'utf8'));
  const agentRow = async (hostname: string) => (await listAgents({ client: api.client })).find((a) => a.hostname === hostname);
  const targetIds = async () => (await listTargets({ client: api.client })).map((t) => t.id);
  const samples = async (agentId: number, targetId: number) =>
    (await listPairSamples({ client: api.client, path: { agentId, targetId }, query: { since: Date.now() - 6 * 3_600_000 } })).sort((a, b) => a.at - b.at);
  const series = (agentId: number, targetId: number, from: number, to: number) =>
    getPairSeries({ client: api.client, path: { agentId, targetId }, query: { from, to, points: Math.ceil((to - from) / ROUND_MS) } });

  it('holds it, keeps measuring into its buffer, and after re-approval stores every result of the hold exactly once: nothing lost', async () => {
    server = await MeshpingProcess.start(
      { MESHPING_HOST: network.hostAddress, MESHPING_INITIAL_TARGETS: TARGETS.join(','), MESHPING_LOG_LEVEL: 'warn' },
      'dist/server/main.js',
    );
    api = await ApiSession.setUp(server, await server.setupCode());
    const { passphrase } = await getEnrollment({ client: api.client });
    agent = AgentProcess.start(
      { MESHPING_PASSPHRASE: passphrase, MESHPING_AGENT_STATE_DIR: stateDir, MESHPING_AGENT_HOSTNAME: 'moved-1', MESHPING_AGENT_CONFIG: join(stateDir, 'none.json') },
      network.namespace,
    );
    const firstAddress = network.silentAddress;
    const pending = await until('moved-1 pending', async () => {
      const a = await agentRow('moved-1');
      return a?.state === 'pending' ? a : undefined;
    });
    expect(pending.ip).toBe(firstAddress);
    await approveAgent({ client: api.client, path: { id: pending.id }, body: {} });
    const targets = await targetIds();
    await until('two rounds stored', async () => ((await Promise.all(targets.map((t) => samples(pending.id, t)))).every((s) => s.length >= 2) ? true : undefined));

    // The move. The old connection dies on the agent's side only; the agent connects again from the new address.
    const movedAt = Date.now();
    const newAddress = await network.moveFarEnd();
    const held = await until('moved-1 on hold', async () => {
      const a = await agentRow('moved-1');
      return a?.state === 'hold' && status().connection === 'hold' ? a : undefined;
    });
    expect(held.ip).toBe(newAddress);
    expect(held.online).toBe(true);

    // On hold: the agent measures on into its buffer; the server stores nothing of it.
    await sleep(HOLD_MS);
    const duringHold = status();
    expect(duringHold.connection).toBe('hold');
    expect(duringHold.buffer.depth).toBeGreaterThanOrEqual(((HOLD_MS / ROUND_MS) - 1) * TARGETS.length);
    const heldUntil = Date.now();
    for (const t of targets) {
      const s = await series(held.id, t, movedAt + ROUND_MS, heldUntil);
      // What the grid shows for the hold: no data (grey), at most a provisional "disconnected" gap, never "no reply" (red).
      expect(s.points.filter((p) => p.count > 0)).toEqual([]);
      expect(s.gaps.filter((g) => g.reason !== 'disconnected')).toEqual([]);
    }
    const grid = await getGrid({ client: api.client });
    expect(grid.agents.find((a) => a.id === held.id)?.state).toBe('hold');
    const cells = [];
    for (let i = 0; i < grid.cells.length; i += 4) if (grid.cells[i] === held.id) cells.push({ at: grid.cells[i + 2], rtt: grid.cells[i + 3] });
    expect(cells).toHaveLength(TARGETS.length);
    for (const c of cells) {
      expect(c.rtt).toBeGreaterThan(0); // the last result before the move: a reply, not "no reply"
      expect(c.at).toBeLessThan(movedAt + ROUND_MS);
    }

    // Re-approval: the buffer drains.
    const approvedAt = Date.now();
    await approveAgent({ client: api.client, path: { id: held.id }, body: {} });
    expect((await agentRow('moved-1'))?.state).toBe('approved');
    await until('the buffer drained', () => {
      const s = status();
      return s.connection === 'connected' && s.buffer.backlogFrames === 0 && s.buffer.depth <= 2 * TARGETS.length ? true : undefined;
    }, 90_000);
    await sleep(2_000);

    const before = status();
    const stored = await Promise.all(targets.map(async (t) => ({ t, ats: (await samples(held.id, t)).map((s) => s.at), rtts: (await samples(held.id, t)).map((s) => s.rtt) })));
    const readAt = Date.now();
    await until('a status written after the read', () => (status().updatedAt > readAt ? true : undefined), 15_000);
    const after = status();
    expect(before.buffer.dropped).toBe(0); // lost: nothing
    let total = 0;
    for (const { t, ats, rtts } of stored) {
      total += ats.length;
      expect({ t, duplicates: ats.length - new Set(ats).size }).toEqual({ t, duplicates: 0 });
      // One result per 5-s round without a hole, from before the move, through the hold, to after re-approval.
      const holes = ats.slice(1).filter((at, i) => at - ats[i] > 1.5 * ROUND_MS);
      expect({ t, holes }).toEqual({ t, holes: [] });
      expect(ats[0]).toBeLessThan(movedAt - ROUND_MS);
      expect(ats[ats.length - 1]).toBeGreaterThan(approvedAt);
      expect(ats.filter((at) => at > movedAt && at < approvedAt).length).toBeGreaterThanOrEqual(Math.floor((approvedAt - movedAt) / ROUND_MS) - 1);
      expect(rtts.filter((r) => r < 0)).toEqual([]); // loopback answers every probe
      // The grid's history of the hold period now shows the stored replies: no gap, no "no reply".
      const s = await series(held.id, t, movedAt, approvedAt);
      expect(s.gaps).toEqual([]);
      expect(s.points.reduce((n, p) => n + p.noReply + p.errors, 0)).toBe(0);
      expect(s.points.reduce((n, p) => n + p.count, 0)).toBe(ats.filter((at) => at >= movedAt && at < approvedAt).length);
    }
    // Everything the agent had acknowledged when the status was read is stored, and nothing more than it measured.
    expect(total).toBeGreaterThanOrEqual(before.buffer.produced - before.buffer.depth);
    expect(total).toBeLessThanOrEqual(after.buffer.produced);
    const actions = (await listAuditEntries({ client: api.client })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['agent.hold', 'agent.reapproved']));
  }, 240_000);

  /** Polls (see wait.ts); on timeout the error carries the agent's output. */
  function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
    return poll(what, probe, timeoutMs, { detail: () => `agent output:\n${agent?.output.join('')}` });
  }
});
