import * as z from 'zod/mini';
import { AGENT_STATES, MAX_FRAME_BYTES } from './constants';
import { describeIssues, parseFrame, type Parsed } from './validate';

/*
 * Server <-> browser messages on the LIVE_WS_PATH socket (docs/protocol.md, "/live").
 *
 * The grid's shape (agents, targets, thresholds) travels as JSON; its cells travel as binary frames
 * of fixed 16-byte records, because a 1,000 x 1,000 mesh changes ~200,000 cells a second (every cell
 * every 5 s) and JSON numbers would cost ~4x the bytes and a JSON.parse the browser cannot afford in
 * its 16 ms frame budget. A binary frame decodes to an Int32Array view without copying.
 */

export const liveAgentSchema = z.object({
  id: z.int(),
  hostname: z.string(),
  state: z.enum(AGENT_STATES),
  online: z.boolean(),
  /** The agent the server runs beside itself (README's start command). */
  local: z.boolean(),
});
export type LiveAgent = z.infer<typeof liveAgentSchema>;

export const liveTargetSchema = z.object({
  id: z.int(),
  address: z.string(),
  name: z.nullable(z.string()),
  group: z.nullable(z.string()),
  /** This target's latency threshold; null = the global one. */
  latencyThresholdMs: z.nullable(z.number()),
  /** Dormant since (epoch ms): probed on the back-off schedule, its cells shown as dormant; null or absent: awake. */
  dormantSince: z.optional(z.nullable(z.number())),
});
export type LiveTarget = z.infer<typeof liveTargetSchema>;

/** What the grid is made of: rows, columns and the colouring thresholds. */
export const liveLayoutSchema = z.object({
  agents: z.array(liveAgentSchema),
  targets: z.array(liveTargetSchema),
  /** The global latency threshold (settings): a reply slower than this is yellow. */
  latencyThresholdMs: z.number(),
});
export type LiveLayout = z.infer<typeof liveLayoutSchema>;

/**
 * Cells as decoded from a binary frame: `records` holds CELL_RECORD_INTS int32 per cell,
 * [agentId, targetId, rtt (µs or negative RttCode), age (ms before serverNow)]; at = serverNow - age.
 * serverNow is the server's clock when it sent the frame: the browser judges staleness on the
 * server's time, so a browser whose own clock is off does not grey (or keep) the wrong cells.
 */
export interface LiveCells {
  serverNow: number;
  records: Int32Array;
}
export const CELL_RECORD_INTS = 4;
/** Flat cells as MonitoringService hands them over: [agentId, targetId, at (epoch ms), rtt, ...]. */
export const CELL_STRIDE = 4;

export type ServerToBrowser =
  /** The whole grid: sent on connect and on resync. Binary. */
  | { type: 'snapshot'; seq: number; layout: LiveLayout; cells: LiveCells }
  /** Agents, targets or thresholds changed; cells of pairs still present are kept. JSON text. */
  | { type: 'layout'; seq: number; layout: LiveLayout }
  /** Cells changed since the previous message; seq is the previous message's seq + 1. Binary. */
  | { type: 'delta'; seq: number; cells: LiveCells }
  | { type: 'error'; message: string };
export type LiveSnapshot = Extract<ServerToBrowser, { type: 'snapshot' }>;
export type LiveDelta = Extract<ServerToBrowser, { type: 'delta' }>;

const seq = z.int().check(z.minimum(0));
const textSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('layout'), seq, layout: liveLayoutSchema }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);

/** A browser that missed a seq asks for a fresh snapshot. */
export const browserToServerSchema = z.discriminatedUnion('type', [z.object({ type: z.literal('resync') })]);
export type BrowserToServer = z.infer<typeof browserToServerSchema>;

/** Browser frames are tiny; anything large is refused before JSON parsing. */
export const MAX_BROWSER_FRAME_BYTES = 4096;

/*
 * Binary frame, little-endian:
 *   0  u8  kind (1 snapshot, 2 delta)     1  u8  format version (1)     2  u16 reserved (0)
 *   4  u32 seq                            8  f64 serverNow (epoch ms, the server's clock)
 *   16 u32 metaBytes: UTF-8 JSON LiveLayout (snapshot only), space-padded to a multiple of 4
 *   20 meta, then records of 4 x i32: agentId, targetId, rtt, age = serverNow - at (ms; < 0 for an agent clock slightly ahead)
 */
