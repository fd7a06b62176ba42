import * as z from 'zod/mini';
import { AGENT_STATES, MAX_FRAME_BYTES } from './constants';
import { parseFrame, type Parsed } from './validate';

/* Server <-> browser messages on the LIVE_WS_PATH socket. */

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
});
export type LiveTarget = z.infer<typeof liveTargetSchema>;

/**
 * Cells travel flat: [agentId, targetId, at (epoch ms), rtt (µs or negative RttCode), ...] in groups
 * of CELL_STRIDE, so a delta of 10,000 cells is one number array, not 10,000 objects.
 */
export const CELL_STRIDE = 4;
const cells = z
  .array(z.int())
  .check(z.refine((a) => a.length % CELL_STRIDE === 0, { message: `length must be a multiple of ${CELL_STRIDE}` }));
const seq = z.int().check(z.minimum(0));

export const serverToBrowserSchema = z.discriminatedUnion('type', [
  /** The whole grid: sent on connect, when agents or targets change, and on request. */
  z.object({
    type: z.literal('snapshot'),
    seq,
    agents: z.array(liveAgentSchema),
    targets: z.array(liveTargetSchema),
    cells,
  }),
  /** Cells changed since the previous message; seq is the previous message's seq + 1. */
  z.object({ type: z.literal('delta'), seq, cells }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);
export type ServerToBrowser = z.infer<typeof serverToBrowserSchema>;
export type LiveSnapshot = Extract<ServerToBrowser, { type: 'snapshot' }>;
export type LiveDelta = Extract<ServerToBrowser, { type: 'delta' }>;

/** A browser that missed a seq asks for a fresh snapshot. */
export const browserToServerSchema = z.discriminatedUnion('type', [z.object({ type: z.literal('resync') })]);
export type BrowserToServer = z.infer<typeof browserToServerSchema>;

/** Browser frames are tiny; anything large is refused before JSON parsing. */
export const MAX_BROWSER_FRAME_BYTES = 4096;

export function parseServerToBrowser(frame: unknown): Parsed<ServerToBrowser> {
  return parseFrame(serverToBrowserSchema, frame, MAX_FRAME_BYTES * 16);
}

export function parseBrowserMessage(frame: unknown): Parsed<BrowserToServer> {
  return parseFrame(browserToServerSchema, frame, MAX_BROWSER_FRAME_BYTES);
}
