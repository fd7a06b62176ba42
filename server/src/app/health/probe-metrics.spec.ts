import { RttCode } from '@meshping/protocol';
import { ProbeExposition, type ProbeLabels } from './probe-exposition';
import { ProbeMetrics } from './probe-metrics';
import { RTT_BUCKETS_SECONDS, rttBucket } from './rtt-tally';

// Pair index p is agent floor(p / 100), target p % 100 (the hour cache's mapping, as plain arithmetic).
const agentOf = (p: number) => Math.floor(p / 100);
const targetOf = (p: number) => p % 100;
const pair = (agent: number, target: number) => agent * 100 + target;
const T0 = 1_800_000_000_000;

function setup(pairCap: number | null = null) {
  const capped: number[] = [];
  const metrics = new ProbeMetrics({ agentOf, targetOf, pairCap, onPairCapReached: (cap) => capped.push(cap) });
  let labels: ProbeLabels = {
    targets: [
      { id: 1, address: '10.0.0.1', name: 'gw' },
      { id: 2, address: 'db.example', name: null },
    ],
    agents: [
      { id: 3, hostname: 'probe-a' },
      { id: 4, hostname: 'probe-b' },
    ],
  };
  const exposition = new ProbeExposition(metrics);
  const add = (samples: [agent: number, target: number, rtt: number][], now = T0) =>
    metrics.add(Int32Array.from(samples, ([a, t]) => pair(a, t)), Int32Array.from(samples, ([, , r]) => r), now);
  const scrape = async () => (await exposition.render(labels, async () => undefined)).toString();
  return { metrics, add, scrape, capped, setLabels: (l: ProbeLabels) => (labels = l) };
}

