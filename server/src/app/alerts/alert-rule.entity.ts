import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { RuleMetric, RuleScope, Severity } from './alert-rule';

@Entity({ name: 'alert_rules' })
export class AlertRuleEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'text', unique: true })
  name!: string;

  @Column({ type: 'boolean' })
  enabled!: boolean;

  @Column({ type: 'text' })
  metric!: RuleMetric;

  @Column({ type: 'real', nullable: true })
  threshold!: number | null;

  @Column({ type: 'real', nullable: true })
  percentile!: number | null;

  @Column({ name: 'window_seconds', type: 'integer', nullable: true })
  windowSeconds!: number | null;

  @Column({ type: 'text' })
  scope!: RuleScope;

  @Column({ name: 'agent_id', type: 'integer', nullable: true })
  agentId!: number | null;

  @Column({ name: 'target_id', type: 'integer', nullable: true })
  targetId!: number | null;

  @Column({ name: 'agent_group', type: 'text', nullable: true })
  agentGroup!: string | null;

  @Column({ name: 'target_group', type: 'text', nullable: true })
  targetGroup!: string | null;

  @Column({ type: 'integer', nullable: true })
  quorum!: number | null;

  @Column({ type: 'boolean' })
  paths!: boolean;

  @Column({ name: 'fire_after', type: 'integer' })
  fireAfter!: number;

  @Column({ name: 'resolve_after', type: 'integer' })
  resolveAfter!: number;

  @Column({ type: 'text' })
  severity!: Severity;

  @Column({ name: 'created_at', type: 'integer' })
  createdAt!: number;

  @Column({ name: 'updated_at', type: 'integer' })
  updatedAt!: number;
}
