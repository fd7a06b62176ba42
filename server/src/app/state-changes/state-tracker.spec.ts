import { CELL_STALE_AFTER_MS, CellState, OFFLINE_AFTER_MS, PROBE_INTERVAL_MS, RttCode } from '@meshping/protocol';
import { CHECK_EVERY, StateTracker, type KnownState, type PairSource } from './state-tracker';
import { Kind, NO_ID, type TransitionBuffer } from './transition-buffer';

const { SILENT, UP, DEGRADED, DOWN } = CellState;
const NAMES = ['silent', 'up', 'degraded', 'down', 'dormant'];
const KINDS = ['pair', 'target', 'agent'];

/** A mesh of `agents` x `targets` pairs with ids from 1, pair index = row-major; newest samples as a cache would recover them. */
class Mesh implements PairSource {
  newestSamples = new Map<number, { at: number; rtt: number }>();
  constructor(
    readonly agents: number,
    readonly targets: number,
  ) {}
  count(): number {
    return this.agents * this.targets;
  }
  agentOf(p: number): number {
    return Math.floor(p / this.targets) + 1;
  }
  targetOf(p: number): number {
    return (p % this.targets) + 1;
  }
  pair(agentId: number, targetId: number): number {
    return (agentId - 1) * this.targets + targetId - 1;
  }
  newest(p: number): { at: number; rtt: number } | null {
    return this.newestSamples.get(p) ?? null;
  }
}