/** The value of the line that starts with `series` (exact name and labels), or undefined. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const T1 = 'target_id="1",target="10.0.0.1",target_name="gw"';
const T2 = 'target_id="2",target="db.example",target_name=""';
const A3 = 'agent_id="3",agent="probe-a"';

describe(ProbeMetrics.name, () => {
  it('puts an RTT in the first bucket whose bound it does not exceed (0.1 ms doubling to 3.2768 s, then +Inf)', () => {
    expect(RTT_BUCKETS_SECONDS).toEqual([0.0001, 0.0002, 0.0004, 0.0008, 0.0016, 0.0032, 0.0064, 0.0128, 0.0256, 0.0512, 0.1024, 0.2048, 0.4096, 0.8192, 1.6384, 3.2768]);
    const cases: [number, number][] = [[0, 0], [1, 0], [100, 0], [101, 1], [200, 1], [201, 2], [400, 2], [401, 3], [51_200, 9], [51_201, 10], [3_276_800, 15], [3_276_801, 16], [4_000_000, 16]];
    for (const [us, bucket] of cases) expect([us, rttBucket(us)]).toEqual([us, bucket]);
  });

  it('exposes per-target and per-agent histograms, cumulative, with sum and count of the replies', async () => {
    const { add, scrape } = setup();
    add([[3, 1, 150], [3, 1, 150], [4, 1, 900], [3, 1, RttCode.NO_REPLY], [3, 2, 5_000_000]]);
    const text = await scrape();
    const bucket = (le: string, labels = T1) => value(text, `meshping_target_rtt_seconds_bucket{le="${le}",${labels}}`);
    expect([bucket('0.0001'), bucket('0.0002'), bucket('0.0004'), bucket('0.0008'), bucket('0.0016'), bucket('3.2768'), bucket('+Inf')]).toEqual([0, 2, 2, 2, 3, 3, 3]);
    expect(value(text, `meshping_target_rtt_seconds_count{${T1}}`)).toBe(3);
    expect(value(text, `meshping_target_rtt_seconds_sum{${T1}}`)).toBeCloseTo(0.0012, 10);
    expect(value(text, `meshping_target_requests_total{${T1}}`)).toBe(4);
    // A reply slower than the last bound: only in +Inf.
    expect([bucket('3.2768', T2), bucket('+Inf', T2)]).toEqual([0, 1]);
    // Agent 3: three replies (150, 150, 5 s) and one lost.
    expect(value(text, `meshping_agent_rtt_seconds_count{${A3}}`)).toBe(3);
    expect(value(text, `meshping_agent_requests_total{${A3}}`)).toBe(4);
    expect(value(text, `meshping_agent_rtt_seconds_bucket{le="0.0002",${A3}}`)).toBe(2);
  });

  it('counts neither a reply nor a probe for samples the agent could not send', async () => {
    const { add, scrape } = setup();
    add([[3, 1, RttCode.UNRESOLVED], [3, 1, RttCode.SEND_ERROR], [3, 1, 300]]);
    const text = await scrape();
    expect(value(text, `meshping_target_requests_total{${T1}}`)).toBe(1);
    expect(value(text, `meshping_target_loss_ratio{${T1}}`)).toBe(0);
  });

  it('gives the loss ratio of the last minute or so, and none for a target without probes in it', async () => {
    const { add, scrape, metrics } = setup();
    add([[3, 1, 200], [3, 1, RttCode.NO_REPLY], [4, 1, RttCode.NO_REPLY], [4, 1, 300]], T0);
    let text = await scrape();
    expect(value(text, `meshping_target_loss_ratio{${T1}}`)).toBe(0.5);
    expect(value(text, `meshping_agent_loss_ratio{${A3}}`)).toBe(0.5);
    expect(value(text, `meshping_target_loss_ratio{${T2}}`)).toBeUndefined();
    // A minute and more of replies only, a batch every 5 s: the lost probes leave the window.
    for (let t = 5_000; t <= 75_000; t += 5_000) add([[3, 1, 200]], T0 + t);
    text = await scrape();
    expect(value(text, `meshping_target_loss_ratio{${T1}}`)).toBe(0);
    expect(value(text, `meshping_target_requests_total{${T1}}`)).toBe(4 + 15);
    // Nothing for another minute: no probes in the window, no ratio (the counters stay).
    metrics.tick(T0 + 200_000);
    text = await scrape();
    expect(value(text, `meshping_target_loss_ratio{${T1}}`)).toBeUndefined();
    expect(value(text, `meshping_target_requests_total{${T1}}`)).toBe(19);
  });

  it("drops a deleted target's and agent's series, and starts them from zero", async () => {
    const { add, scrape, metrics, setLabels } = setup();
    add([[3, 1, 200], [3, 2, 200], [4, 2, 200]]);
    metrics.removeTarget(1);
    metrics.removeAgent(3);
    // Even while the names are still listed, their figures are gone ...
    let text = await scrape();
    expect(value(text, `meshping_target_rtt_seconds_count{${T1}}`)).toBe(0);
    expect(value(text, `meshping_target_requests_total{${T1}}`)).toBe(0);
    expect(value(text, `meshping_agent_rtt_seconds_count{${A3}}`)).toBe(0);
    expect(value(text, `meshping_target_rtt_seconds_count{${T2}}`)).toBe(2);
    // ... and once they are not listed (deleted), no line names them.
    setLabels({ targets: [{ id: 2, address: 'db.example', name: null }], agents: [{ id: 4, hostname: 'probe-b' }] });
    text = await scrape();
    expect(text).not.toContain('target_id="1"');
    expect(text).not.toContain('agent_id="3"');
    expect(value(text, `meshping_target_rtt_seconds_count{${T2}}`)).toBe(2);
  });

  it('escapes label values, and follows a rename', async () => {
    const { add, scrape, setLabels } = setup();
    add([[3, 1, 200]]);
    expect(value(await scrape(), `meshping_target_requests_total{${T1}}`)).toBe(1);
    setLabels({ targets: [{ id: 1, address: '10.0.0.1', name: 'rack "7"\\b\nx' }], agents: [] });
    const text = await scrape();
    expect(value(text, 'meshping_target_requests_total{target_id="1",target="10.0.0.1",target_name="rack \\"7\\"\\\\b\\nx"}')).toBe(1);
    expect(text).not.toContain('target_name="gw"');
  });

  it('has no per-pair series unless asked for', async () => {
    const { add, scrape } = setup(null);
    add([[3, 1, 200]]);
    expect(await scrape()).not.toContain('meshping_pair_');
  });

  it('keeps per-pair series for at most the cap, says how many were refused, logs once, and frees the slots of a deleted agent', async () => {
    const { add, scrape, metrics, capped, setLabels } = setup(2);
    add([[3, 1, 200], [3, 2, RttCode.NO_REPLY], [4, 1, 300], [4, 2, 400]]);
    add([[3, 1, 100], [4, 2, 400]]);
    let text = await scrape();
    expect(value(text, 'meshping_pair_series')).toBe(2);
    expect(value(text, 'meshping_pair_series_refused')).toBe(2);
    expect(capped).toEqual([2]);
    const p31 = 'agent_id="3",agent="probe-a",target_id="1",target="10.0.0.1"';
    expect(value(text, `meshping_pair_requests_total{${p31}}`)).toBe(2);
    expect(value(text, `meshping_pair_rtt_seconds_count{${p31}}`)).toBe(2);
    expect(value(text, `meshping_pair_rtt_seconds_sum{${p31}}`)).toBeCloseTo(0.0003, 10);
    expect(value(text, `meshping_pair_requests_total{agent_id="3",agent="probe-a",target_id="2",target="db.example"}`)).toBe(1);
    expect(text).not.toContain('meshping_pair_requests_total{agent_id="4"');
    // Agent 3 deleted: its two slots go to agent 4's pairs as their next samples come.
    metrics.removeAgent(3);
    setLabels({ targets: [{ id: 1, address: '10.0.0.1', name: 'gw' }, { id: 2, address: 'db.example', name: null }], agents: [{ id: 4, hostname: 'probe-b' }] });
    add([[4, 1, 300], [4, 2, 400]]);
    text = await scrape();
    expect(value(text, 'meshping_pair_series')).toBe(2);
    expect(value(text, 'meshping_pair_series_refused')).toBe(0);
    expect(text).not.toContain('agent_id="3"');
    expect(value(text, 'meshping_pair_requests_total{agent_id="4",agent="probe-b",target_id="2",target="db.example"}')).toBe(1);
    expect(capped).toEqual([2]);
  });
});
