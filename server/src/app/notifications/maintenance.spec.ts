import { covers, type MaintenanceWindowEntity } from './maintenance';

const NOW = 1_000_000;
const win = (scope: Partial<MaintenanceWindowEntity>): MaintenanceWindowEntity => ({
  id: 1,
  reason: 'work',
  agentId: null,
  targetId: null,
  agentGroup: null,
  targetGroup: null,
  startsAt: NOW - 1,
  endsAt: NOW + 1,
  createdBy: null,
  createdAt: 0,
  ...scope,
});
const groups = { agentGroup: (id: number) => (id <= 10 ? 'tokyo' : 'osaka'), targetGroup: (id: number) => (id <= 100 ? 'dc1' : 'dc2') };

describe(covers.name, () => {
  it('covers what is about its agent, target or group, while it runs', () => {
    expect(covers(win({ agentId: 3 }), { kind: 'silent', agentIds: [3], targetIds: [] }, groups, NOW)).toBe(true);
    expect(covers(win({ agentId: 3 }), { kind: 'agent', agentIds: [3], targetIds: [5, 6] }, groups, NOW)).toBe(true);
    expect(covers(win({ agentId: 3 }), { kind: 'target', agentIds: [3], targetIds: [5] }, groups, NOW)).toBe(false); // a target down is not about one agent
    expect(covers(win({ targetId: 5 }), { kind: 'target', agentIds: [1, 2, 3], targetIds: [5] }, groups, NOW)).toBe(true);
    expect(covers(win({ targetId: 5 }), { kind: 'path', agentIds: [2], targetIds: [5] }, groups, NOW)).toBe(true);
    expect(covers(win({ targetId: 5 }), { kind: 'agent', agentIds: [2], targetIds: [5, 6] }, groups, NOW)).toBe(false);
    expect(covers(win({ agentGroup: 'tokyo' }), { kind: 'block', agentIds: [1, 2], targetIds: [150] }, groups, NOW)).toBe(true);
    expect(covers(win({ agentGroup: 'tokyo' }), { kind: 'block', agentIds: [1, 20], targetIds: [150] }, groups, NOW)).toBe(false);
    expect(covers(win({ targetGroup: 'dc2' }), { kind: 'block', agentIds: [1, 20], targetIds: [150, 160] }, groups, NOW)).toBe(true);
    expect(covers(win({ targetGroup: 'dc2' }), { kind: 'target', agentIds: [1], targetIds: [50] }, groups, NOW)).toBe(false);
    // Not before it starts, not from its end on.
    expect(covers(win({ agentId: 3, startsAt: NOW + 1 }), { kind: 'silent', agentIds: [3], targetIds: [] }, groups, NOW)).toBe(false);
    expect(covers(win({ agentId: 3, endsAt: NOW }), { kind: 'silent', agentIds: [3], targetIds: [] }, groups, NOW)).toBe(false);
  });
});
