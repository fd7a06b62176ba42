/**
 * Wire protocol version. Bumped on any incompatible change of a message shape.
 * 2: results travel as binary frames (results-codec.ts); 1: results as JSON only.
 */
export const PROTOCOL_VERSION = 2;
/** The oldest agent protocol the server still accepts (a version 1 agent sends JSON results, still valid). */
export const MIN_PROTOCOL_VERSION = 1;

/** Every target is probed once per interval. */
export const PROBE_INTERVAL_MS = 5_000;
/** A probe without an echo reply after this long is "no reply". */
export const PROBE_TIMEOUT_MS = 3_000;
/** An agent keeps unacknowledged results at most this long. */
export const BUFFER_WINDOW_MS = 30 * 60_000;
/** ... by default; its setting (MESHPING_BUFFER_WINDOW_SECONDS) allows at most this: no agent can report on anything older. */
export const MAX_BUFFER_WINDOW_MS = 7 * 86_400_000;
/**
 * The longest RTT an agent can measure: the probe timeout, plus 1 s for its timeout sweep (every
 * 100 ms) and event-loop delays before a late reply is settled as "no reply". Anything longer is refused.
 */
export const MAX_RTT_US = (PROBE_TIMEOUT_MS + 1_000) * 1_000;
/**
 * Samples of one (agent, target) pair within any 5-s span: one per probe interval, plus two of
 * slack (a round that moved earlier when the target list changed; a send delayed past a round
 * boundary by a stall). A results batch with more is refused whole.
 */
export const MAX_SAMPLES_PER_INTERVAL = 3;
/** Agents send a heartbeat this often ... */
export const HEARTBEAT_INTERVAL_MS = 30_000;
/** ... and are offline after this long without any sign of life. */
export const OFFLINE_AFTER_MS = 60_000;
/** The server pushes grid changes to browsers this often. */
export const LIVE_PUSH_INTERVAL_MS = 1_000;
/** An agent sends its collected results at least this often. */
export const RESULT_FLUSH_INTERVAL_MS = 1_000;
/** Upper bound of samples in one results message (keeps frames small and validation cheap). */
export const MAX_SAMPLES_PER_BATCH = 10_000;
/** Upper bound of one WebSocket frame, in bytes, on both sockets. */
export const MAX_FRAME_BYTES = 1024 * 1024;

/** WebSocket paths on the server's HTTP(S) listener. */
export const AGENT_WS_PATH = '/agent';
export const LIVE_WS_PATH = '/live';

/**
 * A sample's outcome is its RTT in microseconds (>= 0) or one of these negative codes.
 * Only NO_REPLY counts as loss of the target; the others are problems on the agent's side.
 */
export const RttCode = {
  /** No echo reply within the timeout. */
  NO_REPLY: -1,
  /** The target's hostname could not be resolved. */
  UNRESOLVED: -2,
  /** The agent could not send the request (no route, interface down ...). */
  SEND_ERROR: -3,
} as const;
export type RttCode = (typeof RttCode)[keyof typeof RttCode];

export const AGENT_STATES = ['pending', 'approved', 'hold', 'blacklisted'] as const;
export type AgentState = (typeof AGENT_STATES)[number];

/** Default latency threshold: a reply slower than this shows yellow (configurable per target later). */
export const DEFAULT_LATENCY_THRESHOLD_US = 100_000;
/** Bounds of a latency threshold (settings and per target): above the probe timeout nothing could be slow. */
export const MIN_LATENCY_THRESHOLD_MS = 0.001;
/** A cell whose newest sample is older than this shows "no data" (grey): the agent stopped reporting. */
export const CELL_STALE_AFTER_MS = 3 * PROBE_INTERVAL_MS;
