import { z } from 'zod';
import { MAX_FRAME_BYTES, MAX_SAMPLES_PER_BATCH, PROTOCOL_VERSION } from './constants';
import { parseFrame, type Parsed } from './validate';

/* Agent <-> server messages on the AGENT_WS_PATH socket. JSON text frames, one message each. */

const id = z.number().int().positive().max(2 ** 31 - 1);
const epochMs = z.number().int().min(0).max(8.64e15);
const text = (max: number) => z.string().min(1).max(max);

/**
 * How an agent proves who it is. The skeleton knows only the local agent's trust token; enrollment
 * (passphrase registration, key challenge) adds members to this union.
 */
export const agentAuthSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('local-token'), token: z.string().regex(/^[A-Za-z0-9_-]{32,128}$/) }),
]);
export type AgentAuth = z.infer<typeof agentAuthSchema>;

export const helloSchema = z.object({
  type: z.literal('hello'),
  protocol: z.number().int(),
  agent: z.object({
    hostname: text(253),
    version: text(64),
    addresses: z.array(text(64)).max(64),
  }),
  auth: agentAuthSchema,
});

/**
 * A batch of probe results, column-wise: sample i is (target[i], base + dt[i] ms, rtt[i]).
 * rtt is in microseconds, or a negative RttCode. Columns keep a 1,000-target batch a few kB.
 */
export const resultsSchema = z
  .object({
    type: z.literal('results'),
    /** Per-agent sequence number; the server acknowledges it once the batch is durably stored. */
    seq: z.number().int().min(0),
    base: epochMs,
    target: z.array(id).max(MAX_SAMPLES_PER_BATCH),
    dt: z.array(z.number().int().min(0).max(86_400_000)).max(MAX_SAMPLES_PER_BATCH),
    rtt: z.array(z.number().int().min(-3).max(60_000_000)).max(MAX_SAMPLES_PER_BATCH),
  })
  .refine((m) => m.target.length === m.dt.length && m.dt.length === m.rtt.length, {
    message: 'target, dt and rtt must have the same length',
    path: ['rtt'],
  });

export const heartbeatSchema = z.object({ type: z.literal('heartbeat'), at: epochMs });

export const agentToServerSchema = z.union([helloSchema, resultsSchema, heartbeatSchema]);
export type AgentHello = z.infer<typeof helloSchema>;
export type ResultsBatch = z.infer<typeof resultsSchema>;
export type AgentHeartbeat = z.infer<typeof heartbeatSchema>;
export type AgentToServer = z.infer<typeof agentToServerSchema>;

export const targetSchema = z.object({
  id,
  address: text(253),
  name: z.string().max(120).nullable(),
});
export type ProbeTarget = z.infer<typeof targetSchema>;

export const serverToAgentSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('welcome'), protocol: z.number().int(), agentId: id, serverTime: epochMs }),
  z.object({ type: z.literal('targets'), version: z.number().int().min(0), targets: z.array(targetSchema) }),
  z.object({ type: z.literal('ack'), seq: z.number().int().min(0) }),
  z.object({ type: z.literal('error'), code: text(64), message: text(1000), fatal: z.boolean() }),
]);
export type ServerToAgent = z.infer<typeof serverToAgentSchema>;

export function parseAgentMessage(frame: unknown): Parsed<AgentToServer> {
  return parseFrame(agentToServerSchema, frame, MAX_FRAME_BYTES);
}

export function parseServerToAgent(frame: unknown): Parsed<ServerToAgent> {
  return parseFrame(serverToAgentSchema, frame, MAX_FRAME_BYTES);
}

export function isCompatible(protocol: number): boolean {
  return protocol === PROTOCOL_VERSION;
}
