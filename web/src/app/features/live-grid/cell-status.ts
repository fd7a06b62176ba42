import { CELL_STALE_AFTER_MS, RttCode } from '@meshping/protocol';

/**
 * What a cell shows. ok = reply within the threshold (green), slow = reply over it (yellow),
 * down = no reply (red), unknown = no data, stale data or a problem on the agent's side (grey).
 */
export type CellStatus = 'ok' | 'slow' | 'down' | 'unknown';

export interface CellSample {
  at: number;
  rtt: number;
}

export function cellStatus(sample: CellSample | undefined, now: number, thresholdUs: number, agentOnline: boolean): CellStatus {
  if (!sample || !agentOnline || now - sample.at > CELL_STALE_AFTER_MS) return 'unknown';
  if (sample.rtt === RttCode.NO_REPLY) return 'down';
  if (sample.rtt < 0) return 'unknown'; // unresolved or send error: the agent's problem, not the target's
  return sample.rtt > thresholdUs ? 'slow' : 'ok';
}

export function formatRtt(rtt: number): string {
  if (rtt === RttCode.NO_REPLY) return 'no reply';
  if (rtt === RttCode.UNRESOLVED) return 'name not resolved';
  if (rtt === RttCode.SEND_ERROR) return 'send error';
  return rtt < 10_000 ? `${(rtt / 1000).toFixed(2)} ms` : `${Math.round(rtt / 1000)} ms`;
}
