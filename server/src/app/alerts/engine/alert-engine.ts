import type { AlertRule } from '../alert-rule';
import { IncidentTracker, type RuleResult, type Transition } from './incident-tracker';
import type { Cause } from './localise';
import { PairWindows, type ChannelSpec } from './pair-windows';
import { channelOf, RuleEvaluator, type MeshView } from './rule-evaluator';

export interface EngineFigures {
  rules: number;
  channels: number;
  windowBytes: number;
  tracked: number;
  open: number;
  lastEvaluationMs: number;
}

/**
 * The rule engine without Nest or storage: samples in (add), one evaluation per probe interval
 * (evaluate) out of which come the incidents' transitions. The service around it
 * (alerts/alert-engine.service.ts) feeds it from ingest, gives it the mesh, persists transitions.
 */
export class AlertEngine {
  readonly windows = new PairWindows();
  private readonly evaluator = new RuleEvaluator(this.windows);
  private readonly tracker = new IncidentTracker();
  private rules: AlertRule[] = [];
  private lastEvaluationMs = 0;

  /** The enabled rules; windowed counters are kept for exactly what they use. */
  setRules(rules: readonly AlertRule[]): void {
    this.rules = rules.filter((r) => r.enabled);
    const specs = new Map<string, ChannelSpec>();
    for (const r of this.rules) {
      const spec = channelOf(r);
      if (spec) specs.set(`${spec.kind}:${spec.windowMs}:${spec.thresholdUs}`, spec);
    }
    this.windows.setChannels([...specs.values()]);
  }

  /** Incidents that were open when the server stopped. */
  restore(open: readonly { cause: Cause; ruleIds: readonly number[] }[]): void {
    this.tracker.restore(open, new Map(this.rules.map((r) => [r.id, r])));
  }

  /** Each target's own latency threshold (µs), by target id. */
  setTargetThresholds(byTargetId: ArrayLike<number>): void {
    this.windows.targetThresholdUs = byTargetId;
  }

  /** By target id, how old a pair's newest sample may be and still count (ms; 0: the usual CELL_STALE_AFTER_MS): dormant targets are probed rarely. */
  setTargetStaleness(byTargetId: ArrayLike<number>): void {
    this.windows.targetStaleMs = byTargetId;
  }

  add(pairs: ArrayLike<number>, at: ArrayLike<number>, rtt: ArrayLike<number>, targetOf: (p: number) => number, now: number): void {
    this.windows.add(pairs, at, rtt, targetOf, now);
  }

  evaluate(now: number, mesh: MeshView): Transition[] {
    const started = performance.now();
    const results = this.rules.map((rule) => ({ rule, causes: this.evaluator.evaluate(rule, mesh, now) }));
    return this.track(now, results, started);
  }

  /**
   * The same evaluation in steps, `pause` between them (a few ms of work each at 1,000 x 1,000: a
   * slice of a rule's verdicts, or one localisation pass), so that ingest and browsers are served in
   * between. Samples counted meanwhile are seen by the rows not judged yet.
   */
  async evaluateInSlices(now: number, mesh: MeshView, pause: () => Promise<void>): Promise<Transition[]> {
    const started = performance.now();
    const results: RuleResult[] = [];
    for (const rule of this.rules) {
      const steps = this.evaluator.evaluateSteps(rule, mesh, now);
      for (;;) {
        await pause();
        const next = steps.next();
        if (next.done) {
          results.push({ rule, causes: next.value });
          break;
        }
      }
    }
    await pause();
    return this.track(now, results, started);
  }

  private track(now: number, results: RuleResult[], started: number): Transition[] {
    const transitions = this.tracker.tick(now, results);
    this.lastEvaluationMs = performance.now() - started;
    return transitions;
  }

  figures(): EngineFigures {
    return {
      rules: this.rules.length,
      channels: this.windows.channelCount(),
      windowBytes: this.windows.bytes(),
      tracked: this.tracker.size(),
      open: this.tracker.openCount(),
      lastEvaluationMs: this.lastEvaluationMs,
    };
  }
}
