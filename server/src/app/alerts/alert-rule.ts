/**
 * Alert rules as the engine reads them (the table, the DTOs and the API map to and from this).
 * A rule watches a part of the mesh (its scope) with one condition per pair; the engine turns the
 * pairs it finds bad into incidents, one per cause (localise.ts), with hysteresis (incident-tracker.ts).
 */
export const RULE_METRICS = ['loss_percent', 'consecutive_lost', 'latency_percentile', 'agent_silent'] as const;
export type RuleMetric = (typeof RULE_METRICS)[number];

/** What a rule watches: every pair, one pair, a target (column), an agent (row) or a group of either. */
export const RULE_SCOPES = ['all', 'pair', 'target', 'agent', 'group'] as const;
export type RuleScope = (typeof RULE_SCOPES)[number];

export const SEVERITIES = ['critical', 'warning'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface AlertRule {
  id: number;
  name: string;
  enabled: boolean;
  metric: RuleMetric;
  /**
   * loss_percent: a pair is bad at this loss (%) or more over the window; consecutive_lost: after
   * this many no-replies in a row; latency_percentile: when the window's `percentile` RTT is over
   * this many ms (null: each target's own latency threshold, the grid's yellow); agent_silent: an
   * agent disconnected this many seconds ago.
   */
  threshold: number | null;
  /** latency_percentile only: 50..99.9. */
  percentile: number | null;
  /** loss_percent and latency_percentile: the window the condition is evaluated over. */
  windowSeconds: number | null;
  scope: RuleScope;
  /** scope pair/agent: the agent; scope group: agentGroup and/or targetGroup. */
  agentId: number | null;
  targetId: number | null;
  agentGroup: string | null;
  targetGroup: string | null;
  /** A target is down when at least this many of the agents that probe it agree; null: a majority. */
  quorum: number | null;
  /** Also open an incident for a single path (agent -> target) no larger cause explains. */
  paths: boolean;
  /** Fire after this many bad evaluations in a row (one every 5 s) ... */
  fireAfter: number;
  /** ... and resolve after this many good ones. */
  resolveAfter: number;
  severity: Severity;
}

export type NewAlertRule = Omit<AlertRule, 'id'>;

/** What a rule is unless it says otherwise (the API's defaults too). */
export const RULE_DEFAULTS: Omit<NewAlertRule, 'name' | 'metric'> = {
  enabled: true,
  threshold: null,
  percentile: null,
  windowSeconds: null,
  scope: 'all',
  agentId: null,
  targetId: null,
  agentGroup: null,
  targetGroup: null,
  quorum: null,
  paths: false,
  fireAfter: 2,
  resolveAfter: 3,
  severity: 'warning',
};

/** The rules a new install starts with: it alerts without configuration. */
export const DEFAULT_RULES: readonly NewAlertRule[] = [
  { ...RULE_DEFAULTS, name: 'Unreachable', metric: 'consecutive_lost', threshold: 3, severity: 'critical' },
  { ...RULE_DEFAULTS, name: 'Packet loss', metric: 'loss_percent', threshold: 20, windowSeconds: 300, fireAfter: 3, resolveAfter: 6 },
  { ...RULE_DEFAULTS, name: 'High latency', metric: 'latency_percentile', percentile: 95, windowSeconds: 300, fireAfter: 6, resolveAfter: 6 },
  { ...RULE_DEFAULTS, name: 'Agent silent', metric: 'agent_silent', threshold: 60, fireAfter: 1, resolveAfter: 1, severity: 'critical' },
];

/** Bounds the API enforces (and the engine relies on). */
export const RULE_LIMITS = {
  maxRules: 100,
  lossPercent: { min: 0.1, max: 100 },
  consecutive: { min: 1, max: 1000 },
  latencyMs: { min: 0.1, max: 4000 },
  percentile: { min: 50, max: 99.9 },
  silentSeconds: { min: 0, max: 86_400 },
  windowSeconds: { min: 30, max: 4 * 3600 },
  streak: { min: 1, max: 720 },
  quorum: { min: 1, max: 10_000 },
} as const;
