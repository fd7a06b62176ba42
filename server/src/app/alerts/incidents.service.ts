import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import { Subject } from 'rxjs';
import type { AgentView } from '../agents/agents.service';
import type { TargetView } from '../targets/target-view';
import type { AlertRule, Severity } from './alert-rule';
import type { Transition } from './engine/incident-tracker';
import type { Cause, CauseKind } from './engine/localise';
import type { IncidentEntity, IncidentState } from './incident.entity';
import { incidentTitle, type Names } from './incident-title';
import { IncidentsRepository } from './incidents.repository';

/** An incident as stored right after it opened, changed or resolved. */
export interface IncidentEvent {
  type: 'opened' | 'updated' | 'resolved';
  incident: IncidentEntity;
}

export interface IncidentQuery {
  state?: IncidentState;
  kind?: CauseKind;
  before?: number;
  limit: number;
}

/** Incidents as they are stored and listed: one row per cause, opened, updated and resolved by the engine. */
@Injectable()
export class IncidentsService {
  private readonly logger = new Logger(IncidentsService.name);
  /** Each stored transition, for whoever tells people (notifications). */
  readonly events$ = new Subject<IncidentEvent>();

  constructor(private readonly repository: IncidentsRepository) {}

  /** The open incidents as the engine takes them up after a restart. */
  async openCauses(): Promise<{ cause: Cause; ruleIds: number[] }[]> {
    return (await this.repository.findOpen()).map((i) => ({
      cause: { kind: i.kind, key: i.causeKey, agentIds: i.agentIds, targetIds: i.targetIds, pairs: i.pairs, pairCount: i.pairCount, ...(i.sites ? { sites: i.sites } : {}), ...(i.since !== null ? { since: i.since } : {}) },
      ruleIds: i.ruleIds,
    }));
  }

  list(query: IncidentQuery): Promise<IncidentEntity[]> {
    return this.repository.find(query);
  }

  async get(id: number): Promise<IncidentEntity> {
    const incident = await this.repository.findById(id);
    if (!incident) throw new NotFoundException(`no incident with id ${id}`);
    return incident;
  }

  /** Stores what the engine decided, in order; logs each transition as one line. */
  async record(transitions: readonly Transition[], rules: readonly AlertRule[], agents: readonly AgentView[], targets: readonly TargetView[]): Promise<void> {
    const agentById = new Map(agents.map((a) => [a.id, a]));
    const targetById = new Map(targets.map((t) => [t.id, t]));
    const names: Names = {
      agent: (id) => ({ label: agentById.get(id)?.hostname ?? `agent ${id}`, group: agentById.get(id)?.group ?? null }),
      target: (id) => {
        const t = targetById.get(id);
        return { label: t ? (t.name ? `${t.name} (${t.address})` : t.address) : `target ${id}`, group: t?.group ?? null };
      },
    };
    const ruleById = new Map(rules.map((r) => [r.id, r]));
    for (const t of transitions) {
      const fired = t.ruleIds.map((id) => ruleById.get(id)).filter((r): r is AlertRule => r !== undefined);
      const severity: Severity = fired.some((r) => r.severity === 'critical') ? 'critical' : 'warning';
      const fields = {
        kind: t.cause.kind,
        severity,
        title: incidentTitle(t.cause, fired, names),
        ruleIds: t.ruleIds,
        agentIds: t.cause.agentIds,
        targetIds: t.cause.targetIds,
        sites: t.cause.sites ?? null,
        pairs: t.cause.pairs,
        pairCount: t.cause.pairCount,
        since: t.cause.since ?? null,
        updatedAt: t.at,
      };
      const open = await this.repository.findOpenByKey(t.key);
      if (t.type === 'opened' && !open) {
        const created = await this.repository.insert({ causeKey: t.key, state: 'open', openedAt: t.at, resolvedAt: null, updates: 0, notified: false, ...fields });
        this.logger.log({ event: 'incident.opened', id: created.id, key: t.key, title: fields.title, pairs: fields.pairCount });
        this.events$.next({ type: 'opened', incident: created });
      } else if (open && t.type !== 'resolved') {
        const updated = { ...open, ...fields, updates: open.updates + 1 };
        await this.repository.update(open.id, { ...fields, updates: updated.updates });
        this.logger.log({ event: 'incident.updated', id: open.id, key: t.key, title: fields.title, pairs: fields.pairCount });
        this.events$.next({ type: 'updated', incident: updated });
      } else if (open) {
        // Resolved: what it covered stays as it was last seen bad.
        const resolved = { state: 'resolved' as const, resolvedAt: t.at, updatedAt: t.at, ruleIds: t.ruleIds };
        await this.repository.update(open.id, resolved);
        this.logger.log({ event: 'incident.resolved', id: open.id, key: t.key, title: open.title, openMs: t.at - open.openedAt });
        this.events$.next({ type: 'resolved', incident: { ...open, ...resolved } });
      }
    }
  }

  /** Open incidents by kind (for /metrics). */
  openByKind(): Promise<Map<string, number>> {
    return this.repository.openByKind();
  }

  /**
   * Its opening is to be told (notifications): its changes and resolution are told too from now on.
   * True for the one caller that claims it (the opening and the late sweep may race), false if told already.
   */
  claimNotified(id: number): Promise<boolean> {
    return this.repository.claimNotified(id);
  }

  /** Open incidents whose opening nobody was told yet (a maintenance window covered them). */
  async openUnnotified(): Promise<IncidentEntity[]> {
    return (await this.repository.findOpen()).filter((i) => !i.notified);
  }

  /** Retention: resolved incidents that ended before `at` go, as samples do. */
  deleteResolvedBefore(at: number): Promise<number> {
    return this.repository.deleteResolvedBefore(at);
  }
}
