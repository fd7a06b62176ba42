import { BadRequestException, ConflictException, Inject, Injectable, Logger, NotFoundException, type OnModuleInit } from '@nestjs/common';
import { CLOCK, type Clock } from '@meshping/node-kit';
import { Subject } from 'rxjs';
import type { Actor } from '../access/request-context';
import { AgentsService } from '../agents/agents.service';
import { AuditService } from '../audit/audit.service';
import { TargetsService } from '../targets/targets.service';
import { DEFAULT_RULES, RULE_DEFAULTS, RULE_LIMITS, type AlertRule, type NewAlertRule } from './alert-rule';
import type { CreateAlertRuleDto, UpdateAlertRuleDto } from './alert-rule.dto';
import { AlertRulesRepository } from './alert-rules.repository';
import { channelOf } from './engine/rule-evaluator';

/** Distinct windows (and latency thresholds) the enabled rules may use: each costs 32 bytes a pair. */
export const MAX_WINDOW_CHANNELS = 8;

/**
 * Alert rules: the defaults inserted on the first start, and the admins' and operators' changes,
 * checked as a whole (which fields a metric and a scope need), audited and announced on changes$.
 */
@Injectable()
export class AlertRulesService implements OnModuleInit {
  private readonly logger = new Logger(AlertRulesService.name);
  readonly changes$ = new Subject<AlertRule[]>();

  constructor(
    private readonly repository: AlertRulesRepository,
    private readonly agents: AgentsService,
    private readonly targets: TargetsService,
    private readonly audit: AuditService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    if (await this.repository.seedDefaults(DEFAULT_RULES, this.clock.now())) this.logger.log({ event: 'alerts.default-rules', rules: DEFAULT_RULES.map((r) => r.name) });
  }

  list(): Promise<AlertRule[]> {
    return this.repository.findAll();
  }

  async get(id: number): Promise<AlertRule> {
    const rule = await this.repository.findById(id);
    if (!rule) throw new NotFoundException(`no alert rule with id ${id}`);
    return rule;
  }

  async create(dto: CreateAlertRuleDto, actor: Actor, source: string | null): Promise<AlertRule> {
    if ((await this.repository.count()) >= RULE_LIMITS.maxRules) throw new ConflictException(`there are already ${RULE_LIMITS.maxRules} alert rules, the most there can be`);
    const rule = await this.complete(dto, null);
    await this.checkName(rule.name, null);
    await this.checkChannels(rule, null);
    const created = await this.repository.insert(rule, this.clock.now());
    await this.audit.record({ actor, action: 'alert-rule.created', subject: `alert-rule:${created.id}`, detail: { ...rule }, source });
    await this.announce();
    return created;
  }

  async update(id: number, dto: UpdateAlertRuleDto, actor: Actor, source: string | null): Promise<AlertRule> {
    const existing = await this.get(id);
    const rule = await this.complete(dto, existing);
    await this.checkName(rule.name, id);
    await this.checkChannels(rule, id);
    await this.repository.update(id, rule, this.clock.now());
    const changed = Object.fromEntries(Object.entries(rule).filter(([k, v]) => existing[k as keyof NewAlertRule] !== v).map(([k, v]) => [k, { from: existing[k as keyof NewAlertRule], to: v }]));
    await this.audit.record({ actor, action: 'alert-rule.updated', subject: `alert-rule:${id}`, detail: { name: rule.name, changed }, source });
    await this.announce();
    return { ...rule, id };
  }

  async remove(id: number, actor: Actor, source: string | null): Promise<void> {
    const existing = await this.get(id);
    await this.repository.delete(id);
    await this.audit.record({ actor, action: 'alert-rule.deleted', subject: `alert-rule:${id}`, detail: { name: existing.name }, source });
    await this.announce();
  }

  private async announce(): Promise<void> {
    this.changes$.next(await this.repository.findAll());
  }

  private async checkName(name: string, id: number | null): Promise<void> {
    const other = await this.repository.findByName(name);
    if (other && other.id !== id) throw new ConflictException(`an alert rule named "${name}" exists already (id ${other.id})`);
  }

  private async checkChannels(rule: NewAlertRule, id: number | null): Promise<void> {
    const key = (r: NewAlertRule) => {
      const c = r.enabled ? channelOf({ ...r, id: 0 }) : null;
      return c && `${c.kind}:${c.windowMs}:${c.thresholdUs}`;
    };
    const keys = new Set((await this.repository.findAll()).filter((r) => r.id !== id).map(key));
    keys.add(key(rule));
    keys.delete(null);
    if (keys.size > MAX_WINDOW_CHANNELS) {
      throw new ConflictException(`the enabled rules would use ${keys.size} different windows (window, and latency threshold); at most ${MAX_WINDOW_CHANNELS}: reuse a window another rule has`);
    }
  }

