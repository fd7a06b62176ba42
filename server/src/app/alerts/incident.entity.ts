import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { CauseKind } from './engine/localise';
import type { Severity } from './alert-rule';

export type IncidentState = 'open' | 'resolved';

@Entity({ name: 'incidents' })
export class IncidentEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  /** The cause's identity (target:7, agent:3, block:site:a,site:b, path:2:5, silent:4): one open incident per key. */
  @Column({ name: 'cause_key', type: 'text' })
  causeKey!: string;

  @Column({ type: 'text' })
  kind!: CauseKind;

  @Column({ type: 'text' })
  state!: IncidentState;

  @Column({ type: 'text' })
  severity!: Severity;

  @Column({ type: 'text' })
  title!: string;

  /** JSON: the rules that fired for it. */
  @Column({ name: 'rule_ids', type: 'simple-json' })
  ruleIds!: number[];

  @Column({ name: 'agent_ids', type: 'simple-json' })
  agentIds!: number[];

  @Column({ name: 'target_ids', type: 'simple-json' })
  targetIds!: number[];

  /** Block: the sites on each side. */
  @Column({ type: 'simple-json', nullable: true })
  sites!: { agents: string[]; targets: string[] } | null;

  /** The bad pairs it covers ([agentId, targetId]), at most MAX_STORED_PAIRS; pair_count has them all. */
  @Column({ type: 'simple-json' })
  pairs!: [number, number][];

  @Column({ name: 'pair_count', type: 'integer' })
  pairCount!: number;

  /** Silent: when the agent was last heard from. */
  @Column({ type: 'integer', nullable: true })
  since!: number | null;

  @Column({ name: 'opened_at', type: 'integer' })
  openedAt!: number;

  @Column({ name: 'updated_at', type: 'integer' })
  updatedAt!: number;

  @Column({ name: 'resolved_at', type: 'integer', nullable: true })
  resolvedAt!: number | null;

  /** Whether its opening was told (false while a maintenance window covers it): its resolution is told only then. */
  @Column({ type: 'boolean', default: false })
  notified!: boolean;

  /** How many times what it covers changed while open. */
  @Column({ type: 'integer' })
  updates!: number;
}
