import { IncidentMarks, type GridIncident } from './grid-incidents';

const incident = (id: number, fields: Partial<GridIncident>): GridIncident => ({
  id,
  kind: 'target',
  severity: 'critical',
  title: `incident ${id}`,
  agentIds: [],
  targetIds: [],
  openedAt: 1_000 + id,
  ...fields,
});

describe(IncidentMarks.name, () => {
  it('covers the agents x targets a target, block or path incident names, and nothing else', () => {
    const target = incident(1, { kind: 'target', agentIds: [1, 2], targetIds: [7] });
    const block = incident(2, { kind: 'block', agentIds: [3, 4], targetIds: [8, 9] });
    const path = incident(3, { kind: 'path', severity: 'warning', agentIds: [5], targetIds: [9] });
    const marks = new IncidentMarks([target, block, path]);
    expect([marks.at(1, 7), marks.at(2, 7), marks.at(3, 7)]).toEqual([target, target, null]);
    expect([marks.at(3, 8), marks.at(4, 9), marks.at(3, 10)]).toEqual([block, block, null]);
    expect([marks.at(5, 9), marks.at(5, 8)]).toEqual([path, null]);
    expect([marks.row(1), marks.touches(1), marks.touches(6)]).toEqual([null, true, false]);
  });

  it("covers an agent's whole row when it is silent or has an agent problem", () => {
    const silent = incident(1, { kind: 'silent', agentIds: [4] });
    const agent = incident(2, { kind: 'agent', agentIds: [5], targetIds: [1, 2] });
    const marks = new IncidentMarks([silent, agent]);
    expect([marks.at(4, 1), marks.at(4, 999), marks.row(4)]).toEqual([silent, silent, silent]);
    expect([marks.at(5, 3), marks.row(5)]).toEqual([agent, agent]);
    expect(marks.at(6, 1)).toBeNull();
  });

  it('shows the more severe incident where two cover a cell, then the older, and lists them in that order', () => {
    const warningOld = incident(1, { severity: 'warning', agentIds: [1], targetIds: [1], openedAt: 10 });
    const criticalNew = incident(2, { severity: 'critical', agentIds: [1], targetIds: [1, 2], openedAt: 20 });
    const criticalOld = incident(3, { severity: 'critical', kind: 'path', agentIds: [1], targetIds: [2], openedAt: 5 });
    const marks = new IncidentMarks([warningOld, criticalNew, criticalOld]);
    expect(marks.list.map((i) => i.id)).toEqual([3, 2, 1]);
    expect(marks.at(1, 1)).toBe(criticalNew);
    expect(marks.at(1, 2)).toBe(criticalOld);
    expect(IncidentMarks.NONE.at(1, 1)).toBeNull();
  });
});
