import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { IncidentEntity } from '../alerts/incident.entity';

/** A maintenance window: while it runs, incidents it covers open and are shown, but nobody is told. */
@Entity({ name: 'maintenance_windows' })
export class MaintenanceWindowEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'text' })
  reason!: string;

  /** What it covers: exactly one of these is set. */
  @Column({ name: 'agent_id', type: 'integer', nullable: true })
  agentId!: number | null;

  @Column({ name: 'target_id', type: 'integer', nullable: true })
  targetId!: number | null;

  @Column({ name: 'agent_group', type: 'text', nullable: true })
  agentGroup!: string | null;

  @Column({ name: 'target_group', type: 'text', nullable: true })
  targetGroup!: string | null;

  @Column({ name: 'starts_at', type: 'integer' })
  startsAt!: number;

  @Column({ name: 'ends_at', type: 'integer' })
  endsAt!: number;

  /** Who made it (username), for the list; the audit log has the rest. */
  @Column({ name: 'created_by', type: 'text', nullable: true })
  createdBy!: string | null;

  @Column({ name: 'created_at', type: 'integer' })
  createdAt!: number;
}

export interface Groups {
  agentGroup(id: number): string | null;
  targetGroup(id: number): string | null;
}

/**
 * Whether a running window covers an incident: an agent's window covers what is about that agent
 * (its silence, its own problem, its paths), a target's what is about that target (it down, its
 * paths); a group's window covers the same for its members, and a block whose losing agents (agent
 * group) or lost targets (target group) are all in it.
 */
export function covers(w: MaintenanceWindowEntity, i: Pick<IncidentEntity, 'kind' | 'agentIds' | 'targetIds'>, groups: Groups, now: number): boolean {
  if (now < w.startsAt || now >= w.endsAt) return false;
  const agents = i.agentIds;
  const targets = i.targetIds;
  const aboutAgent = i.kind === 'silent' || i.kind === 'agent' || i.kind === 'path';
  const aboutTarget = i.kind === 'target' || i.kind === 'path';
  if (w.agentId !== null) return aboutAgent && agents[0] === w.agentId;
  if (w.targetId !== null) return aboutTarget && targets[0] === w.targetId;
  if (w.agentGroup !== null) {
    const inGroup = (a: number) => groups.agentGroup(a) === w.agentGroup;
    return (aboutAgent && inGroup(agents[0])) || (i.kind === 'block' && agents.length > 0 && agents.every(inGroup));
  }
  if (w.targetGroup !== null) {
    const inGroup = (t: number) => groups.targetGroup(t) === w.targetGroup;
    return (aboutTarget && inGroup(targets[0])) || (i.kind === 'block' && targets.length > 0 && targets.every(inGroup));
  }
  return false;
}
