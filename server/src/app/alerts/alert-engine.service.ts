import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { CLOCK, type Clock } from '@meshping/node-kit';
import { dormantStaleAfterMs, PROBE_INTERVAL_MS } from '@meshping/protocol';
import { Subject } from 'rxjs';
import { AgentsService } from '../agents/agents.service';
import { SettingsService } from '../mesh/settings.service';
import { MonitoringService } from '../monitoring/monitoring.service';
import { TargetsService, type TargetView } from '../targets/targets.service';
import type { AlertRule } from './alert-rule';
import { AlertRulesService } from './alert-rules.service';
import { AlertEngine, type EngineFigures } from './engine/alert-engine';
import type { Transition } from './engine/incident-tracker';
import type { MeshView } from './engine/rule-evaluator';
import { IncidentsService } from './incidents.service';

/**
 * Runs the rule engine in the server: every stored sample is counted as it is committed (a few
 * typed-array writes per sample, on the ingest path), and every probe interval the enabled rules are
 * evaluated over the mesh as it is now; the incidents that open, change or resolve are stored
 * (IncidentsService) and announced on transitions$ for whoever tells people.
 */
@Injectable()
export class AlertEngineService implements OnModuleInit {
  private readonly logger = new Logger(AlertEngineService.name);
  private readonly engine = new AlertEngine();
  private rules: AlertRule[] = [];
  private evaluating: Promise<void> | null = null;
  private ready = false;
  readonly transitions$ = new Subject<Transition>();

  constructor(
    private readonly monitoring: MonitoringService,
    private readonly agents: AgentsService,
    private readonly targets: TargetsService,
    private readonly settings: SettingsService,
    private readonly ruleService: AlertRulesService,
    private readonly incidents: IncidentsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    // The alerts module initialises after the rules service has inserted the defaults.
    this.useRules(await this.ruleService.list());
    await this.updateThresholds();
    this.engine.restore(await this.incidents.openCauses());
    const targetOf = (cell: number) => this.monitoring.targetOfCell(cell);
    this.monitoring.samplesStored$.subscribe(({ pairs, at, rtt }) => this.engine.add(pairs, at, rtt, targetOf, this.clock.now()));
    this.ruleService.changes$.subscribe((rules) => this.useRules(rules));
    this.targets.changes$.subscribe(() => void this.updateThresholds());
    this.settings.changes$.subscribe(() => void this.updateThresholds());
    this.ready = true;
  }

  /** One evaluation (every probe interval; tests call it on their clock). Resolves when its transitions are stored. */
  @Interval(PROBE_INTERVAL_MS)
  evaluate(): Promise<void> {
    if (!this.ready) return Promise.resolve();
    this.evaluating ??= this.evaluateOnce()
      .catch((err: unknown) => this.logger.error({ event: 'alerts.evaluation-failed', err }))
      .finally(() => (this.evaluating = null));
    return this.evaluating;
  }

  figures(): EngineFigures {
    return this.engine.figures();
  }

  private async evaluateOnce(): Promise<void> {
    const agents = (await this.agents.list()).filter((a) => a.state === 'approved');
    const mesh: MeshView = {
      agents: agents.map(({ id, group, online, lastSeenAt }) => ({ id, group, online, lastSeenAt })),
      targets: this.targets.views().map(({ id, group }) => ({ id, group })),
      pairRow: (agentId) => this.monitoring.cellRow(agentId),
    };
    const now = this.clock.now();
    this.engine.setTargetStaleness(dormantStaleness(this.targets.views(), now));
    const transitions = await this.engine.evaluateInSlices(now, mesh, () => new Promise<void>((resolve) => setImmediate(resolve)));
    if (transitions.length === 0) return;
    await this.incidents.record(transitions, this.rules, agents, this.targets.views());
    for (const t of transitions) this.transitions$.next(t);
  }

  private useRules(rules: AlertRule[]): void {
    this.rules = rules;
    this.engine.setRules(rules);
  }

  private async updateThresholds(): Promise<void> {
    const { latencyThresholdMs } = await this.settings.get();
    const views = this.targets.views();
    const byId = new Float64Array(views.reduce((m, t) => Math.max(m, t.id), 0) + 1).fill(latencyThresholdMs * 1000);
    for (const t of views) if (t.latencyThresholdMs !== null) byId[t.id] = t.latencyThresholdMs * 1000;
    this.engine.setTargetThresholds(byId);
  }
}

/** By target id: how stale a dormant target's pairs may be at `now` (its back-off interval), 0 for the rest. */
function dormantStaleness(targets: readonly TargetView[], now: number): Float64Array {
  const dormant = targets.filter((t) => t.dormantSince !== null);
  const byId = new Float64Array(dormant.reduce((m, t) => Math.max(m, t.id + 1), 0));
  for (const t of dormant) byId[t.id] = dormantStaleAfterMs(t.dormantSince as number, now);
  return byId;
}
