import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { DataSource, Repository } from 'typeorm';
import type { AlertRule, NewAlertRule } from './alert-rule';
import { AlertRuleEntity } from './alert-rule.entity';

/** Set once the default rules were inserted: deleting them later does not bring them back. */
const SEEDED_KEY = 'alerts.defaults_seeded';

@Injectable()
export class AlertRulesRepository {
  constructor(
    @InjectRepository(AlertRuleEntity) private readonly repo: Repository<AlertRuleEntity>,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  async findAll(): Promise<AlertRule[]> {
    return (await this.repo.find({ order: { id: 'ASC' } })).map(toRule);
  }

  async findById(id: number): Promise<AlertRule | null> {
    const row = await this.repo.findOne({ where: { id } });
    return row ? toRule(row) : null;
  }

  async findByName(name: string): Promise<AlertRule | null> {
    const row = await this.repo.findOne({ where: { name } });
    return row ? toRule(row) : null;
  }

  count(): Promise<number> {
    return this.repo.count();
  }

  async insert(rule: NewAlertRule, now: number): Promise<AlertRule> {
    return toRule(await this.repo.save(this.repo.create({ ...rule, createdAt: now, updatedAt: now })));
  }

  async update(id: number, rule: NewAlertRule, now: number): Promise<void> {
    await this.repo.update({ id }, { ...rule, updatedAt: now });
  }

  async delete(id: number): Promise<void> {
    await this.repo.delete({ id });
  }

  /** Inserts these rules unless defaults were inserted before (one transaction); true when it did. */
  async seedDefaults(rules: readonly NewAlertRule[], now: number): Promise<boolean> {
    return this.db.transaction(async (em) => {
      const done: unknown[] = await em.query('SELECT 1 FROM settings WHERE key = ?', [SEEDED_KEY]);
      if (done.length > 0) return false;
      const repo = em.getRepository(AlertRuleEntity);
      for (const rule of rules) if (!(await repo.findOne({ where: { name: rule.name } }))) await repo.save(repo.create({ ...rule, createdAt: now, updatedAt: now }));
      await em.query('INSERT INTO settings (key, value) VALUES (?, ?)', [SEEDED_KEY, String(now)]);
      return true;
    });
  }
}

function toRule(e: AlertRuleEntity): AlertRule {
  return {
    id: e.id,
    name: e.name,
    enabled: Boolean(e.enabled),
    metric: e.metric,
    threshold: e.threshold,
    percentile: e.percentile,
    windowSeconds: e.windowSeconds,
    scope: e.scope,
    agentId: e.agentId,
    targetId: e.targetId,
    agentGroup: e.agentGroup,
    targetGroup: e.targetGroup,
    quorum: e.quorum,
    paths: Boolean(e.paths),
    fireAfter: e.fireAfter,
    resolveAfter: e.resolveAfter,
    severity: e.severity,
  };
}
