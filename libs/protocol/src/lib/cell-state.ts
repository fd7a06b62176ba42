import { CELL_STALE_AFTER_MS, RttCode } from './constants';

/**
 * A pair's (cell's) state, the one colour rule shared by the live grid (web) and the state-change
 * log (server), so that the two never disagree. One byte a cell:
 * SILENT = grey: no data, data older than CELL_STALE_AFTER_MS, the agent disconnected, or a problem
 * on the agent's side (name not resolved, send error); UP = green: a reply within the target's
 * latency threshold; DEGRADED = yellow: a reply over it; DOWN = red: no reply; DORMANT: the target
 * answered no agent for a long time and is probed on a back-off schedule (dormant.ts).
 */
export const CellState = { SILENT: 0, UP: 1, DEGRADED: 2, DOWN: 3, DORMANT: 4 } as const;
export type CellStateCode = (typeof CellState)[keyof typeof CellState];
/** The states' names, by code (the API's and the log's words). */
export const CELL_STATE_NAMES = ['silent', 'up', 'degraded', 'down', 'dormant'] as const;
export type CellStateName = (typeof CELL_STATE_NAMES)[number];

/**
 * The colour rule for one cell: its newest sample (rtt µs or a negative RttCode, probed `at`) seen at
 * `now`. A dormant target (no reply from any agent for a while, probed on the back-off schedule:
 * dormant.ts) shows DORMANT in the rows of agents that are online, whatever its last sample said.
 */
export function classifyCell(rtt: number, at: number, now: number, thresholdUs: number, agentOnline: boolean, targetDormant = false): CellStateCode {
  if (agentOnline && targetDormant) return CellState.DORMANT;
  if (!agentOnline || Number.isNaN(at) || now - at > CELL_STALE_AFTER_MS) return CellState.SILENT;
  if (rtt === RttCode.NO_REPLY) return CellState.DOWN;
  if (rtt < 0) return CellState.SILENT; // unresolved or send error: the agent's problem, not the target's
  return rtt > thresholdUs ? CellState.DEGRADED : CellState.UP;
}

/**
 * The state of a row (an agent) or a column (a target) from how many of its cells are up, degraded
 * and down: what a majority of the cells that have fresh data at least
 * show. SILENT when none has; DOWN when more than half are red; DEGRADED when more than half are
 * red or yellow; UP otherwise. A minority of bad cells is those paths' own state (the pairs' log
 * has them), not the whole target's or agent's; the majority is also the alert engine's default quorum.
 */
export function summariseCells(up: number, degraded: number, down: number): CellStateCode {
  const reporting = up + degraded + down;
  if (reporting === 0) return CellState.SILENT;
  if (down * 2 > reporting) return CellState.DOWN;
  if ((down + degraded) * 2 > reporting) return CellState.DEGRADED;
  return CellState.UP;
}
