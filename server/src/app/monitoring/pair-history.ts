/**
 * The per-pair history the server computes for `GET /api/pairs/:a/:t/series` and `/stats` (the DTO
 * classes in pair-query.dto.ts document it; clients use the generated types). Times are epoch ms, RTTs µs.
 */

/** Why an agent delivered nothing in [from, to): "agent connection problem", never "no reply". */
export type GapReason = 'dropped' | 'disconnected';

export interface PairGap {
  from: number;
  /** Exclusive. */
  to: number;
  reason: GapReason;
  /** Results the agent reported dropped (dropped only). */
  samples: number | null;
}

/** One point of a downsampled series: the samples with at <= t < at + step. */
export interface SeriesPoint {
  at: number;
  count: number;
  noReply: number;
  errors: number;
  /** Over the replies, µs; null when the span had none. */
  minUs: number | null;
  avgUs: number | null;
  maxUs: number | null;
}

export interface PairSeries {
  from: number;
  to: number;
  /** Width of each point's span, ms. */
  step: number;
  /** Spans with samples, in time order; spans without samples are left out. */
  points: SeriesPoint[];
  /** Spans in which the agent delivered nothing. */
  gaps: PairGap[];
}

/** Figures of one pair over a window. */
export interface PairStats {
  /** Samples in the window, whatever their outcome. */
  count: number;
  replies: number;
  /** Probes without an echo reply. */
  noReply: number;
  /** Probes the agent could not make (unresolved name, send error): the agent's problem, not loss. */
  errors: number;
  /** noReply / (replies + noReply), in percent; null without any probe that reached the network. */
  lossPercent: number | null;
  /** The newest sample: its time and RTT in µs or negative RttCode. */
  lastAt: number | null;
  lastRttUs: number | null;
  /** Over the replies, µs. */
  minUs: number | null;
  avgUs: number | null;
  maxUs: number | null;
  p50Us: number | null;
  p95Us: number | null;
  /** Mean absolute difference of consecutive replies' RTTs (RFC 3550's jitter, without its smoothing), µs. */
  jitterUs: number | null;
}

/** What `/stats` answers: the figures, the window and the agent's gaps in it. */
export interface PairStatsWindow extends PairStats {
  from: number;
  to: number;
  gaps: PairGap[];
}
