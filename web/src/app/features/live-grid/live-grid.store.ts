import { computed, Injectable, signal } from '@angular/core';
import { RttCode, type LiveAgent, type LiveTarget, type ServerToBrowser } from '@meshping/protocol';
import { IncidentMarks, type GridIncident } from './grid-incidents';
import { GridModel, type ApplyResult, type CellStatus } from './grid-model';
import { agentMark, computeView, DEFAULT_VIEW, targetGroups, targetLabel, type GridView, type ViewOptions } from './grid-view';

export function formatRtt(rtt: number): string {
  if (rtt === RttCode.NO_REPLY) return 'no reply';
  if (rtt === RttCode.UNRESOLVED) return 'name not resolved';
  if (rtt === RttCode.SEND_ERROR) return 'send error';
  return rtt < 10_000 ? `${(rtt / 1000).toFixed(2)} ms` : `${Math.round(rtt / 1000)} ms`;
}

/** A time of day as the grid's words give it (HH:MM:SS, this browser's zone). */
export function formatClock(epochMs: number): string {
  return new Date(epochMs).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

export interface CellInfo {
  agent: LiveAgent;
  target: LiveTarget;
  status: CellStatus;
  /** "far → 192.0.2.1: 12.40 ms, over the 10 ms threshold" */
  text: string;
  /** The open incident that covers this pair, if any. */
  incident: GridIncident | null;
}

/** Same layout, same rows and columns in the same order. */
function sameView(a: GridView, b: GridView): boolean {
  const same = (x: Int32Array, y: Int32Array) => x.length === y.length && x.every((v, i) => v === y[i]);
  return a.layout === b.layout && same(a.rows, b.rows) && same(a.cols, b.cols);
}

const STATUS_WORDS: Record<CellStatus, string> = { ok: 'within', slow: 'over', down: 'no reply', unknown: 'no data', dormant: 'dormant' };

/**
 * The live grid's state (GridModel: typed arrays, no object per cell) and how it is viewed (sort,
 * filter). Signals say *that* something changed: `layout` when rows or columns did, `frame` on every
 * update; the canvas reads the model itself. Changed only through apply(), tick() and setOptions().
 */
@Injectable()
export class LiveGridStore {
  readonly model = new GridModel();
  private readonly layoutSig = signal(0);
  /** Bumped on every applied message and clock tick: the renderer draws the dirty cells. */
  readonly frame = signal(0);
  readonly options = signal<ViewOptions>(DEFAULT_VIEW);
  /** Open incidents and the cells they cover (polled: LiveGridFeed). */
  readonly incidents = signal<IncidentMarks>(IncidentMarks.NONE);
  /** Zoom the user chose (cell size in CSS pixels); null = fit the grid's size. */
  private readonly zoom = signal<number | null>(null);
  /** Cell size in CSS pixels: large cells for a small mesh, small ones for a big one, until the user zooms. */
  readonly cellSize = computed(() => {
    const chosen = this.zoom();
    if (chosen !== null) return chosen;
    const v = this.view();
    const n = Math.max(v.rows.length, v.cols.length);
    return n <= 24 ? 28 : n <= 60 ? 20 : n <= 200 ? 14 : 8;
  });

  readonly agents = computed(() => (this.layoutSig(), this.model.agents));
  readonly targets = computed(() => (this.layoutSig(), this.model.targets));
  readonly groups = computed(() => targetGroups(this.targets()));
  readonly globalThresholdMs = computed(() => (this.layoutSig(), this.model.globalThresholdMs));

  /**
   * Rows and columns shown. Problem-driven views follow the data (re-sorted at most once a second);
   * an unchanged order keeps its object, so the canvas does not rebuild its bitmap for nothing.
   */
  readonly view = computed<GridView>(
    () => {
      this.layoutSig();
      const o = this.options();
      if (o.onlyProblems || o.rowSort === 'problems' || o.colSort === 'problems') this.frame();
      return computeView(this.model, o);
    },
    { equal: sameView },
  );

  /** Red and yellow cells in the whole grid, and agents marked offline / hold / pending. */
  readonly summary = computed(() => {
    this.frame();
    let problems = 0;
    for (const p of this.model.rowProblems) problems += p;
    const marked = this.agents().filter((a) => agentMark(a) !== '').length;
    return { problems, marked };
  });

  apply(message: ServerToBrowser): ApplyResult {
    const before = this.model.layoutVersion;
    const result = this.model.apply(message);
    if (this.model.layoutVersion !== before) this.layoutSig.update((v) => v + 1);
    this.frame.update((v) => v + 1);
    return result;
  }

  tick(now: number): void {
    this.model.tick(now);
    this.frame.update((v) => v + 1);
  }

  setOptions(patch: Partial<ViewOptions>): void {
    this.options.update((o) => ({ ...o, ...patch }));
  }

  setIncidents(open: readonly GridIncident[]): void {
    this.incidents.set(new IncidentMarks(open));
  }

  setCellSize(px: number): void {
    this.zoom.set(px);
  }

  /** Words for one cell (hover, keyboard focus, screen readers). */
  describe(row: number, col: number): CellInfo | null {
    const { model } = this;
    const agent = model.agents[row];
    const target = model.targets[col];
    if (!agent || !target) return null;
    const status = model.status(row, col);
    const i = row * model.cols + col;
    const threshold = model.thresholdUs[col] / 1000;
    const mark = agentMark(agent);
    let what: string;
    if (status === 'dormant') what = `dormant since ${formatClock(target.dormantSince ?? 0)}: no agent got a reply, so it is probed every 30 s to 5 min until one does`;
    else if (Number.isNaN(model.at[i])) what = 'no data yet';
    else if (status === 'unknown') what = mark ? `no data (agent ${mark})` : model.rtt[i] < 0 ? formatRtt(model.rtt[i]) : 'no recent data';
    else if (status === 'down') what = 'no reply';
    else what = `${formatRtt(model.rtt[i])}, ${STATUS_WORDS[status]} the ${threshold} ms threshold`;
    const incident = this.incidents().at(agent.id, target.id);
    return { agent, target, status, text: `${agent.hostname} → ${targetLabel(target)}: ${what}`, incident };
  }
}
