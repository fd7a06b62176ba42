import { TestBed } from '@angular/core/testing';
import { encodeLiveFrame, parseServerToBrowser, RttCode, type LiveLayout, type ServerToBrowser } from '@meshping/protocol';
import { LiveGridStore } from './live-grid.store';

const now = 1_795_000_000_000;
const layout: LiveLayout = {
  agents: [
    { id: 1, hostname: 'beta', state: 'approved', online: true, local: true },
    { id: 2, hostname: 'alpha', state: 'approved', online: true, local: false },
    { id: 3, hostname: 'gamma', state: 'hold', online: true, local: false },
    { id: 4, hostname: 'delta', state: 'pending', online: true, local: false },
    { id: 5, hostname: 'epsilon', state: 'approved', online: false, local: false },
  ],
  targets: [
    { id: 10, address: '192.0.2.10', name: 'router', group: 'core', latencyThresholdMs: null },
    { id: 11, address: '192.0.2.11', name: null, group: 'edge', latencyThresholdMs: null },
    { id: 12, address: '192.0.2.12', name: 'dns', group: 'core', latencyThresholdMs: null },
  ],
  latencyThresholdMs: 100,
};
const decode = (bytes: Uint8Array): ServerToBrowser => {
  const parsed = parseServerToBrowser(bytes.slice().buffer);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
};

describe(LiveGridStore.name, () => {
  let store: LiveGridStore;
  const rowNames = () => [...store.view().rows].map((r) => store.model.agents[r].hostname);
  const colNames = () => [...store.view().cols].map((c) => store.model.targets[c].name ?? store.model.targets[c].address);

  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [LiveGridStore] });
    store = TestBed.inject(LiveGridStore);
    // alpha: one red cell; beta: two; gamma (hold): one yellow.
    const cells = [2, 11, now, RttCode.NO_REPLY, 1, 10, now, RttCode.NO_REPLY, 1, 12, now, RttCode.NO_REPLY, 3, 10, now, 150_000, 2, 10, now, 300];
    store.apply(decode(encodeLiveFrame('snapshot', 1, now, cells, layout)));
  });

  it('shows approved and held agents by name, targets by name; pending ones only when asked', () => {
    expect(rowNames()).toEqual(['alpha', 'beta', 'epsilon', 'gamma']);
    expect(colNames()).toEqual(['192.0.2.11', 'dns', 'router']);
    store.setOptions({ agentFilter: 'pending' });
    expect(rowNames()).toEqual(['delta']);
    store.setOptions({ agentFilter: 'offline' });
    expect(rowNames()).toEqual(['epsilon']);
  });

  it('sorts by problems and by state, filters by group, text and problems', () => {
    store.setOptions({ rowSort: 'problems', colSort: 'problems' });
    expect(rowNames()).toEqual(['beta', 'alpha', 'gamma', 'epsilon']);
    expect(colNames()).toEqual(['router', '192.0.2.11', 'dns']);
    store.setOptions({ rowSort: 'state' });
    expect(rowNames()).toEqual(['epsilon', 'gamma', 'alpha', 'beta']);
    store.setOptions({ group: 'core' });
    expect(colNames()).toEqual(['router', 'dns']);
    store.setOptions({ group: '', text: 'ALP' });
    expect(rowNames()).toEqual(['alpha']);
    expect(colNames().length).toBe(3);
    store.setOptions({ text: 'dns' });
    expect(colNames()).toEqual(['dns']);
    expect(rowNames().length).toBe(4);
    store.setOptions({ text: '', onlyProblems: true, rowSort: 'name', colSort: 'name' });
    // Problem rows and marked (offline, hold) agents; columns with a red or yellow cell.
    expect(rowNames()).toEqual(['alpha', 'beta', 'epsilon', 'gamma']);
    expect(colNames()).toEqual(['192.0.2.11', 'dns', 'router']);
  });

  it('re-filters "only problems" as the data changes, keeping the view while its order holds', () => {
    store.setOptions({ onlyProblems: true });
    expect(colNames()).toContain('192.0.2.11');
    const before = store.view();
    store.apply(decode(encodeLiveFrame('delta', 2, now, [2, 10, now + 1, 310])));
    expect(store.view()).toBe(before);
    // A new layout (here: a new global threshold) is a new view even with the same rows and columns.
    store.apply({ type: 'layout', seq: 3, layout: { ...layout, latencyThresholdMs: 200 } });
    expect(store.view()).not.toBe(before);
    store.apply(decode(encodeLiveFrame('delta', 4, now, [2, 11, now + 1, 500])));
    expect(colNames()).not.toContain('192.0.2.11');
  });

  it('counts problems and describes a cell in words', () => {
    expect(store.summary()).toEqual({ problems: 4, marked: 3 });
    const alpha = store.model.indexOfAgent(2);
    expect(store.describe(alpha, store.model.indexOfTarget(10))?.text).toBe('alpha → router: 0.30 ms, within the 100 ms threshold');
    expect(store.describe(alpha, store.model.indexOfTarget(11))).toMatchObject({ status: 'down', text: 'alpha → 192.0.2.11: no reply' });
    const gamma = store.model.indexOfAgent(3);
    expect(store.describe(gamma, store.model.indexOfTarget(10))?.text).toBe('gamma → router: 150 ms, over the 100 ms threshold');
    const epsilon = store.model.indexOfAgent(5);
    store.apply(decode(encodeLiveFrame('delta', 2, now, [5, 10, now, 300])));
    expect(store.describe(epsilon, store.model.indexOfTarget(10))?.text).toBe('epsilon → router: no data (agent offline)');
    expect(store.describe(gamma, store.model.indexOfTarget(11))?.text).toBe('gamma → 192.0.2.11: no data yet');
  });

  it('names the open incident that covers a cell', () => {
    const alpha = store.model.indexOfAgent(2);
    expect(store.describe(alpha, store.model.indexOfTarget(11))?.incident).toBeNull();
    const down = { id: 9, kind: 'target' as const, severity: 'critical' as const, title: 'Target 192.0.2.11 unreachable for 2 agents', agentIds: [2, 3], targetIds: [11], openedAt: now };
    store.setIncidents([down]);
    expect(store.describe(alpha, store.model.indexOfTarget(11))?.incident).toBe(down);
    expect(store.describe(alpha, store.model.indexOfTarget(10))?.incident).toBeNull();
    expect(store.incidents().list).toEqual([down]);
  });
});
