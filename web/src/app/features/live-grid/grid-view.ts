import type { LiveAgent, LiveTarget } from '@meshping/protocol';
import type { GridModel } from './grid-model';

export type RowSort = 'name' | 'problems' | 'state';
export type ColSort = 'name' | 'problems' | 'group';
/** Which agents get a row: active = approved and on hold (pending and blacklisted ones do not probe). */
export type AgentFilter = 'active' | 'all' | 'approved' | 'hold' | 'pending' | 'offline';

export interface ViewOptions {
  rowSort: RowSort;
  colSort: ColSort;
  agentFilter: AgentFilter;
  /** Only targets of this group ('' = all groups). */
  group: string;
  /** Only rows and columns with a red or yellow cell. */
  onlyProblems: boolean;
  /** Case-insensitive text matched against agent hostnames and target names, addresses and groups. */
  text: string;
}

export const DEFAULT_VIEW: ViewOptions = { rowSort: 'name', colSort: 'name', agentFilter: 'active', group: '', onlyProblems: false, text: '' };

/** Rows and columns shown, in order, as indexes into the model; and each index's position (or -1). */
export interface GridView {
  /** The model's layoutVersion it was made for: a new layout is always a new view (redrawn whole). */
  layout: number;
  rows: Int32Array;
  cols: Int32Array;
  rowPos: Int32Array;
  colPos: Int32Array;
}

export const targetLabel = (t: LiveTarget) => t.name ?? t.address;

/** Hold, offline and pending rows are marked; the mark is also what the row header shows. */
export function agentMark(a: LiveAgent): '' | 'offline' | 'hold' | 'pending' | 'blacklisted' {
  if (a.state !== 'approved') return a.state;
  return a.online ? '' : 'offline';
}

const STATE_RANK: Record<string, number> = { offline: 0, hold: 1, pending: 2, blacklisted: 3, '': 4 };
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function agentShown(a: LiveAgent, filter: AgentFilter): boolean {
  switch (filter) {
    case 'active':
      return a.state === 'approved' || a.state === 'hold';
    case 'all':
      return true;
    case 'offline':
      return a.state === 'approved' && !a.online;
    default:
      return a.state === filter;
  }
}

export function computeView(model: GridModel, o: ViewOptions): GridView {
  const text = o.text.trim().toLowerCase();
  const targetMatches = (t: LiveTarget) =>
    !text || t.address.toLowerCase().includes(text) || (t.name ?? '').toLowerCase().includes(text) || (t.group ?? '').toLowerCase().includes(text);
  let cols = model.targets.map((_, i) => i).filter((i) => {
    const t = model.targets[i];
    if (o.group && t.group !== o.group) return false;
    return !o.onlyProblems || model.colProblems[i] > 0;
  });
  let rows = model.agents.map((_, i) => i).filter((i) => agentShown(model.agents[i], o.agentFilter) && (!o.onlyProblems || model.rowProblems[i] > 0 || agentMark(model.agents[i]) !== ''));
  // Text narrows rows to matching agents, or columns to matching targets (whichever it names).
  if (text) {
    const matchingRows = rows.filter((i) => model.agents[i].hostname.toLowerCase().includes(text));
    const matchingCols = cols.filter((i) => targetMatches(model.targets[i]));
    if (matchingRows.length || !matchingCols.length) rows = matchingRows;
    if (matchingCols.length || !matchingRows.length) cols = matchingCols;
  }
  const agentName = (i: number) => model.agents[i].hostname;
  const byName = (a: number, b: number) => collator.compare(agentName(a), agentName(b)) || a - b;
  if (o.rowSort === 'name') rows.sort(byName);
  else if (o.rowSort === 'problems') rows.sort((a, b) => model.rowProblems[b] - model.rowProblems[a] || byName(a, b));
  else rows.sort((a, b) => STATE_RANK[agentMark(model.agents[a])] - STATE_RANK[agentMark(model.agents[b])] || byName(a, b));
  const targetName = (i: number) => targetLabel(model.targets[i]);
  const colByName = (a: number, b: number) => collator.compare(targetName(a), targetName(b)) || a - b;
  if (o.colSort === 'name') cols.sort(colByName);
  else if (o.colSort === 'problems') cols.sort((a, b) => model.colProblems[b] - model.colProblems[a] || colByName(a, b));
  else cols.sort((a, b) => collator.compare(model.targets[a].group ?? '\uffff', model.targets[b].group ?? '\uffff') || colByName(a, b));
  return { layout: model.layoutVersion, ...positions(Int32Array.from(rows), Int32Array.from(cols), model.rows, model.cols) };
}

function positions(rows: Int32Array, cols: Int32Array, nRows: number, nCols: number): Omit<GridView, 'layout'> {
  const rowPos = new Int32Array(nRows).fill(-1);
  const colPos = new Int32Array(nCols).fill(-1);
  rows.forEach((r, p) => (rowPos[r] = p));
  cols.forEach((c, p) => (colPos[c] = p));
  return { rows, cols, rowPos, colPos };
}

/** The groups targets are in, for the group filter. */
export function targetGroups(targets: readonly LiveTarget[]): string[] {
  return [...new Set(targets.map((t) => t.group).filter((g): g is string => !!g))].sort(collator.compare);
}
