import { CELL_STALE_AFTER_MS, encodeLiveFrame, parseServerToBrowser, RttCode, type LiveLayout, type ServerToBrowser } from '@meshping/protocol';
import { Cell, CELL_NAMES, GridModel } from './grid-model';

const now = 1_795_000_000_000;
const layout: LiveLayout = {
  agents: [
    { id: 1, hostname: 'local', state: 'approved', online: true, local: true },
    { id: 2, hostname: 'far', state: 'approved', online: false, local: false },
  ],
  targets: [
    { id: 10, address: '127.0.0.1', name: null, group: null, latencyThresholdMs: null },
    { id: 11, address: '::1', name: 'v6 loopback', group: 'lab', latencyThresholdMs: 0.2 },
  ],
  latencyThresholdMs: 100,
};

/** Frames exactly as the server sends them: encoded by libs/protocol, decoded by the browser's parser. */
function decode(bytes: Uint8Array): ServerToBrowser {
  const parsed = parseServerToBrowser(bytes.slice().buffer);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}
const snapshot = (seq: number, cells: number[], l = layout, serverNow = now) => decode(encodeLiveFrame('snapshot', seq, serverNow, cells, l));
const delta = (seq: number, cells: number[], serverNow = now) => decode(encodeLiveFrame('delta', seq, serverNow, cells));