export const LIVE_FRAME_VERSION = 1;
export const LIVE_FRAME_HEADER_BYTES = 20;
export const LiveFrameKind = { SNAPSHOT: 1, DELTA: 2 } as const;
const RECORD_BYTES = CELL_RECORD_INTS * 4;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Encodes flat MonitoringService cells ([agentId, targetId, at, rtt, ...]) as a binary frame, at the server's `now`. */
export function encodeLiveFrame(kind: 'snapshot', seq: number, now: number, flat: ArrayLike<number>, layout: LiveLayout): Uint8Array;
export function encodeLiveFrame(kind: 'delta', seq: number, now: number, flat: ArrayLike<number>): Uint8Array;
export function encodeLiveFrame(kind: 'snapshot' | 'delta', seq: number, now: number, flat: ArrayLike<number>, layout?: LiveLayout): Uint8Array {
  const count = Math.floor(flat.length / CELL_STRIDE);
  let meta = kind === 'snapshot' ? new TextEncoder().encode(JSON.stringify(layout)) : new Uint8Array(0);
  const padded = Math.ceil(meta.length / 4) * 4;
  if (padded !== meta.length) {
    const m = new Uint8Array(padded).fill(0x20);
    m.set(meta);
    meta = m;
  }
  const bytes = new Uint8Array(LIVE_FRAME_HEADER_BYTES + padded + count * RECORD_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, kind === 'snapshot' ? LiveFrameKind.SNAPSHOT : LiveFrameKind.DELTA);
  view.setUint8(1, LIVE_FRAME_VERSION);
  view.setUint32(4, seq, true);
  view.setFloat64(8, now, true);
  view.setUint32(16, padded, true);
  bytes.set(meta, LIVE_FRAME_HEADER_BYTES);
  let o = LIVE_FRAME_HEADER_BYTES + padded;
  for (let i = 0; i < count; i++, o += RECORD_BYTES) {
    const j = i * CELL_STRIDE;
    view.setInt32(o, flat[j], true);
    view.setInt32(o + 4, flat[j + 1], true);
    view.setInt32(o + 8, flat[j + 3], true);
    view.setInt32(o + 12, now - flat[j + 2], true);
  }
  return bytes;
}

/** Largest binary frame a browser accepts: a snapshot of 4,000,000 cells. */
export const MAX_LIVE_BINARY_BYTES = 64 * 1024 * 1024;

/** Decodes a binary frame; never throws. Records are a view on `buffer` (copied only on big-endian CPUs). */
export function decodeLiveFrame(buffer: ArrayBuffer): Parsed<ServerToBrowser> {
  if (buffer.byteLength < LIVE_FRAME_HEADER_BYTES) return { ok: false, error: 'binary frame shorter than its header' };
  if (buffer.byteLength > MAX_LIVE_BINARY_BYTES) return { ok: false, error: `binary frame larger than ${MAX_LIVE_BINARY_BYTES} bytes` };
  const view = new DataView(buffer);
  const kind = view.getUint8(0);
  if (view.getUint8(1) !== LIVE_FRAME_VERSION) return { ok: false, error: `unknown frame version ${view.getUint8(1)}` };
  if (kind !== LiveFrameKind.SNAPSHOT && kind !== LiveFrameKind.DELTA) return { ok: false, error: `unknown frame kind ${kind}` };
  const seqValue = view.getUint32(4, true);
  const serverNow = view.getFloat64(8, true);
  const metaBytes = view.getUint32(16, true);
  const start = LIVE_FRAME_HEADER_BYTES + metaBytes;
  if (metaBytes % 4 !== 0 || start > buffer.byteLength || (buffer.byteLength - start) % RECORD_BYTES !== 0) {
    return { ok: false, error: 'binary frame length does not match its records' };
  }
  if (!Number.isFinite(serverNow)) return { ok: false, error: 'binary frame has no valid server time' };
  const cells: LiveCells = { serverNow, records: int32s(buffer, start) };
  if (kind === LiveFrameKind.DELTA) return { ok: true, value: { type: 'delta', seq: seqValue, cells } };
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, LIVE_FRAME_HEADER_BYTES, metaBytes)));
  } catch {
    return { ok: false, error: 'snapshot layout is not valid JSON' };
  }
  const layout = liveLayoutSchema.safeParse(json);
  if (!layout.success) return { ok: false, error: describeIssues(layout.error) };
  return { ok: true, value: { type: 'snapshot', seq: seqValue, layout: layout.data, cells } };
}

function int32s(buffer: ArrayBuffer, start: number): Int32Array {
  const n = (buffer.byteLength - start) / 4;
  if (LITTLE_ENDIAN) return new Int32Array(buffer, start, n);
  const view = new DataView(buffer);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getInt32(start + i * 4, true);
  return out;
}

/** Parses one frame from the server: binary (snapshot, delta) or JSON text (layout, error). */
export function parseServerToBrowser(frame: unknown): Parsed<ServerToBrowser> {
  if (frame instanceof ArrayBuffer) return decodeLiveFrame(frame);
  return parseFrame(textSchema, frame, MAX_FRAME_BYTES * 16);
}

export function parseBrowserMessage(frame: unknown): Parsed<BrowserToServer> {
  return parseFrame(browserToServerSchema, frame, MAX_BROWSER_FRAME_BYTES);
}
