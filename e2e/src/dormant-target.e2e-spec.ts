import { approveAgent, getEnrollment, getGrid, listAgents, listPairSamples, listTargets, updateSettings, type TargetDto } from '@meshping/api-client';
import { PROBE_INTERVAL_MS, PROBE_TIMEOUT_MS, RttCode } from '@meshping/protocol';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess } from './agent-process';
import { launchChromium } from './browser';
import { GridPage } from './grid-page';
import { ARTIFACTS } from './meshping-process';
import { MeshNetwork } from './mesh-network';
import { ServerProcess } from './server-process';
import { until } from './wait';

/**
 * Back-off probing on a real network: a built agent in its own namespace probes two targets (their
 * own namespaces, one bridge) with real ICMP. One target is taken off the network; after the
 * dormant time (set to its minimum, 60 s) without any reply it goes dormant: the agent probes it 30 s
 * later instead of every 5 s, and the grid says so. Back on the network, the next scheduled probe
 * (60 s after that) gets its first reply, which wakes it: every 5 s again. The other target is probed
 * every 5 s throughout.
 */
describe('a dormant target on a real network (namespaced agent and targets, real ICMP, built server)', () => {
  let net: MeshNetwork;
  let server: ServerProcess;
  let agent: AgentProcess;
  const stateDir = mkdtempSync(join(tmpdir(), 'meshping-e2e-dormant-'));

  afterAll(async () => {
    await agent?.stop();
    await server?.stop();
    await net?.remove();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('probes a target without replies on the back-off schedule, shows it dormant, and every 5 s again from its first reply', async () => {
    net = await MeshNetwork.create(['a1', 'tgood', 'tgone']);
    const address = (name: string) => net.host(name).address;
    // TLS on: enrollment needs it (the passphrase carries the certificate fingerprint agents pin).
    server = await ServerProcess.start({ MESHPING_TLS: 'on', MESHPING_HOST: net.hostAddress, MESHPING_INITIAL_TARGETS: `${address('tgood')},${address('tgone')}` });
    await updateSettings({ client: server.api, body: { dormantAfterSeconds: 60 } });
    const { passphrase } = await getEnrollment({ client: server.api });
    agent = AgentProcess.start({ MESHPING_PASSPHRASE: passphrase, MESHPING_AGENT_STATE_DIR: stateDir, MESHPING_AGENT_HOSTNAME: 'a1', MESHPING_AGENT_CONFIG: join(stateDir, 'none.json') }, net.host('a1').namespace);
    const detail = () => `agent output:\n${agent.output.join('').slice(-3000)}\nserver log:\n${server.log.slice(-30).join('\n')}`;
    const wait = <T>(what: string, probe: () => Promise<T | undefined | false | null>, ms: number) => until(what, probe, ms, { intervalMs: 1_000, detail });
    const pending = await wait('a pending agent', async () => (await listAgents({ client: server.api })).find((a) => a.state === 'pending'), 60_000);
    await approveAgent({ client: server.api, path: { id: pending.id }, body: {} });
    const joinedAt = Date.now() - 60_000;
    const targets = await listTargets({ client: server.api });
    const idOf = (name: string) => (targets.find((t) => t.address === address(name)) as TargetDto).id;
    const samples = async (name: string, since: number) =>
      (await listPairSamples({ client: server.api, path: { agentId: pending.id, targetId: idOf(name) }, query: { since } })).sort((a, b) => a.at - b.at);
    await wait('both targets answering', async () => (await samples('tgone', joinedAt)).some((s) => s.rtt >= 0) && (await samples('tgood', joinedAt)).some((s) => s.rtt >= 0), 60_000);

    // Off the network: no reply from then on.
    const cutAt = Date.now();
    await net.setLink('tgone', false);
    const target = async () => (await listTargets({ client: server.api })).find((t) => t.id === idOf('tgone')) as TargetDto;
    const dormant = await wait('the target dormant', async () => ((await target()).dormantSince ? target() : undefined), 120_000);
    const since = dormant.dormantSince as number;
    // After 60 s of no-replies, counted from the first probe after the cut (within a round) to the
    // newest, which is stored a probe timeout and a flush later and seen at the next 5-s review.
    expect(since - cutAt).toBeGreaterThanOrEqual(60_000);
    expect(since - cutAt).toBeLessThan(60_000 + PROBE_INTERVAL_MS + PROBE_TIMEOUT_MS + 1_000 + PROBE_INTERVAL_MS + 3_000);
    // The grid shows it as dormant, not as unanswered or stale.
    const grid = await getGrid({ client: server.api });
    expect(grid.targets.find((t) => t.id === idOf('tgone'))?.dormantSince).toBe(since);

    // And in a browser: its cell says dormant, drawn as such (screenshot for review).
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 720 } });
      await context.addCookies(server.browserCookies());
      const page = await context.newPage();
      await page.goto(`${server.url}/`);
      const grid = new GridPage(page);
      await grid.focusCell('a1', address('tgone'));
      expect(await grid.waitStatus('dormant')).toMatch(/^a1 → 10\.251\.\d+\.\d+: dormant since \d\d:\d\d:\d\d: no agent got a reply/);
      await page.getByTestId('legend').getByText(/dormant/).waitFor();
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'live-grid-dormant.png') });
    } finally {
      await browser.close();
    }

    // Probed at since + 30 s (in its 5-s round), nothing before; the other target every round meanwhile.
    // (A round under way when it went dormant may still probe it once: the change applies from the next round.)
    const settled = since + 2 * PROBE_INTERVAL_MS;
    const first = await wait('the first dormant probe', async () => (await samples('tgone', settled))[0], 60_000);
    expect(first.rtt).toBe(RttCode.NO_REPLY);
    expect(first.at - since).toBeGreaterThanOrEqual(30_000);
    expect(first.at - since).toBeLessThan(30_000 + PROBE_INTERVAL_MS);
    const steady = (await samples('tgood', since)).filter((s) => s.at <= first.at);
    expect(steady.length).toBeGreaterThanOrEqual(Math.floor((first.at - since) / PROBE_INTERVAL_MS) - 1);

    // Back on the network: the next scheduled probe, 60 s after the first, gets a reply, which wakes it.
    await net.setLink('tgone', true);
    await wait('the target awake', async () => (await target()).dormantSince === null, 90_000);
    const during = (await samples('tgone', settled)).filter((s) => s.at < first.at + 60_000 + PROBE_INTERVAL_MS);
    expect(during.map((s) => s.rtt >= 0)).toEqual([false, true]); // nothing between the two scheduled probes
    expect(during[1].at - first.at).toBeGreaterThan(60_000 - PROBE_INTERVAL_MS);
    expect(during[1].at - first.at).toBeLessThan(60_000 + PROBE_INTERVAL_MS);
    // Then every round again.
    const after = await wait('replies every round again', async () => {
      const s = (await samples('tgone', during[1].at)).filter((x) => x.rtt >= 0);
      return s.length >= 4 ? s : undefined;
    }, 60_000);
    const gaps = after.slice(1).map((s, i) => s.at - after[i].at);
    expect(gaps.every((g) => g > PROBE_INTERVAL_MS / 2 && g < PROBE_INTERVAL_MS * 1.5)).toBe(true);
  }, 600_000);
});
