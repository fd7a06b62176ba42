import type { AlertRule, RuleMetric } from './alert-rule';
import type { Cause } from './engine/localise';

export interface Names {
  agent(id: number): { label: string; group: string | null };
  target(id: number): { label: string; group: string | null };
}

const VERB: Record<RuleMetric, string> = {
  consecutive_lost: 'unreachable',
  loss_percent: 'losing packets',
  latency_percentile: 'slow',
  agent_silent: 'silent',
};

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** One line that names the cause, for the incident list, notifications and the grid's tooltip. */
export function incidentTitle(cause: Cause, rules: readonly AlertRule[], names: Names): string {
  const verb = VERB[rules[0]?.metric ?? 'consecutive_lost'];
  switch (cause.kind) {
    case 'silent':
      return `Agent ${names.agent(cause.agentIds[0]).label} silent since ${new Date(cause.since ?? 0).toISOString()}`;
    case 'agent':
      return `Agent ${names.agent(cause.agentIds[0]).label}: ${plural(cause.targetIds.length, 'target')} ${verb} from it alone (its own problem)`;
    case 'target':
      return `Target ${names.target(cause.targetIds[0]).label} ${verb} for ${plural(cause.agentIds.length, 'agent')}`;
    case 'path':
      return `${names.agent(cause.agentIds[0]).label} → ${names.target(cause.targetIds[0]).label} ${verb}`;
    case 'block': {
      const paths = plural(cause.pairs.length, 'path');
      const agentSite = (id: number) => names.agent(id).group;
      const targetSite = (id: number) => names.target(id).group ?? names.target(id).label;
      const sites = [...new Set([...(cause.sites?.agents ?? []), ...(cause.sites?.targets ?? [])])].sort();
      // A site on one end of every lost path is cut off from the others.
      const hubs = sites.filter((s) => cause.pairs.every(([a, t]) => agentSite(a) === s || targetSite(t) === s));
      if (hubs.length === 1 && sites.length > 2) return `Site ${hubs[0]} cut off from ${sites.filter((s) => s !== hubs[0]).join(', ')}: ${paths} ${verb}`;
      return `Sites ${(cause.sites?.agents ?? []).join(', ')} → ${(cause.sites?.targets ?? []).join(', ')}: ${paths} ${verb}`;
    }
  }
}
