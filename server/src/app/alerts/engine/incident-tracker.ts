import { MAX_CAUSE_PAIRS, type Cause } from './localise';

export interface Hysteresis {
  id: number;
  fireAfter: number;
  resolveAfter: number;
}

export interface RuleResult {
  rule: Hysteresis;
  causes: readonly Cause[];
}

export type TransitionType = 'opened' | 'updated' | 'resolved';

export interface Transition {
  type: TransitionType;
  key: string;
  /** The cause as last seen (for `resolved`, as it was last seen bad). */
  cause: Cause;
  /** The rules that have fired for this cause since it opened. */
  ruleIds: number[];
  at: number;
}

interface Streak {
  bad: number;
  good: number;
  fired: boolean;
}

interface Tracked {
  streaks: Map<number, Streak>;
  cause: Cause;
  open: boolean;
  /** What an `updated` is judged by: the agents and targets it covers. */
  signature: string;
  /** Every rule that fired for it while it was open (a rule that stops firing leaves it open for the others). */
  fired: Set<number>;
}

/**
 * Hysteresis and "one incident per cause": per (rule, cause) a streak of bad and good evaluations;
 * a cause's incident opens once a rule has fired for it (fireAfter bad evaluations in a row) and is
 * open while at least one rule has fired for it (until resolveAfter good ones); a rule naming a cause
 * whose incident is open joins it at once. Several rules naming the same cause (a target down is both
 * unreachable and lossy) share its one incident. A block is matched to a tracked block that shares
 * a site with it, so that a partition seen a little differently from one evaluation to the next
 * stays one incident.
 */
export class IncidentTracker {
  private readonly tracked = new Map<string, Tracked>();

  /** Incidents open before a restart, taken up as fired for the rules that had fired. */
  restore(open: readonly { cause: Cause; ruleIds: readonly number[] }[], rules: ReadonlyMap<number, Hysteresis>): void {
    for (const { cause, ruleIds } of open) {
      const streaks = new Map<number, Streak>();
      for (const id of ruleIds) {
        const rule = rules.get(id);
        if (rule) streaks.set(id, { bad: rule.fireAfter, good: 0, fired: true });
      }
      this.tracked.set(cause.key, { streaks, cause, open: true, signature: signature(cause), fired: new Set(streaks.keys()) });
    }
  }

  /** One evaluation of every enabled rule at `now`; returns what changed. */
  tick(now: number, results: readonly RuleResult[]): Transition[] {
    const seen = new Map<string, Set<number>>();
    for (const { rule, causes } of results) {
      for (const cause of causes) {
        const key = this.keyFor(cause);
        let t = this.tracked.get(key);
        if (!t) this.tracked.set(key, (t = { streaks: new Map(), cause, open: false, signature: '', fired: new Set() }));
        else if (!seen.has(key)) t.cause = { ...cause, key };
        else t.cause = merge(t.cause, cause);
        let s = t.streaks.get(rule.id);
        if (!s) t.streaks.set(rule.id, (s = { bad: 0, good: 0, fired: false }));
        if (seen.get(key)?.has(rule.id)) continue; // a rule names a cause once per evaluation
        s.bad++;
        s.good = 0;
        // fireAfter guards the opening; a rule that names an incident already open joins it at once,
        // so that the cause stays one incident while any rule still sees it bad (a dead target's loss
        // outlasts its "unreachable" and would otherwise reopen it as a second incident).
        if (!s.fired && (s.bad >= rule.fireAfter || t.open)) s.fired = true;
        (seen.get(key) ?? seen.set(key, new Set()).get(key))?.add(rule.id);
      }
    }
    const rules = new Map(results.map((r) => [r.rule.id, r.rule]));
    const out: Transition[] = [];
    for (const [key, t] of this.tracked) {
      const named = seen.get(key);
      for (const [ruleId, s] of t.streaks) {
        if (named?.has(ruleId)) continue;
        const rule = rules.get(ruleId);
        s.good++;
        s.bad = 0;
        if (!rule || (s.fired && s.good >= rule.resolveAfter)) s.fired = false;
        if (!s.fired) t.streaks.delete(ruleId);
      }
      const firing = [...t.streaks].filter(([, s]) => s.fired).map(([id]) => id);
      if (firing.length > 0) {
        // Updated: it covers other agents or targets, or another rule fired for it too.
        const sig = signature(t.cause);
        const joined = firing.some((id) => !t.fired.has(id));
        for (const id of firing) t.fired.add(id);
        const ruleIds = [...t.fired].sort((a, b) => a - b);
        if (!t.open) out.push({ type: 'opened', key, cause: t.cause, ruleIds, at: now });
        else if (sig !== t.signature || joined) out.push({ type: 'updated', key, cause: t.cause, ruleIds, at: now });
        t.open = true;
        t.signature = sig;
      } else if (t.open) {
        out.push({ type: 'resolved', key, cause: t.cause, ruleIds: [...t.fired].sort((a, b) => a - b), at: now });
        this.tracked.delete(key);
      } else if (t.streaks.size === 0) {
        this.tracked.delete(key);
      }
    }
    return out;
  }

  /** Causes tracked now (open or building up a streak). */
  size(): number {
    return this.tracked.size;
  }

  openCount(): number {
    let n = 0;
    for (const t of this.tracked.values()) if (t.open) n++;
    return n;
  }

  private keyFor(cause: Cause): string {
    if (cause.kind !== 'block' || this.tracked.has(cause.key)) return cause.key;
    const nodes = new Set(cause.key.slice('block:'.length).split(','));
    for (const [key, t] of this.tracked) {
      if (t.cause.kind !== 'block') continue;
      if (key.slice('block:'.length).split(',').some((n) => nodes.has(n))) return key;
    }
    return cause.key;
  }
}

function signature(cause: Cause): string {
  return `${cause.agentIds.join(',')}|${cause.targetIds.join(',')}`;
}

/**
 * Two rules' views of one cause: the union of what they name (the pairs listed are the first
 * rule's, topped up from the second; the count is the larger of the two: the rules see nearly the
 * same pairs, and counting a union of 100,000s of pairs every 5 s is not worth its cost).
 */
function merge(a: Cause, b: Cause): Cause {
  const union = (x: number[], y: number[]) => [...new Set([...x, ...y])].sort((p, q) => p - q);
  const pairs = a.pairs.length >= MAX_CAUSE_PAIRS || a.pairCount >= b.pairCount ? a.pairs : b.pairs;
  return {
    ...a,
    agentIds: union(a.agentIds, b.agentIds),
    targetIds: union(a.targetIds, b.targetIds),
    pairs,
    pairCount: Math.max(a.pairCount, b.pairCount),
    ...(a.sites && b.sites ? { sites: { agents: [...new Set([...a.sites.agents, ...b.sites.agents])].sort(), targets: [...new Set([...a.sites.targets, ...b.sites.targets])].sort() } } : {}),
  };
}
