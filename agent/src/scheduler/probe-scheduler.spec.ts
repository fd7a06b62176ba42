import { systemClock } from '@meshping/node-kit';
import { PROBE_INTERVAL_MS, RttCode } from '@meshping/protocol';
import { FakeProber } from '../probe/fake-prober';
import { ResultBuffer } from '../uplink/result-buffer';
import { ProbeScheduler } from './probe-scheduler';

describe(ProbeScheduler.name, () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_795_000_001_234 }));
  afterEach(() => jest.useRealTimers());

  const targets = [
    { id: 1, address: '192.0.2.1', name: null },
    { id: 2, address: '192.0.2.2', name: null },
    { id: 3, address: '2001:db8::3', name: null },
    { id: 4, address: '192.0.2.4', name: null },
  ];

  function setup() {
    const prober = new FakeProber({ '192.0.2.1': 1500, '2001:db8::3': 800 });
    const buffer = new ResultBuffer(systemClock);
    const scheduler = new ProbeScheduler(prober, systemClock);
    scheduler.setTargets(targets);
    return { prober, buffer, scheduler };
  }

  const samplesOf = (buffer: ResultBuffer) => buffer.pending().flatMap((b) => (b.type === 'results' ? Array.from(b.target, (t, i) => ({ t, at: b.base + b.dt[i], rtt: b.rtt[i] })) : []));

  it('starts rounds on absolute multiples of the interval and spreads targets evenly across a round', async () => {
    const { buffer, scheduler } = setup();
    scheduler.start((sample) => buffer.add(sample));
    await jest.advanceTimersByTimeAsync(3 * PROBE_INTERVAL_MS);
    buffer.seal();
    const samples = samplesOf(buffer);
    const firstRound = Math.ceil(1_795_000_001_234 / PROBE_INTERVAL_MS) * PROBE_INTERVAL_MS;
    const round = samples.filter((s) => s.at < firstRound + PROBE_INTERVAL_MS).map((s) => s.at - firstRound);
    expect(round).toEqual([0, 1250, 2500, 3750]);
    // Every target once per interval, on the same offsets in every round: no drift.
    const byTarget = samples.filter((s) => s.t === 2).map((s) => (s.at - firstRound) % PROBE_INTERVAL_MS);
    expect(new Set(byTarget)).toEqual(new Set([1250]));
    expect(byTarget.length).toBeGreaterThanOrEqual(2);
    scheduler.stop();
  });

  it('probes a dormant target only on its back-off schedule, in its usual place, and every round again from its first reply', async () => {
    const prober = new FakeProber({ '192.0.2.1': 1500 });
    const buffer = new ResultBuffer(systemClock);
    const scheduler = new ProbeScheduler(prober, systemClock);
    const firstRound = Math.ceil(1_795_000_001_234 / PROBE_INTERVAL_MS) * PROBE_INTERVAL_MS;
    const since = firstRound - 10_000; // dormant for 10 s: probed at since + 30, 90, 210 s ...
    scheduler.setTargets([targets[0], { ...targets[1], dormantSince: since }]);
    scheduler.start((sample) => buffer.add(sample));
    await jest.advanceTimersByTimeAsync(230_000);
    buffer.seal();
    const at = (t: number) => samplesOf(buffer).filter((x) => x.t === t).map((x) => x.at - since);
    // Half a round in (its place among two targets), in the rounds that hold since + 30, 90 and 210 s.
    expect(at(2)).toEqual([32_500, 92_500, 212_500]);
    expect(at(1).length).toBe(46); // the awake one: every round
    // Its first reply: every round from then on, without waiting for the server.
    prober.answers['192.0.2.2'] = 700;
    await jest.advanceTimersByTimeAsync(230_000);
    buffer.seal();
    const after = at(2).filter((t) => t > 230_000);
    expect(after[0]).toBe(452_500);
    expect(after.slice(1).map((t, i) => t - after[i])).toEqual(new Array(after.length - 1).fill(PROBE_INTERVAL_MS));
    expect(after.length).toBeGreaterThan(1);
    scheduler.stop();
  });

  it('records RTTs and "no reply" as the prober reports them, IPv6 included', async () => {
    const { prober, buffer, scheduler } = setup();
    scheduler.start((sample) => buffer.add(sample));
    await jest.advanceTimersByTimeAsync(2 * PROBE_INTERVAL_MS);
    scheduler.stop();
    buffer.seal();
    const firstOf = (t: number) => samplesOf(buffer).find((s) => s.t === t)?.rtt;
    expect(firstOf(1)).toBe(1500);
    expect(firstOf(3)).toBe(800);
    expect(firstOf(4)).toBe(RttCode.NO_REPLY);
    expect(prober.sent.find((s) => s.address === '2001:db8::3')?.family).toBe(6);
  });

  it('runs each round once even when timers fire a little early by its clock', async () => {
    // Wall time read at a timer's firing can lag the timer (NTP slew): here, by 2 ms on each boundary.
    const lagging = {
      now: () => (Date.now() % PROBE_INTERVAL_MS === 0 ? Date.now() - 2 : Date.now()),
      monotonicNs: () => process.hrtime.bigint(),
    };
    const buffer = new ResultBuffer(lagging);
    const scheduler = new ProbeScheduler(new FakeProber(), lagging);
    scheduler.setTargets(targets);
    scheduler.start((sample) => buffer.add(sample));
    await jest.advanceTimersByTimeAsync(10 * PROBE_INTERVAL_MS);
    scheduler.stop();
    buffer.seal();
    for (const target of targets) {
      const times = samplesOf(buffer).filter((s) => s.t === target.id).map((s) => s.at);
      expect(times.length).toBeGreaterThanOrEqual(9);
      // Exactly one interval between consecutive probes of a target: no round ran twice.
      expect(times.slice(1).every((t, i) => Math.abs(t - times[i] - PROBE_INTERVAL_MS) <= 2)).toBe(true);
    }
  });

  it('starts rounds at its phase within the interval when given one (jitter against herds)', async () => {
    const buffer = new ResultBuffer(systemClock);
    const scheduler = new ProbeScheduler(new FakeProber(), systemClock, 1_700);
    scheduler.setTargets(targets);
    scheduler.start((sample) => buffer.add(sample));
    await jest.advanceTimersByTimeAsync(3 * PROBE_INTERVAL_MS);
    scheduler.stop();
    buffer.seal();
    const ofTarget1 = samplesOf(buffer).filter((s) => s.t === 1).map((s) => s.at);
    expect(ofTarget1.length).toBeGreaterThanOrEqual(2);
    expect(new Set(ofTarget1.map((at) => at % PROBE_INTERVAL_MS))).toEqual(new Set([1_700]));
  });

  it('stops probing when stopped', async () => {
    const { prober, buffer, scheduler } = setup();
    scheduler.start((sample) => buffer.add(sample));
    await jest.advanceTimersByTimeAsync(PROBE_INTERVAL_MS * 2);
    scheduler.stop();
    const sent = prober.sent.length;
    await jest.advanceTimersByTimeAsync(PROBE_INTERVAL_MS * 3);
    expect(prober.sent.length).toBe(sent);
  });

  it('on a planned stop sends no new probe but records the outcome of those already sent', async () => {
    const buffer = new ResultBuffer(systemClock);
    let answer: (rtt: number) => void = () => undefined;
    const prober = { open: () => undefined, close: () => undefined, probe: () => new Promise<number>((r) => (answer = r)) };
    const scheduler = new ProbeScheduler(prober, systemClock);
    scheduler.setTargets([targets[0]]);
    scheduler.start((sample) => buffer.add(sample));
    await jest.advanceTimersByTimeAsync(PROBE_INTERVAL_MS); // the round's probe is out, unanswered
    let settled = false;
    const stopping = scheduler.stopAndSettle().then(() => (settled = true));
    await jest.advanceTimersByTimeAsync(3 * PROBE_INTERVAL_MS);
    expect(settled).toBe(false);
    answer(4242);
    await stopping;
    buffer.seal();
    expect(samplesOf(buffer).map((s) => s.rtt)).toEqual([4242]);
  });
});
