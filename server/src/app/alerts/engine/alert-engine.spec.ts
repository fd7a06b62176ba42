import { SimMesh } from '../../../testing/alert-mesh-sim';
import { DEFAULT_RULES, type AlertRule } from '../alert-rule';
import { AlertEngine } from './alert-engine';
import type { Transition } from './incident-tracker';

const T0 = Date.UTC(2026, 11, 3, 8, 0, 0);
const HOUR_ROUNDS = 720;

function rules(overrides: Partial<AlertRule>[] = []): AlertRule[] {
  return DEFAULT_RULES.map((r, i) => ({ ...r, id: i + 1, ...overrides[i] }));
}
const UNREACHABLE = 1;
const LOSS = 2;
const LATENCY = 3;
const SILENT = 4;

function engineWith(list: AlertRule[], thresholdUs = 100_000): AlertEngine {
  const engine = new AlertEngine();
  engine.setRules(list);
  engine.setTargetThresholds(new Float64Array(10_000).fill(thresholdUs));
  return engine;
}

const of = (list: Transition[], type: Transition['type']) => list.filter((t) => t.type === type);
const kinds = (list: Transition[]) => list.map((t) => `${t.type} ${t.key}`);

describe(AlertEngine.name, () => {
  it('opens exactly one incident for a target every agent loses, naming them all, and resolves it once when it is back', () => {
    const engine = engineWith(rules());
    const mesh = new SimMesh(engine, { agents: 10, targets: 10 }, T0);
    expect(mesh.run(HOUR_ROUNDS / 4)).toEqual([]); // a quarter of an hour of a healthy mesh: nothing

    let down = true;
    mesh.rtt = (_a, t) => (t === 7 && down ? null : 1_000);
    const whileDown = mesh.run(HOUR_ROUNDS);
    const opened = of(whileDown, 'opened');
    expect(kinds(opened)).toEqual(['opened target:7']);
    expect(opened[0].cause.agentIds).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(opened[0].ruleIds).toEqual([UNREACHABLE]);
    // Unreachable fires after 3 no-replies and 2 evaluations: within the 4th round of the outage.
    expect(opened[0].at - (T0 + (HOUR_ROUNDS / 4) * 5_000)).toBeLessThanOrEqual(4 * 5_000);
    // The loss rule names the same cause later: the one incident is updated, no second one opens.
    expect(of(whileDown, 'updated').map((t) => t.ruleIds)).toEqual([[UNREACHABLE, LOSS]]);
    expect(of(whileDown, 'resolved')).toEqual([]);

    down = false;
    const after = mesh.run(HOUR_ROUNDS);
    expect(kinds(after)).toEqual(['resolved target:7']);
    expect(after[0].ruleIds).toEqual([UNREACHABLE, LOSS]);
  });

  it("judges a window only once it holds half of what it can: an outage in a young pair's first minute is one incident, not a loss incident after it", () => {
    const engine = engineWith(rules());
    const mesh = new SimMesh(engine, { agents: 3, targets: 2 }, T0);
    mesh.run(2); // the pairs are 10 s old
    mesh.rtt = (_a, t) => (t === 1 ? null : 1_000);
    const outage = mesh.run(4);
    mesh.rtt = () => 1_000;
    const after = mesh.run(HOUR_ROUNDS / 4);
    // (Judged from 15 samples on, 4 lost of 16 was "25 % lost over 5 min" once the outage had resolved.)
    expect(kinds([...outage, ...after])).toEqual(['opened target:1', 'resolved target:1']);
    expect(after[0].ruleIds).toEqual([UNREACHABLE]);
  });

  it('holds one incident through flapping, and hysteresis decides how long it stays open', () => {
    // A target down 30 s, up 30 s, for three hours.
    const flap = (engine: AlertEngine) => {
      const mesh = new SimMesh(engine, { agents: 5, targets: 5 }, T0);
      mesh.run(60);
      let round = 0;
      mesh.rtt = (_a, t) => (t === 2 && Math.floor(round / 6) % 2 === 0 ? null : 1_000);
      const out: Transition[] = [];
      for (let i = 0; i < 3 * HOUR_ROUNDS; i++, round++) out.push(...mesh.step());
      return out.filter((t) => t.key === 'target:2');
    };
    // Resolve after 3 good evaluations (15 s): every 30-s recovery resolves it, and each outage
    // opens it again: one open and one resolve a minute, never two incidents at once.
    const eager = flap(engineWith(rules([{}, { enabled: false }])));
    expect(of(eager, 'opened').length).toBe(3 * 60);
    expect(of(eager, 'resolved').length).toBe(3 * 60);
    // Resolve after 12 good evaluations (60 s): it stays open all three hours.
    const patient = flap(engineWith(rules([{ resolveAfter: 12 }, { enabled: false }])));
    expect(kinds(patient)).toEqual(['opened target:2']);
    // Fire after 8 bad evaluations: a 30-s outage never lasts long enough to fire.
    expect(flap(engineWith(rules([{ fireAfter: 8 }, { enabled: false }])))).toEqual([]);
    // The loss rule (20 % over 5 min) sees the 50 % loss and holds one incident all along.
    const lossy = flap(engineWith(rules([{ enabled: false }])));
    expect(kinds(lossy)).toEqual(['opened target:2']);
    expect(lossy[0].ruleIds).toEqual([LOSS]);
  });

  it('calls a target down only with a quorum of the agents that probe it', () => {
    const lostBy = (n: number, quorum: number | null) => {
      const engine = engineWith(rules([{ quorum }, { enabled: false }]));
      const mesh = new SimMesh(engine, { agents: 10, targets: 4 }, T0);
      mesh.rtt = (a, t) => (t === 3 && a <= n ? null : 1_000);
      return mesh.run(120);
    };
    expect(lostBy(4, null)).toEqual([]); // 4 of 10: no majority
    expect(lostBy(5, null)).toEqual([]); // 5 of 10: still none
    const six = lostBy(6, null);
    expect(kinds(six)).toEqual(['opened target:3']);
    expect(six[0].cause.agentIds).toEqual([1, 2, 3, 4, 5, 6]);
    const quorum3 = lostBy(4, 3);
    expect(kinds(quorum3)).toEqual(['opened target:3']);
    expect(quorum3[0].cause.agentIds).toEqual([1, 2, 3, 4]);
    expect(lostBy(2, 3)).toEqual([]);
  });

  it('reports a single path only when the rule asks for paths', () => {
    const run = (paths: boolean) => {
      const engine = engineWith(rules([{ paths }, { enabled: false }]));
      const mesh = new SimMesh(engine, { agents: 6, targets: 6 }, T0);
      mesh.rtt = (a, t) => (a === 2 && t === 5 ? null : 1_000);
      return mesh.run(60);
    };
    expect(run(false)).toEqual([]);
    expect(kinds(run(true))).toEqual(['opened path:2:5']);
  });

  it('makes an agent whose whole row goes bad one agent incident, not one per target', () => {
    const engine = engineWith(rules());
    const mesh = new SimMesh(engine, { agents: 8, targets: 20 }, T0);
    mesh.run(60);
    mesh.rtt = (a) => (a === 4 ? null : 1_000);
    const out = mesh.run(HOUR_ROUNDS);
    expect(kinds(of(out, 'opened'))).toEqual(['opened agent:4']);
    expect(of(out, 'opened')[0].cause.targetIds).toHaveLength(20);
    expect(out.every((t) => t.key === 'agent:4')).toBe(true);
  });

  it('makes an agent that goes silent one "agent silent" incident and nothing about its targets', () => {
    const engine = engineWith(rules());
    const mesh = new SimMesh(engine, { agents: 5, targets: 5 }, T0);
    mesh.run(60);
    const silentFrom = mesh.now;
    mesh.agent(3).online = false;
    const out = mesh.run(HOUR_ROUNDS);
    expect(kinds(out)).toEqual(['opened silent:3']);
    expect(out[0].ruleIds).toEqual([SILENT]);
    expect(out[0].cause.since).toBe(silentFrom - 5_000);
    // Not before the rule's 60 s.
    expect(out[0].at - silentFrom).toBeGreaterThanOrEqual(60_000 - 5_000);
    mesh.agent(3).online = true;
    expect(kinds(mesh.run(10))).toEqual(['resolved silent:3']);
  });

  it('ignores results that arrive late (a backlog resent after an outage)', () => {
    const engine = engineWith(rules([{}, { enabled: false }]));
    const mesh = new SimMesh(engine, { agents: 3, targets: 3 }, T0);
    mesh.run(20);
    // An agent resends 10 minutes of no-replies from an outage that ended a minute ago.
    const now = mesh.now;
    for (let i = 0; i < 120; i++) {
      const at = now - 11 * 60_000 + i * 5_000;
      engine.add([0, 1, 2], [at, at, at], [-1, -1, -1], mesh.targetOf, now);
    }
    expect(mesh.run(20)).toEqual([]);
  });

  it("alerts on the latency percentile over each target's own threshold", () => {
    const engine = engineWith(rules([{ enabled: false }, { enabled: false }]), 50_000);
    const mesh = new SimMesh(engine, { agents: 6, targets: 6 }, T0);
    let round = 0;
    // Target 1 answers in 80 ms one round in ten (p95 over 50 ms), target 2 one round in forty (p95 under).
    mesh.rtt = (_a, t) => (t === 1 && round % 10 === 0 ? 80_000 : t === 2 && round % 40 === 0 ? 80_000 : 10_000);
    const out: Transition[] = [];
    for (let i = 0; i < HOUR_ROUNDS; i++, round++) out.push(...mesh.step());
    expect(kinds(out)).toEqual(['opened target:1']);
    expect(out[0].ruleIds).toEqual([LATENCY]);
  });

  it('decides the same in steps, with the event loop running between them, as all at once', async () => {
    const site = (i: number) => 'abcde'[Math.floor((i - 1) / 60)];
    const steady = engineWith(rules());
    const sliced = engineWith(rules());
    const mesh = new SimMesh(steady, { agents: 300, targets: 300, agentGroup: site, targetGroup: site }, T0);
    mesh.rtt = (a, t) => (t === 5 || a === 77 || (site(a) === 'b' && site(t) === 'd') ? null : 1_000);
    let pauses = 0;
    const pause = () => new Promise<void>((resolve) => (pauses++, setImmediate(resolve)));
    for (let round = 0; round < 12; round++) {
      const at = mesh.now;
      const before = mesh.transitions.length;
      mesh.step(); // counts into `steady` and evaluates it all at once
      const pairs = Int32Array.from({ length: 300 * 300 }, (_, i) => i);
      const rtt = Int32Array.from(pairs, (i) => (mesh.rtt(Math.floor(i / 300) + 1, (i % 300) + 1) === null ? -1 : 1_000));
      sliced.add(pairs, new Float64Array(pairs.length).fill(at), rtt, mesh.targetOf, at + 1_000);
      const inSteps = await sliced.evaluateInSlices(at + 2_000, mesh, pause);
      expect(inSteps.map((t) => [t.type, t.key, t.ruleIds])).toEqual(mesh.transitions.slice(before).map((t) => [t.type, t.key, t.ruleIds]));
    }
    expect(kinds(mesh.transitions).sort()).toEqual(['opened agent:77', 'opened block:site:b,site:d', 'opened target:5']);
    // Verdicts in slices of 200 rows and one step per localisation pass, for each of the 3 pair rules.
    expect(pauses).toBeGreaterThan(12 * 3 * 4);
  });

  describe('on a 50 x 50 mesh of five sites', () => {
    // Agents and targets 1-10 are site a, 11-20 site b, ... 41-50 site e (a host is both an agent and a target).
    const site = (i: number) => 'abcde'[Math.floor((i - 1) / 10)];
    const build = () => {
      const engine = engineWith(rules());
      return new SimMesh(engine, { agents: 50, targets: 50, agentGroup: site, targetGroup: site }, T0);
    };

    it('makes one site cut off from the others one block incident, a → b c d e, for hours, then one recovery', () => {
      const mesh = build();
      mesh.run(60);
      let cut = true;
      mesh.rtt = (a, t) => (cut && (site(a) === 'a') !== (site(t) === 'a') ? null : 1_000);
      const during = mesh.run(HOUR_ROUNDS);
      const opened = of(during, 'opened');
      expect(kinds(opened)).toEqual(['opened block:site:a,site:b,site:c,site:d,site:e']);
      // The only update: the loss rule fires for the same cause later.
      expect(of(during, 'updated').map((t) => t.ruleIds)).toEqual([[UNREACHABLE, LOSS]]);
      expect(opened[0].cause.sites).toEqual({ agents: ['a', 'b', 'c', 'd', 'e'], targets: ['a', 'b', 'c', 'd', 'e'] });
      expect(opened[0].cause.agentIds).toHaveLength(50);
      expect(opened[0].cause.pairCount).toBe(2 * 10 * 40);
      expect(opened[0].cause.pairs).toHaveLength(2 * 10 * 40);
      expect(during.filter((t) => !t.key.startsWith('block:'))).toEqual([]);
      cut = false;
      expect(kinds(mesh.run(HOUR_ROUNDS))).toEqual(['resolved block:site:a,site:b,site:c,site:d,site:e']);
    });

    it('makes one direction lost (site b cannot reach site d) a block of b → d, not ten targets down', () => {
      const mesh = build();
      mesh.rtt = (a, t) => (site(a) === 'b' && site(t) === 'd' ? null : 1_000);
      const out = mesh.run(HOUR_ROUNDS);
      expect(kinds(out)).toEqual(['opened block:site:b,site:d', 'updated block:site:b,site:d']);
      expect(out[1].ruleIds).toEqual([UNREACHABLE, LOSS]);
      expect(out[0].cause.sites).toEqual({ agents: ['b'], targets: ['d'] });
      expect(out[0].cause.pairs).toHaveLength(100);
    });

    it('still tells one target down, and one agent problem, apart from the sites', () => {
      const mesh = build();
      mesh.rtt = (a, t) => (t === 33 || a === 12 ? null : 1_000);
      const out = mesh.run(HOUR_ROUNDS);
      expect(kinds(of(out, 'opened')).sort()).toEqual(['opened agent:12', 'opened target:33']);
      const target = of(out, 'opened').find((t) => t.key === 'target:33');
      expect(target?.cause.agentIds).toHaveLength(49);
    });
  });
});
