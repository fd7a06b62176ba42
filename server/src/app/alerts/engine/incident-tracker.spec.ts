import { IncidentTracker, type Hysteresis, type RuleResult } from './incident-tracker';
import type { Cause } from './localise';

const target: Cause = { kind: 'target', key: 'target:7', agentIds: [1, 2, 3], targetIds: [7], pairs: [[1, 7], [2, 7], [3, 7]], pairCount: 3 };
const unreachable: Hysteresis = { id: 1, fireAfter: 2, resolveAfter: 3 };
const lossy: Hysteresis = { id: 2, fireAfter: 3, resolveAfter: 6 };

/** One evaluation: each rule names the cause or not. */
const evaluate = (tracker: IncidentTracker, at: number, names: { unreachable: boolean; lossy: boolean }) =>
  tracker.tick(at, [
    { rule: unreachable, causes: names.unreachable ? [target] : [] },
    { rule: lossy, causes: names.lossy ? [target] : [] },
  ] satisfies RuleResult[]);

describe(IncidentTracker.name, () => {
  it('keeps one incident while another rule still sees its cause bad: the late rule joins at once, and the cause resolves only when every rule is good again', () => {
    const tracker = new IncidentTracker();
    const log: string[] = [];
    const step = (at: number, u: boolean, l: boolean) => log.push(...evaluate(tracker, at, { unreachable: u, lossy: l }).map((t) => `${at}:${t.type}:${t.ruleIds.join('+')}`));
    // The target goes down: unreachable fires after 2 evaluations.
    for (const at of [0, 5, 10]) step(at, true, false);
    // It answers again; the loss over the window crosses its threshold only now, and stays over it a while
    // (before: unreachable resolved at 25 with the loss rule's streak short of fireAfter, which then
    // opened a second incident for the same target at 40).
    step(15, false, false);
    for (let at = 20; at <= 40; at += 5) step(at, false, true);
    // Loss back under its threshold: 6 good evaluations resolve it.
    for (let at = 45; at <= 75; at += 5) step(at, false, false);
    expect(log).toEqual(['5:opened:1', '20:updated:1+2', '70:resolved:1+2']);
    expect(tracker.size()).toBe(0);
  });

  it('still waits fireAfter evaluations before opening, and resolves after resolveAfter good ones', () => {
    const tracker = new IncidentTracker();
    expect(evaluate(tracker, 0, { unreachable: false, lossy: true })).toEqual([]);
    expect(evaluate(tracker, 5, { unreachable: false, lossy: true })).toEqual([]);
    expect(evaluate(tracker, 10, { unreachable: false, lossy: true }).map((t) => t.type)).toEqual(['opened']);
    for (let at = 15; at < 40; at += 5) expect(evaluate(tracker, at, { unreachable: false, lossy: false })).toEqual([]);
    expect(evaluate(tracker, 40, { unreachable: false, lossy: false }).map((t) => t.type)).toEqual(['resolved']);
  });
});
