/**
 * Fault localisation: one rule's verdict on every pair of the part of the mesh it watches, turned
 * into causes, each of which becomes one incident. Pure and O(agents x targets) per pass.
 *
 * In this order, each step only looking at the bad pairs no earlier step explained:
 * 1. agent: an agent with at least ROW_BAD of its row bad (2 targets or more) where its group's
 *    other agents do not share it and most of those targets are fine for the others (or nobody
 *    else probes them): the agent's problem, not the targets'.
 * 2. block: for a target, some named agent groups lose it (CUT of their agents or more) while
 *    another named group reaches it (CLEAR or less bad): the network between them, not the target.
 *    Such (group, target) edges join into one incident per connected set of sites (an agent group
 *    and a target group of the same name are one site): site A <-> sites B, C.
 * 3. target: a target bad for at least `quorum` of the agents that probe it (default: a majority).
 * 4. path: (only when the rule asks for it) each bad pair left, one incident each, at most MAX_PATHS.
 */
export const ROW_BAD = 0.8;
export const CUT = 0.8;
export const CLEAR = 0.2;
export const MAX_PATHS = 500;
/** A cause lists at most this many of its pairs (pairCount has them all): a cut-off site is 100,000s. */
export const MAX_CAUSE_PAIRS = 5_000;

export const NO_DATA = -1;
export const GOOD = 0;
export const BAD = 1;

export interface Member {
  id: number;
  group: string | null;
}

export interface Verdicts {
  agents: readonly Member[];
  targets: readonly Member[];
  /** agents.length x targets.length, row by agent: NO_DATA, GOOD or BAD. */
  state: Int8Array;
}

export type CauseKind = 'silent' | 'agent' | 'block' | 'target' | 'path';

export interface Cause {
  kind: CauseKind;
  /** Stable across evaluations for the same cause (the incident's identity). */
  key: string;
  agentIds: number[];
  targetIds: number[];
  /** Block: the sites on the losing side and the targets' sites (a target without a group: its id). */
  sites?: { agents: string[]; targets: string[] };
  /** Silent: since when the agent has not been heard from (epoch ms). */
  since?: number;
  /** The bad pairs this cause explains, as [agentId, targetId]: the first MAX_CAUSE_PAIRS of them. */
  pairs: [number, number][];
  /** How many bad pairs it explains. */
  pairCount: number;
}

export interface LocaliseOptions {
  quorum: number | null;
  paths: boolean;
}

/** All of localiseSteps at once. */
export function localise(v: Verdicts, options: LocaliseOptions): Cause[] {
  return drain(localiseSteps(v, options));
}