describe(GridModel.name, () => {
  let model: GridModel;
  /** This browser's clock agrees with the server's, unless a test says otherwise. */
  let apply: (m: ServerToBrowser) => string;
  const statuses = () => [0, 1].map((r) => [0, 1].map((c) => model.status(r, c)));

  beforeEach(() => {
    model = new GridModel();
    apply = (m) => model.apply(m, now);
  });

  it('colours a snapshot: green within the threshold, red for no reply, grey when the agent is offline', () => {
    expect(apply(snapshot(4, [1, 10, now - 1000, 420, 1, 11, now - 1000, RttCode.NO_REPLY, 2, 10, now - 1000, 300]))).toBe('ok');
    expect(statuses()).toEqual([
      ['ok', 'down'],
      ['unknown', 'unknown'],
    ]);
    expect(model.rowProblems[0]).toBe(1);
    expect(model.colProblems[1]).toBe(1);
  });

  it('shows a dormant target as dormant in the rows of online agents, never stale, and its samples again once it wakes', () => {
    const dormantLayout: LiveLayout = { ...layout, targets: [layout.targets[0], { ...layout.targets[1], dormantSince: now - 60_000 }] };
    apply(snapshot(1, [1, 10, now - 1000, 420, 1, 11, now - 1000, RttCode.NO_REPLY], dormantLayout));
    expect(statuses()).toEqual([
      ['ok', 'dormant'],
      ['unknown', 'unknown'], // an offline agent's row stays grey
    ]);
    expect(model.colProblems[1]).toBe(0); // not counted as a problem: it is known and probed rarely
    // Minutes between its samples do not turn it grey.
    model.tick(now + 4 * CELL_STALE_AFTER_MS);
    expect(model.status(0, 1)).toBe('dormant');
    // It wakes (the server's layout without dormantSince): its cell shows its sample by the usual rule.
    apply(snapshot(2, [1, 10, now - 1000, 420, 1, 11, now - 500, 150], layout));
    expect(statuses()[0]).toEqual(['ok', 'ok']);
  });

  it('applies the target threshold over the global one: yellow above it', () => {
    // 150 ms is over the global 100 ms (target 10); 0.15 ms is within target 11's own 0.2 ms.
    apply(snapshot(1, [1, 10, now - 1000, 150_000, 1, 11, now - 1000, 150]));
    expect(statuses()[0]).toEqual(['slow', 'ok']);
    apply(delta(2, [1, 11, now - 500, 250]));
    expect(statuses()[0]).toEqual(['slow', 'slow']);
  });

  it('a new global threshold (layout) recolours the cells it applies to, and keeps every sample', () => {
    apply(snapshot(1, [1, 10, now - 1000, 150_000, 1, 11, now - 1000, 150]));
    apply({ type: 'layout', seq: 2, layout: { ...layout, latencyThresholdMs: 200 } });
    expect(statuses()[0]).toEqual(['ok', 'ok']);
    expect(model.rtt[0]).toBe(150_000);
  });

  it('applies deltas in order, keeps the newer sample, and asks for a resync after a gap', () => {
    apply(snapshot(4, [1, 10, now - 1000, 420]));
    expect(apply(delta(5, [1, 10, now - 500, RttCode.NO_REPLY]))).toBe('ok');
    expect(model.status(0, 0)).toBe('down');
    // A late, older sample does not overwrite the newer one.
    expect(apply(delta(6, [1, 10, now - 4000, 300]))).toBe('ok');
    expect(model.status(0, 0)).toBe('down');
    expect(apply(delta(8, [1, 10, now, 300]))).toBe('resync');
    expect(model.status(0, 0)).toBe('down'); // the gapped delta was not applied
    // Until the snapshot comes, every delta asks again.
    expect(apply(delta(9, [1, 10, now, 300]))).toBe('resync');
    apply(snapshot(9, [1, 10, now, 300]));
    expect(apply(delta(10, [1, 10, now, 310]))).toBe('ok');
    expect(model.status(0, 0)).toBe('ok');
  });

  it('a delta before any snapshot asks for one', () => {
    expect(apply(delta(1, [1, 10, now, 300]))).toBe('resync');
  });

  it('turns cells grey once their newest sample is stale (an agent that stopped reporting: a gap)', () => {
    apply(snapshot(1, [1, 10, now - 1000, 420, 1, 11, now - 1000, RttCode.NO_REPLY]));
    model.takeDirty();
    model.tick(now - 1000 + CELL_STALE_AFTER_MS);
    expect(statuses()[0]).toEqual(['ok', 'down']);
    expect(model.takeDirty().length).toBe(0);
    model.tick(now - 1000 + CELL_STALE_AFTER_MS + 1);
    expect(statuses()[0]).toEqual(['unknown', 'unknown']);
    expect(model.rowProblems[0]).toBe(0);
    expect([...model.takeDirty()].sort()).toEqual([0, 1]);
    // A fresh sample after the gap colours the cell again.
    model.apply(delta(2, [1, 10, now + CELL_STALE_AFTER_MS, 500], now + CELL_STALE_AFTER_MS), now + CELL_STALE_AFTER_MS);
    expect(model.status(0, 0)).toBe('ok');
  });

  it('still greys a cell that went stale after its row was last swept, and not before', () => {
    apply(snapshot(1, [1, 10, now - 1000, 120, 1, 11, now - 1000, 120]));
    model.tick(now); // sweeps row 0 once, remembering its oldest sample
    apply(delta(2, [1, 10, now + 5000, 430])); // cell 0 fresh, cell 1 left at now - 1000
    model.tick(now - 1000 + CELL_STALE_AFTER_MS);
    expect(statuses()[0]).toEqual(['ok', 'ok']);
    model.tick(now - 1000 + CELL_STALE_AFTER_MS + 1);
    expect(statuses()[0]).toEqual(['ok', 'unknown']);
    model.tick(now + 5000 + CELL_STALE_AFTER_MS + 1);
    expect(statuses()[0]).toEqual(['unknown', 'unknown']);
  });

  it('greys what the agent could not probe (name not resolved, send error)', () => {
    apply(snapshot(1, [1, 10, now - 1000, RttCode.UNRESOLVED, 1, 11, now - 1000, RttCode.SEND_ERROR]));
    expect(statuses()[0]).toEqual(['unknown', 'unknown']);
  });

  it('lists exactly the cells whose colour changed, once each, for the renderer', () => {
    apply(snapshot(1, [1, 10, now - 1000, 420, 1, 11, now - 1000, 420]));
    model.takeDirty();
    apply(delta(2, [1, 10, now - 500, 430, 1, 11, now - 500, RttCode.NO_REPLY]));
    apply(delta(3, [1, 11, now - 400, RttCode.NO_REPLY]));
    expect([...model.takeDirty()]).toEqual([1]); // same colour for cell 0: nothing to redraw
    expect(model.takeDirty().length).toBe(0);
  });

  it('keeps the cells of pairs still present when a layout adds a target, and ignores pairs it lacks', () => {
    apply(snapshot(1, [1, 10, now - 1000, 420, 1, 99, now - 1000, 420]));
    expect(model.cols).toBe(2);
    const added = { ...layout, targets: [layout.targets[1], { id: 12, address: '192.0.2.1', name: null, group: null, latencyThresholdMs: null }, layout.targets[0]] };
    apply({ type: 'layout', seq: 2, layout: added });
    expect(model.cols).toBe(3);
    expect(model.status(0, model.indexOfTarget(10))).toBe('ok');
    expect(model.status(0, model.indexOfTarget(12))).toBe('unknown');
    apply(delta(3, [1, 12, now, RttCode.NO_REPLY]));
    expect(model.status(0, model.indexOfTarget(12))).toBe('down');
  });

  it("judges staleness on the server's clock, whatever this browser's clock says", () => {
    const hourAhead = now + 3_600_000;
    model.apply(snapshot(1, [1, 10, now - 1000, 420]), hourAhead);
    model.tick(hourAhead + 1000);
    expect(model.status(0, 0)).toBe('ok'); // the browser's clock an hour ahead: not stale
    model.tick(hourAhead + CELL_STALE_AFTER_MS);
    expect(model.status(0, 0)).toBe('unknown'); // 15 s of server time without news: stale
    const hourBehind = now - 3_600_000;
    model.apply(snapshot(2, [1, 10, now - 20_000, 420]), hourBehind);
    expect(model.status(0, 0)).toBe('unknown'); // a 20 s old sample stays grey for a browser an hour behind
  });

  it('handles ids beyond the dense index', () => {
    const big = { ...layout, agents: [{ ...layout.agents[0], id: 50_000_000 }] };
    apply(snapshot(1, [50_000_000, 10, now, 420], big));
    expect(model.status(0, 0)).toBe('ok');
    expect(CELL_NAMES[Cell.DOWN]).toBe('down');
  });
});