  /** The whole rule the input makes (on top of `base` for an update), or a 400 naming the field. */
  private async complete(input: CreateAlertRuleDto | UpdateAlertRuleDto, base: AlertRule | null): Promise<NewAlertRule> {
    const pick = <K extends keyof NewAlertRule>(k: K, fallback: NewAlertRule[K]): NewAlertRule[K] => {
      const v = (input as Partial<NewAlertRule>)[k];
      return v !== undefined ? (v as NewAlertRule[K]) : base ? base[k] : fallback;
    };
    const metric = pick('metric', 'loss_percent');
    const metricChanged = base !== null && input.metric !== undefined && input.metric !== base.metric;
    // A metric change drops the fields that belonged to the old one unless they are given again.
    const keep = <K extends 'threshold' | 'percentile' | 'windowSeconds'>(k: K): NewAlertRule[K] => (metricChanged && input[k] === undefined ? null : pick(k, null));
    const D = RULE_DEFAULTS;
    const rule: NewAlertRule = {
      name: pick('name', ''),
      enabled: pick('enabled', D.enabled),
      metric,
      threshold: keep('threshold'),
      percentile: keep('percentile'),
      windowSeconds: keep('windowSeconds'),
      scope: pick('scope', D.scope),
      agentId: pick('agentId', D.agentId),
      targetId: pick('targetId', D.targetId),
      agentGroup: pick('agentGroup', D.agentGroup),
      targetGroup: pick('targetGroup', D.targetGroup),
      quorum: pick('quorum', D.quorum),
      paths: pick('paths', D.paths),
      fireAfter: pick('fireAfter', D.fireAfter),
      resolveAfter: pick('resolveAfter', D.resolveAfter),
      severity: pick('severity', D.severity),
    };
    const bad = (field: string, why: string): never => {
      throw new BadRequestException({ message: [`${field} ${why}`], error: 'Bad Request', statusCode: 400 });
    };
    const L = RULE_LIMITS;
    const within = (v: number, r: { min: number; max: number }) => v >= r.min && v <= r.max;
    switch (metric) {
      case 'loss_percent':
        if (rule.threshold === null || !within(rule.threshold, L.lossPercent)) bad('threshold', `must be a loss in % from ${L.lossPercent.min} to ${L.lossPercent.max} for loss_percent`);
        break;
      case 'consecutive_lost':
        if (rule.threshold === null || !Number.isInteger(rule.threshold) || !within(rule.threshold, L.consecutive)) bad('threshold', `must be a whole number of no-replies from ${L.consecutive.min} to ${L.consecutive.max} for consecutive_lost`);
        break;
      case 'latency_percentile':
        if (rule.threshold !== null && !within(rule.threshold, L.latencyMs)) bad('threshold', `must be null (each target's threshold) or ${L.latencyMs.min} to ${L.latencyMs.max} ms for latency_percentile`);
        rule.percentile ??= 95;
        break;
      case 'agent_silent':
        rule.threshold ??= 60;
        if (!Number.isInteger(rule.threshold) || !within(rule.threshold, L.silentSeconds)) bad('threshold', `must be whole seconds from ${L.silentSeconds.min} to ${L.silentSeconds.max} for agent_silent`);
        break;
    }
    const windowed = metric === 'loss_percent' || metric === 'latency_percentile';
    if (windowed && rule.windowSeconds === null) bad('windowSeconds', `is required for ${metric}`);
    if (!windowed && rule.windowSeconds !== null) bad('windowSeconds', `must be null for ${metric} (it has no window)`);
    if (metric !== 'latency_percentile' && rule.percentile !== null) bad('percentile', `must be null for ${metric}`);
    if (metric === 'agent_silent') {
      if (rule.scope === 'pair' || rule.scope === 'target') bad('scope', 'must be all, agent or group for agent_silent (it is about agents)');
      if (rule.quorum !== null) bad('quorum', 'must be null for agent_silent');
      if (rule.paths) bad('paths', 'must be false for agent_silent');
    }
    // What the scope names, and nothing it does not use.
    const needs = { all: [], pair: ['agentId', 'targetId'], target: ['targetId'], agent: ['agentId'], group: [] }[rule.scope] as ('agentId' | 'targetId')[];
    for (const f of ['agentId', 'targetId'] as const) {
      if (needs.includes(f) && rule[f] === null) bad(f, `is required for scope ${rule.scope}`);
      if (!needs.includes(f) && rule[f] !== null) bad(f, `must be null for scope ${rule.scope}`);
    }
    if (rule.scope === 'group' && rule.agentGroup === null && rule.targetGroup === null) bad('agentGroup', 'or targetGroup is required for scope group');
    if (rule.scope !== 'group') for (const f of ['agentGroup', 'targetGroup'] as const) if (rule[f] !== null) bad(f, `must be null for scope ${rule.scope}`);
    if (rule.agentId !== null && !(await this.agents.exists(rule.agentId))) bad('agentId', `names no agent (${rule.agentId})`);
    if (rule.targetId !== null && !this.targets.has(rule.targetId)) bad('targetId', `names no target (${rule.targetId})`);
    return rule;
  }
}