/** Time moved only by hand (ManualClock follows the wall clock between steps; these tests compare exact times). */
class StillClock {
  private t = 1_800_000_000_000;
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** The buffer as readable lines: "pair 1>2 up->down @t" (times relative to t0). */
function lines(out: TransitionBuffer, t0: number): string[] {
  const drained = out.drain();
  const result: string[] = [];
  for (let i = 0; i < drained.length; i++) {
    const subject = drained.kind[i] === Kind.PAIR ? `${drained.agentId[i]}>${drained.targetId[i]}` : drained.kind[i] === Kind.TARGET ? `${drained.targetId[i]}` : `${drained.agentId[i]}`;
    result.push(`${KINDS[drained.kind[i]]} ${subject} ${NAMES[drained.from[i]]}->${NAMES[drained.to[i]]} @${drained.at[i] - t0}`);
  }
  return result;
}

describe(StateTracker.name, () => {
  let clock: StillClock;
  let t0: number;
  let mesh: Mesh;
  let tracker: StateTracker;

  const start = (agents: number, targets: number, known: KnownState[] = [], graceUntil = -Infinity, online = true) => {
    mesh = new Mesh(agents, targets);
    tracker = new StateTracker(mesh);
    tracker.restore(known, graceUntil);
    connect(agents, online);
    tracker.setTargets(
      Array.from({ length: targets }, (_, i) => ({ id: i + 1, thresholdUs: null })),
      100_000,
    );
  };
  const connect = (agents: number, online: boolean | ((id: number) => boolean)) =>
    tracker.setAgents(
      Array.from({ length: agents }, (_, i) => ({ id: i + 1, online: typeof online === 'function' ? online(i + 1) : online })),
      clock.now(),
    );
  /** One probe round: rtt(agentId, targetId) for every pair (NaN: none sent), probed now, committed 500 ms later, then settled. */
  const round = (rtt: (agentId: number, targetId: number) => number) => {
    const at = clock.now();
    const pairs: number[] = [];
    const rtts: number[] = [];
    for (let a = 1; a <= mesh.agents; a++) {
      for (let t = 1; t <= mesh.targets; t++) {
        const v = rtt(a, t);
        if (Number.isNaN(v)) continue;
        pairs.push(mesh.pair(a, t));
        rtts.push(v);
      }
    }
    clock.advance(500);
    tracker.add(pairs, new Float64Array(pairs.length).fill(at), rtts, clock.now());
    tracker.settle(clock.now());
    clock.advance(PROBE_INTERVAL_MS - 500);
  };
  const sweep = () => {
    tracker.sweep(clock.now());
    tracker.settle(clock.now());
  };

  beforeEach(() => {
    clock = new StillClock();
    t0 = clock.now();
  });

  it("records a pair's change once, at the time of the sample that caused it, by the grid's colour rule", () => {
    start(1, 1);
    round(() => 900);
    expect(lines(tracker.out, t0)).toEqual(['pair 1>1 silent->up @0', 'target 1 silent->up @0', 'agent 1 silent->up @0']);
    round(() => 1_000);
    round(() => 950);
    sweep();
    expect(lines(tracker.out, t0)).toEqual([]); // the same state again is no transition
    round(() => 150_000); // over the default 100 ms threshold: yellow
    round(() => RttCode.NO_REPLY);
    round(() => RttCode.UNRESOLVED); // the agent's own problem: grey, never "down"
    round(() => 900);
    expect(lines(tracker.out, t0)).toEqual([
      'pair 1>1 up->degraded @15000',
      'target 1 up->degraded @15000',
      'agent 1 up->degraded @15000',
      'pair 1>1 degraded->down @20000',
      'target 1 degraded->down @20000',
      'agent 1 degraded->down @20000',
      'pair 1>1 down->silent @25000',
      'target 1 down->silent @25000',
      'agent 1 down->silent @25000',
      'pair 1>1 silent->up @30000',
      'target 1 silent->up @30000',
      'agent 1 silent->up @30000',
    ]);
  });

  it('records a target going dormant once (its pairs and column), then nothing while it is probed rarely, and its waking at the first reply', () => {
    start(2, 2);
    round(() => 900);
    round((_a, t) => (t === 2 ? RttCode.NO_REPLY : 900));
    tracker.out.drain();
    // The server marks target 2 dormant: every row is re-judged at the next sweep.
    const dormant = (d: boolean) => tracker.setTargets([{ id: 1, thresholdUs: null }, { id: 2, thresholdUs: null, dormant: d }], 100_000);
    dormant(true);
    sweep();
    expect(lines(tracker.out, t0)).toEqual(['pair 1>2 down->dormant @10000', 'pair 2>2 down->dormant @10000', 'target 2 down->dormant @10000']);
    // Minutes of rounds in which it is probed once every 30 s or more: no "silent" in between, no row change.
    for (let r = 0; r < 60; r++) {
      round((_a, t) => (t === 1 ? 900 : r % 6 === 0 ? RttCode.NO_REPLY : NaN));
      if (r % 3 === 0) sweep();
    }
    expect(lines(tracker.out, t0)).toEqual([]);
    // It answers: the server wakes it; the reply colours its cells by the usual rule.
    dormant(false);
    const woke = clock.now() - t0;
    round(() => 900);
    expect(lines(tracker.out, t0)).toEqual([`pair 1>2 dormant->up @${woke}`, `pair 2>2 dormant->up @${woke}`, `target 2 dormant->up @${woke}`]);
  });

  it('turns a pair silent when its newest sample goes stale (at that moment) or its agent disconnects (then), like the grid', () => {
    start(2, 1);
    round(() => 900);
    tracker.out.drain();
    // Agent 2 stops reporting; agent 1 disconnects 2 s later.
    clock.advance(PROBE_INTERVAL_MS);
    tracker.add([mesh.pair(1, 1)], [clock.now()], [900], clock.now());
    clock.advance(2_000);
    connect(2, (id) => id !== 1);
    clock.advance(CELL_STALE_AFTER_MS);
    sweep();
    expect(lines(tracker.out, t0)).toEqual([
      'pair 1>1 up->silent @12000',
      `pair 2>1 up->silent @${CELL_STALE_AFTER_MS}`,
      `target 1 up->silent @${CELL_STALE_AFTER_MS}`,
      'agent 1 up->silent @12000',
      `agent 2 up->silent @${CELL_STALE_AFTER_MS}`,
    ]);
    sweep();
    expect(lines(tracker.out, t0)).toEqual([]);
  });

  it("derives a target's state from its column and an agent's from its row: what a majority of the cells with data show", () => {
    start(5, 3);
    round(() => 900);
    tracker.out.drain();
    // Target 1: 2 of 5 agents see no reply (a minority: the target stays up, the pairs change).
    // Target 2: 3 of 5 no reply (down). Target 3: 2 down and 1 slow of 5 (degraded).
    round((a, t) => (t === 1 && a <= 2) || (t === 2 && a <= 3) || (t === 3 && a <= 2) ? RttCode.NO_REPLY : t === 3 && a === 3 ? 200_000 : 900);
    const changed = lines(tracker.out, t0).filter((l) => !l.startsWith('pair'));
    expect(changed).toEqual(['target 2 up->down @5000', 'target 3 up->degraded @5000', 'agent 1 up->down @5000', 'agent 2 up->down @5000', 'agent 3 up->degraded @5000']);
    expect(tracker.lineState(Kind.TARGET, 1)).toBe(UP);
    // Agents 1 and 2 go silent: target 2's column is now 1 down of 3 reporting -> up; silent cells do not vote.
    connect(5, (id) => id > 2);
    sweep();
    expect(lines(tracker.out, t0).filter((l) => l.startsWith('target'))).toEqual(['target 2 down->up @10000', 'target 3 degraded->up @10000']);
    expect([1, 2, 3].map((t) => tracker.lineState(Kind.TARGET, t))).toEqual([UP, UP, UP]);
    expect(tracker.lineState(Kind.AGENT, 3)).toBe(DEGRADED);
    expect(tracker.lineState(Kind.AGENT, 1)).toBe(SILENT);
  });

  it('after a restart starts from the last recorded states: agents that come back within the grace log nothing, the others go silent from when their data stopped', () => {
    // The server stopped at t0 + 5 s; it was down for 10 minutes; the cache recovered each pair's newest sample.
    const stoppedAt = t0 + 5_000;
    const known: KnownState[] = [
      { kind: Kind.PAIR, agentId: 1, targetId: 1, state: UP, at: t0 - 60_000 },
      { kind: Kind.PAIR, agentId: 2, targetId: 1, state: DOWN, at: t0 - 60_000 },
      { kind: Kind.TARGET, agentId: NO_ID, targetId: 1, state: UP, at: t0 - 60_000 },
      { kind: Kind.AGENT, agentId: 1, targetId: NO_ID, state: UP, at: t0 - 60_000 },
      { kind: Kind.AGENT, agentId: 2, targetId: NO_ID, state: DOWN, at: t0 - 60_000 },
    ];
    clock.advance(10 * 60_000);
    start(2, 1, known, clock.now() + OFFLINE_AFTER_MS, false); // nobody has reconnected yet
    mesh.newestSamples.set(mesh.pair(1, 1), { at: stoppedAt, rtt: 900 });
    mesh.newestSamples.set(mesh.pair(2, 1), { at: stoppedAt, rtt: RttCode.NO_REPLY });
    sweep();
    expect(lines(tracker.out, t0)).toEqual([]);
    // Agent 1 reconnects and reports the same as before: nothing to log. Agent 2 never comes back.
    connect(2, (id) => id === 1);
    for (let i = 0; i < 11; i++) {
      round((a) => (a === 1 ? 900 : NaN)); // agent 2 sends nothing
      sweep();
    }
    expect(lines(tracker.out, t0)).toEqual([]);
    clock.advance(6_000); // past the grace
    sweep();
    expect(lines(tracker.out, t0)).toEqual([`pair 2>1 down->silent @${stoppedAt - t0 + CELL_STALE_AFTER_MS}`, `agent 2 down->silent @${stoppedAt - t0 + CELL_STALE_AFTER_MS}`]);
    expect(tracker.lineState(Kind.TARGET, 1)).toBe(UP);
  });

  it('records the change a new threshold makes at the time it takes effect, and nothing for a deleted target', () => {
    start(1, 2);
    round(() => 50_000);
    tracker.out.drain();
    tracker.setTargets([{ id: 1, thresholdUs: 20_000 }], 100_000); // target 2 deleted; target 1 now stricter
    sweep();
    expect(lines(tracker.out, t0)).toEqual(['pair 1>1 up->degraded @5000', 'target 1 up->degraded @5000', 'agent 1 up->degraded @5000']);
    clock.advance(CELL_STALE_AFTER_MS);
    sweep();
    expect(lines(tracker.out, t0).some((l) => l.includes('>2') || l.startsWith('target 2'))).toBe(false);
  });

  it('sweeps only the rows that can have changed: a row whose cells are all fresh costs nothing, a disconnection one row', () => {
    start(3, 4);
    round(() => 900);
    sweep(); // every row once (new cells)
    tracker.out.drain();
    const swept = () => {
      const before = tracker.sweptCells;
      sweep();
      return tracker.sweptCells - before;
    };
    expect(swept()).toBe(0);
    // Agents 1 and 3 report every round; agent 2 falls silent: its row alone is looked at, once it may be stale.
    for (let i = 0; i < 3; i++) round((a) => (a === 2 ? NaN : 900));
    expect(swept()).toBe(4);
    expect(lines(tracker.out, t0).filter((l) => l.includes('2>'))).toEqual([1, 2, 3, 4].map((t) => `pair 2>${t} up->silent @${CELL_STALE_AFTER_MS}`));
    expect(swept()).toBe(0);
    connect(3, (id) => id !== 3);
    expect(swept()).toBe(4);
    expect(tracker.lineState(Kind.AGENT, 3)).toBe(SILENT);
  });

  it('judges a batch and sweeps in steps against a deadline, with the same result as at once', () => {
    const run = (sliced: boolean) => {
      clock = new StillClock();
      start(20, 500);
      const pairs = Int32Array.from({ length: mesh.count() }, (_, p) => p);
      const at = new Float64Array(pairs.length).fill(clock.now());
      const rtt = Int32Array.from(pairs, (p) => (p % 7 === 0 ? RttCode.NO_REPLY : p % 5 === 0 ? 150_000 : 900));
      clock.advance(500);
      const steps = [];
      for (let from = 0; from < pairs.length; ) {
        from = tracker.judge(pairs, at, rtt, clock.now(), from, sliced ? -Infinity : Infinity);
        steps.push(from);
      }
      tracker.settle(clock.now());
      clock.advance(CELL_STALE_AFTER_MS + 1);
      connect(20, (id) => id !== 5);
      const sweepNow = clock.now();
      while (!tracker.sweep(sweepNow, sliced ? -Infinity : Infinity)) clock.advance(1); // a sweep keeps its start time
      tracker.settle(clock.now());
      return { steps: steps.length, log: lines(tracker.out, t0) };
    };
    const atOnce = run(false);
    const inSteps = run(true);
    expect(atOnce.steps).toBe(1);
    expect(inSteps.steps).toBe(Math.ceil(10_000 / CHECK_EVERY));
    expect(inSteps.log).toEqual(atOnce.log);
    expect(atOnce.log.filter((l) => l.includes('->silent')).length).toBeGreaterThan(10_000);
  });
});

