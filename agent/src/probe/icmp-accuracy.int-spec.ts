import { RttCode } from '@meshping/protocol';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NetnsLab } from '../testing/netns-lab';

/**
 * Accuracy on a real (namespaced) network: the built agent's prober and iputils ping measure the
 * same impaired path at the same time (a user-space responder adds 20 ms and drops 10 %, because
 * this kernel has no netem). Needs root (CI runs as root), iputils-ping (tools/test.sh installs it)
 * and a build (tools/test.sh builds before testing).
 */
const AGENT = join(__dirname, '../../../dist/agent/main.js');
const DELAY_MS = 20;
const LOSS_PERCENT = 10;
const PROBES = 300;
const INTERVAL_MS = 50;

describe('ICMP accuracy against iputils ping (network namespaces, 20 ms / 10 % loss)', () => {
  let lab: NetnsLab;

  beforeAll(async () => {
    if (!existsSync(AGENT)) throw new Error(`${AGENT} is missing: build the agent first (npx nx run agent:build)`);
    lab = new NetnsLab();
    await lab.impairFar(DELAY_MS, LOSS_PERCENT);
  });
  afterAll(() => lab?.destroy());

  async function agentProbe(address: string, count: number, intervalMs: number): Promise<number[]> {
    const out = await lab.run(lab.near, process.execPath, [AGENT, 'probe', address, '--count', String(count), '--interval', String(intervalMs), '--json'], [0, 1]);
    const parsed = JSON.parse(out) as { rtts: number[]; timestamps: string };
    // Replies timed by the kernel, as ping times them (agent/native, built with the agent).
    expect(parsed.timestamps).toBe('kernel');
    return parsed.rtts;
  }

  async function ping(address: string): Promise<{ rttsUs: number[]; sent: number }> {
    // -n numeric, -i interval (s); exit status 1 means "some replies missing", which is expected here.
    const out = await lab.run(lab.near, 'ping', ['-n', '-c', String(PROBES), '-i', String(INTERVAL_MS / 1000), address], [0, 1]);
    const rttsUs = [...out.matchAll(/time=([\d.]+) ms/g)].map((m) => Math.round(Number(m[1]) * 1000));
    return { rttsUs, sent: PROBES };
  }

  it.each([
    ['IPv4', NetnsLab.far4],
    ['IPv6', NetnsLab.far6],
  ])('%s: median RTT within 0.5 ms of ping, loss within the statistical tolerance of the injected loss', async (_family, address) => {
    const [agent, reference] = await Promise.all([agentProbe(address, PROBES, INTERVAL_MS), ping(address)]);
    const replies = agent.filter((r) => r >= 0);
    expect(agent.every((r) => r >= 0 || r === RttCode.NO_REPLY)).toBe(true);

    const agentMedianMs = median(replies) / 1000;
    const pingMedianMs = median(reference.rttsUs) / 1000;
    expect(pingMedianMs).toBeGreaterThanOrEqual(DELAY_MS); // the path really is impaired
    expect(Math.abs(agentMedianMs - pingMedianMs)).toBeLessThanOrEqual(0.5);

    // Binomial: 4 standard deviations of the loss estimate over PROBES samples (about 7 points at 300).
    const p = LOSS_PERCENT / 100;
    const tolerance = 4 * Math.sqrt((p * (1 - p)) / PROBES);
    const agentLoss = 1 - replies.length / agent.length;
    expect(agent).toHaveLength(PROBES);
    expect(Math.abs(agentLoss - p)).toBeLessThanOrEqual(tolerance);
    expect(Math.abs(1 - reference.rttsUs.length / reference.sent - p)).toBeLessThanOrEqual(tolerance);
    process.stdout.write(
      `${address}: agent median ${agentMedianMs.toFixed(3)} ms, loss ${(agentLoss * 100).toFixed(1)} %; ` +
        `ping median ${pingMedianMs.toFixed(3)} ms, loss ${((1 - reference.rttsUs.length / PROBES) * 100).toFixed(1)} %\n`,
    );
  }, 60_000);

  it('reads "no reply" from an address on the segment that nobody answers (IPv4 and IPv6)', async () => {
    const [v4, v6] = await Promise.all([agentProbe(NetnsLab.dead4, 2, 100), agentProbe(NetnsLab.dead6, 2, 100)]);
    expect([...v4, ...v6]).toEqual([RttCode.NO_REPLY, RttCode.NO_REPLY, RttCode.NO_REPLY, RttCode.NO_REPLY]);
  }, 30_000);
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
