import { TestBed } from '@angular/core/testing';
import { CELL_STALE_AFTER_MS, DEFAULT_LATENCY_THRESHOLD_US, RttCode, type LiveSnapshot } from '@meshping/protocol';
import { cellStatus } from './cell-status';
import { LiveGridStore } from './live-grid.store';

const now = 1_795_000_000_000;
const snapshot: LiveSnapshot = {
  type: 'snapshot',
  seq: 4,
  agents: [
    { id: 1, hostname: 'local', state: 'approved', online: true, local: true },
    { id: 2, hostname: 'far', state: 'approved', online: false, local: false },
  ],
  targets: [
    { id: 10, address: '127.0.0.1', name: null, group: null },
    { id: 11, address: '::1', name: 'v6 loopback', group: null },
  ],
  cells: [1, 10, now - 1000, 420, 1, 11, now - 1000, RttCode.NO_REPLY, 2, 10, now - 1000, 300],
};

describe(LiveGridStore.name, () => {
  let store: LiveGridStore;
  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [LiveGridStore] });
    store = TestBed.inject(LiveGridStore);
    store.tick(now);
  });

  const statuses = () => store.rows().map((r) => r.cells.map((c) => c.status));

  it('builds agents x targets from a snapshot and colours each cell', () => {
    expect(store.apply(snapshot)).toBe('ok');
    // Agent 2 is offline: its cells are grey whatever they last said.
    expect(statuses()).toEqual([
      ['ok', 'down'],
      ['unknown', 'unknown'],
    ]);
  });

  it('applies deltas in sequence and asks for a resync when one was missed', () => {
    store.apply(snapshot);
    expect(store.apply({ type: 'delta', seq: 5, cells: [1, 11, now, 250_000] })).toBe('ok');
    expect(statuses()[0]).toEqual(['ok', 'slow']);
    expect(store.apply({ type: 'delta', seq: 7, cells: [1, 10, now, RttCode.NO_REPLY] })).toBe('resync');
    expect(statuses()[0]).toEqual(['ok', 'slow']); // the out-of-order delta was not applied
    expect(store.apply({ type: 'delta', seq: 8, cells: [] })).toBe('resync'); // until a new snapshot comes
    expect(store.apply({ ...snapshot, seq: 9 })).toBe('ok');
    expect(store.apply({ type: 'delta', seq: 10, cells: [1, 10, now, RttCode.NO_REPLY] })).toBe('ok');
    expect(statuses()[0]).toEqual(['down', 'down']);
  });

  it('never lets an older sample overwrite a newer one', () => {
    store.apply(snapshot);
    store.apply({ type: 'delta', seq: 5, cells: [1, 10, now - 60_000, RttCode.NO_REPLY] });
    expect(store.rows()[0].cells[0].sample).toEqual({ at: now - 1000, rtt: 420 });
  });

  it('turns a cell grey once its newest sample is stale (a gap in the agent stream)', () => {
    store.apply(snapshot);
    store.tick(now - 1000 + CELL_STALE_AFTER_MS + 1);
    expect(statuses()[0]).toEqual(['unknown', 'unknown']);
  });

  it('uses the latency threshold for yellow', () => {
    store.apply(snapshot);
    store.thresholdUs.set(400);
    expect(statuses()[0][0]).toBe('slow');
  });
});

describe('cellStatus', () => {
  it.each([
    [{ at: now, rtt: 10 }, true, 'ok'],
    [{ at: now, rtt: DEFAULT_LATENCY_THRESHOLD_US + 1 }, true, 'slow'],
    [{ at: now, rtt: RttCode.NO_REPLY }, true, 'down'],
    [{ at: now, rtt: RttCode.UNRESOLVED }, true, 'unknown'],
    [{ at: now, rtt: RttCode.SEND_ERROR }, true, 'unknown'],
    [undefined, true, 'unknown'],
    [{ at: now, rtt: 10 }, false, 'unknown'],
  ] as const)('%j (agent online: %s) is %s', (sample, online, expected) => {
    expect(cellStatus(sample, now, DEFAULT_LATENCY_THRESHOLD_US, online)).toBe(expected);
  });
});