/** Runs a stepwise computation to its end. */
export function drain<T>(steps: Generator<void, T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/**
 * localise(), one pass over the matrix per step (it yields between them), so that a caller can let
 * the event loop run in between: at 1,000 x 1,000 a pass is a few ms.
 */
export function* localiseSteps(v: Verdicts, options: LocaliseOptions): Generator<void, Cause[]> {
  // Each pass is a method of its own: V8 optimises plain functions much sooner than a generator's
  // body (loops in the generator ran ~50 ms per pass at 1,000 x 1,000 until re-optimised).
  const l = new Localisation(v);
  l.count();
  yield;
  l.agents();
  l.unflag();
  yield;
  l.blocks();
  yield;
  l.targetsDown(options.quorum);
  if (options.paths) {
    yield;
    l.paths();
  }
  return l.causes;
}

/** The state of one localisation between its passes. */
class Localisation {
  readonly causes: Cause[] = [];
  private readonly A: number;
  private readonly T: number;
  private readonly state: Int8Array;
  private readonly explained: Uint8Array;
  private readonly flagged: Uint8Array;
  private readonly colEval: Int32Array;
  private readonly colBad: Int32Array;
  private readonly rowEval: Int32Array;
  private readonly rowBad: Int32Array;
  private readonly groupNames: string[];
  private readonly groupOf: Int32Array;
  private readonly gEval: Int32Array;
  private readonly gBad: Int32Array;

  constructor(private readonly v: Verdicts) {
    this.A = v.agents.length;
    this.T = v.targets.length;
    this.state = v.state;
    this.explained = new Uint8Array(this.A * this.T);
    this.flagged = new Uint8Array(this.A);
    this.colEval = new Int32Array(this.T);
    this.colBad = new Int32Array(this.T);
    this.rowEval = new Int32Array(this.A);
    this.rowBad = new Int32Array(this.A);
    this.groupNames = [...new Set(v.agents.map((a) => a.group).filter((g): g is string => g !== null))].sort();
    this.groupOf = new Int32Array(this.A).fill(-1);
    v.agents.forEach((a, i) => (this.groupOf[i] = a.group === null ? -1 : this.groupNames.indexOf(a.group)));
    this.gEval = new Int32Array(this.groupNames.length * this.T);
    this.gBad = new Int32Array(this.groupNames.length * this.T);
  }

  /** Row, column and group-column counts of the pairs with data and of the bad ones. */
  count(): void {
    const { A, T, state, rowEval, rowBad, colEval, colBad, gEval, gBad, groupOf } = this;
    for (let a = 0; a < A; a++) {
      const g = groupOf[a];
      for (let t = 0, i = a * T; t < T; t++, i++) {
        const s = state[i];
        if (s === NO_DATA) continue;
        rowEval[a]++;
        colEval[t]++;
        if (g >= 0) gEval[g * T + t]++;
        if (s === BAD) {
          rowBad[a]++;
          colBad[t]++;
          if (g >= 0) gBad[g * T + t]++;
        }
      }
    }
  }

  /** 1. Agent problems. */
  agents(): void {
    const { A, T, state, rowEval, rowBad, colEval, colBad, gEval, gBad, groupOf, explained, v } = this;
    for (let a = 0; a < A; a++) {
      if (rowEval[a] < 2 || rowBad[a] < ROW_BAD * rowEval[a]) continue;
      const g = groupOf[a];
      let peerEval = 0;
      let peerBad = 0;
      let compared = 0;
      let fine = 0;
      for (let t = 0, i = a * T; t < T; t++, i++) {
        if (state[i] !== BAD) continue;
        if (g >= 0) {
          peerEval += gEval[g * T + t] - 1;
          peerBad += gBad[g * T + t] - 1;
        }
        const othersEval = colEval[t] - 1;
        if (othersEval > 0) {
          compared++;
          if (colBad[t] - 1 < 0.5 * othersEval) fine++;
        }
      }
      if (peerEval > 0 && peerBad >= 0.5 * peerEval) continue; // shared by its group: a block or the targets
      if (compared > 0 && fine < 0.5 * compared) continue; // the targets are bad for the others too
      this.flagged[a] = 1;
      const pairs: [number, number][] = [];
      const targetIds: number[] = [];
      for (let t = 0, i = a * T; t < T; t++, i++) {
        if (state[i] !== BAD) continue;
        explained[i] = 1;
        if (pairs.length < MAX_CAUSE_PAIRS) pairs.push([v.agents[a].id, v.targets[t].id]);
        targetIds.push(v.targets[t].id);
      }
      this.causes.push({ kind: 'agent', key: `agent:${v.agents[a].id}`, agentIds: [v.agents[a].id], targetIds, pairs, pairCount: targetIds.length });
    }
  }

  /** The flagged agents no longer count in their groups' columns. */
  unflag(): void {
    const { A, T, state, colEval, colBad, gEval, gBad, groupOf, flagged } = this;
    for (let a = 0; a < A; a++) {
      if (!flagged[a]) continue;
      const g = groupOf[a];
      for (let t = 0, i = a * T; t < T; t++, i++) {
        const s = state[i];
        if (s === NO_DATA) continue;
        colEval[t]--;
        if (s === BAD) colBad[t]--;
        if (g < 0) continue;
        gEval[g * T + t]--;
        if (s === BAD) gBad[g * T + t]--;
      }
    }
  }

  /** 2. Blocks between named agent groups and targets. */
  blocks(): void {
    if (this.groupNames.length < 2) return;
    const { groupNames, groupOf, gEval, gBad, flagged, explained } = this;
    this.causes.push(...blocks(this.v, { groupNames, groupOf, gEval, gBad, flagged, explained }));
  }

  /**
   * 3. Targets down by quorum, over what is left: counted row by row (memory order), then only the
   * columns down are walked.
   */
  targetsDown(quorum: number | null): void {
    const { A, T, state, explained, flagged, v } = this;
    const colN = new Int32Array(T);
    const colB = new Int32Array(T);
    for (let a = 0; a < A; a++) {
      if (flagged[a]) continue;
      for (let t = 0, i = a * T; t < T; t++, i++) {
        const st = state[i];
        if (st === NO_DATA || explained[i]) continue;
        colN[t]++;
        if (st === BAD) colB[t]++;
      }
    }
    for (let t = 0; t < T; t++) {
      const n = colN[t];
      const b = colB[t];
      const needed = quorum ?? Math.floor(n / 2) + 1;
      if (b === 0 || b < needed) continue;
      const pairs: [number, number][] = [];
      const agentIds: number[] = [];
      for (let a = 0, i = t; a < A; a++, i += T) {
        if (flagged[a] || explained[i] || state[i] !== BAD) continue;
        explained[i] = 1;
        if (pairs.length < MAX_CAUSE_PAIRS) pairs.push([v.agents[a].id, v.targets[t].id]);
        agentIds.push(v.agents[a].id);
      }
      this.causes.push({ kind: 'target', key: `target:${v.targets[t].id}`, agentIds, targetIds: [v.targets[t].id], pairs, pairCount: agentIds.length });
    }
  }

  /** 4. Single paths. */
  paths(): void {
    const { A, T, state, explained, v } = this;
    let left = MAX_PATHS;
    for (let i = 0; i < A * T && left > 0; i++) {
      if (state[i] !== BAD || explained[i]) continue;
      const a = v.agents[Math.floor(i / T)].id;
      const t = v.targets[i % T].id;
      this.causes.push({ kind: 'path', key: `path:${a}:${t}`, agentIds: [a], targetIds: [t], pairs: [[a, t]], pairCount: 1 });
      left--;
    }
  }
}

interface BlockInput {
  groupNames: string[];
  groupOf: Int32Array;
  gEval: Int32Array;
  gBad: Int32Array;
  flagged: Uint8Array;
  explained: Uint8Array;
}

function blocks(v: Verdicts, b: BlockInput): Cause[] {
  const A = v.agents.length;
  const T = v.targets.length;
  const G = b.groupNames.length;
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r) as string;
    parent.set(x, r);
    return r;
  };
  const node = (x: string) => {
    if (!parent.has(x)) parent.set(x, x);
    return x;
  };
  const siteOfTarget = (t: number) => (v.targets[t].group !== null ? `site:${v.targets[t].group}` : `target:${v.targets[t].id}`);
  const edges: { g: number; t: number }[] = [];
  for (let t = 0; t < T; t++) {
    let cut = false;
    let clear = false;
    for (let g = 0; g < G; g++) {
      const n = b.gEval[g * T + t];
      if (n === 0) continue;
      const bad = b.gBad[g * T + t];
      if (bad >= CUT * n) cut = true;
      else if (bad <= CLEAR * n) clear = true;
    }
    if (!cut || !clear) continue;
    for (let g = 0; g < G; g++) {
      const n = b.gEval[g * T + t];
      if (n > 0 && b.gBad[g * T + t] >= CUT * n) {
        edges.push({ g, t });
        const x = find(node(`site:${b.groupNames[g]}`));
        const y = find(node(siteOfTarget(t)));
        if (x !== y) parent.set(x, y);
      }
    }
  }
  if (edges.length === 0) return [];
  const groupMembers: number[][] = Array.from({ length: G }, () => []);
  for (let a = 0; a < A; a++) if (b.groupOf[a] >= 0 && !b.flagged[a]) groupMembers[b.groupOf[a]].push(a);
  interface Component {
    nodes: Set<string>;
    agentSites: Set<string>;
    targetSites: Set<string>;
    /** Marks by row and column index (typed arrays: a cut-off site is 100,000s of pairs). */
    agents: Uint8Array;
    targets: Uint8Array;
    pairs: [number, number][];
    pairCount: number;
    cells: number[];
  }
  const components = new Map<string, Component>();
  const componentOf = (g: number, t: number): Component => {
    const root = find(`site:${b.groupNames[g]}`);
    let c = components.get(root);
    if (!c) components.set(root, (c = { nodes: new Set(), agentSites: new Set(), targetSites: new Set(), agents: new Uint8Array(A), targets: new Uint8Array(T), pairs: [], pairCount: 0, cells: [] }));
    c.nodes.add(`site:${b.groupNames[g]}`).add(siteOfTarget(t));
    c.agentSites.add(b.groupNames[g]);
    c.targetSites.add(v.targets[t].group ?? `#${v.targets[t].id}`);
    return c;
  };
  // The cut targets of each group, in column order, with their component: then each member's row is
  // walked in memory order (per edge, a column walk over the members was ~50 ms at a cut-off site).
  const cutTargets: { t: number; c: Component }[][] = Array.from({ length: G }, () => []);
  for (const { g, t } of edges) cutTargets[g].push({ t, c: componentOf(g, t) });
  const state = v.state;
  const explained = b.explained;
  for (let g = 0; g < G; g++) {
    const list = cutTargets[g].sort((x, y) => x.t - y.t);
    const n = list.length;
    if (n === 0) continue;
    // Parallel arrays: the inner loop runs 100,000s of times at a cut-off site.
    const ts = Int32Array.from(list, (e) => e.t);
    const cs = list.map((e) => e.c);
    for (const a of groupMembers[g]) {
      const base = a * T;
      for (let k = 0; k < n; k++) {
        const t = ts[k];
        const i = base + t;
        if (state[i] !== BAD || explained[i]) continue;
        explained[i] = 1;
        const c = cs[k];
        c.agents[a] = 1;
        c.targets[t] = 1;
        if (c.cells.length < 2) c.cells.push(i);
        if (c.pairs.length < MAX_CAUSE_PAIRS) c.pairs.push([v.agents[a].id, v.targets[t].id]);
        c.pairCount++;
      }
    }
  }
  const ids = (marks: Uint8Array, members: readonly Member[]) => members.filter((_, k) => marks[k]).map((m) => m.id).sort((x, y) => x - y);
  const out: Cause[] = [];
  for (const c of components.values()) {
    if (c.pairCount < 2) {
      // One pair is no block: give it back to the later steps.
      for (const i of c.cells) b.explained[i] = 0;
      continue;
    }
    out.push({
      kind: 'block',
      key: `block:${[...c.nodes].sort().join(',')}`,
      agentIds: ids(c.agents, v.agents),
      targetIds: ids(c.targets, v.targets),
      sites: { agents: [...c.agentSites].sort(), targets: [...c.targetSites].sort() },
      pairs: c.pairs,
      pairCount: c.pairCount,
    });
  }
  return out;
}
