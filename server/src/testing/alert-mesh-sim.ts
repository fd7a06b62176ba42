import { RttCode } from '@meshping/protocol';
import type { AlertEngine } from '../app/alerts/engine/alert-engine';
import type { Transition } from '../app/alerts/engine/incident-tracker';
import type { EngineAgent, MeshView } from '../app/alerts/engine/rule-evaluator';

export interface SimMeshOptions {
  agents: number;
  targets: number;
  /** An agent's group (site), by index; none by default. */
  agentGroup?: (a: number) => string | null;
  targetGroup?: (t: number) => string | null;
}

/**
 * A mesh of simulated agents and targets for the rule engine, on an injected clock: agents 1..A,
 * targets 1..T, pair index (a-1) * T + (t-1). Each `step` probes every pair of every online agent
 * once (a reply of `rtt(a, t)` µs, or a loss when it returns null) and evaluates.
 */
export class SimMesh implements MeshView {
  readonly agents: EngineAgent[];
  readonly targets: { id: number; group: string | null }[];
  private readonly rows: Int32Array[];
  /** The RTT (µs) agent a measures to target t now, or null for no reply. */
  rtt: (a: number, t: number) => number | null = () => 1_000;
  readonly transitions: Transition[] = [];
  private readonly pairs: Int32Array;
  private readonly at: Float64Array;
  private readonly rtts: Int32Array;

  constructor(
    private readonly engine: AlertEngine,
    options: SimMeshOptions,
    public now: number,
  ) {
    const A = options.agents;
    const T = options.targets;
    this.agents = Array.from({ length: A }, (_, i) => ({ id: i + 1, group: options.agentGroup?.(i + 1) ?? null, online: true, lastSeenAt: now }));
    this.targets = Array.from({ length: T }, (_, i) => ({ id: i + 1, group: options.targetGroup?.(i + 1) ?? null }));
    this.rows = this.agents.map((_, a) => {
      const row = new Int32Array(T + 1).fill(-1);
      for (let t = 1; t <= T; t++) row[t] = a * T + (t - 1);
      return row;
    });
    this.pairs = new Int32Array(A * T);
    this.at = new Float64Array(A * T);
    this.rtts = new Int32Array(A * T);
  }

  pairRow(agentId: number): ArrayLike<number> | undefined {
    return this.rows[agentId - 1];
  }

  targetOf = (p: number): number => (p % this.targets.length) + 1;

  agent(id: number): EngineAgent {
    return this.agents[id - 1];
  }

  /** One probe round at `now` (stored a second later), one evaluation, the clock 5 s on; returns this round's transitions. */
  step(): Transition[] {
    let n = 0;
    for (const agent of this.agents) {
      if (!agent.online) continue;
      agent.lastSeenAt = this.now;
      for (const target of this.targets) {
        const r = this.rtt(agent.id, target.id);
        this.pairs[n] = (agent.id - 1) * this.targets.length + (target.id - 1);
        this.at[n] = this.now;
        this.rtts[n] = r === null ? RttCode.NO_REPLY : r;
        n++;
      }
    }
    this.engine.add(this.pairs.subarray(0, n), this.at.subarray(0, n), this.rtts.subarray(0, n), this.targetOf, this.now + 1_000);
    const out = this.engine.evaluate(this.now + 2_000, this);
    this.transitions.push(...out);
    this.now += 5_000;
    return out;
  }

  /** `rounds` steps; all their transitions. */
  run(rounds: number): Transition[] {
    const out: Transition[] = [];
    for (let i = 0; i < rounds; i++) out.push(...this.step());
    return out;
  }
}
