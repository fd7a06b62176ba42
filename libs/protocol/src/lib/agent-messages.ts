import * as z from 'zod/mini';
import { MAX_FRAME_BYTES, MAX_SAMPLES_PER_BATCH, PROTOCOL_VERSION } from './constants';
import { arrayMax, intIn, parseFrame, text, type Parsed } from './validate';

/* Agent <-> server messages on the AGENT_WS_PATH socket. JSON text frames, one message each. */

const id = intIn(1, 2 ** 31 - 1);
const epochMs = intIn(0, 8.64e15);
const seq = intIn(0, Number.MAX_SAFE_INTEGER);

/**
 * How an agent proves who it is. The skeleton knows only the local agent's trust token; enrollment
 * (passphrase registration, key challenge) adds members to this union.
 */
export const agentAuthSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('local-token'), token: z.string().check(z.regex(/^[A-Za-z0-9_-]{32,128}$/)) }),
]);
export type AgentAuth = z.infer<typeof agentAuthSchema>;

export const helloSchema = z.object({
  type: z.literal('hello'),
  protocol: z.int(),
  agent: z.object({
    hostname: text(253),
    version: text(64),
    addresses: arrayMax(text(64), 64),
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
    seq,
    base: epochMs,
    target: arrayMax(id, MAX_SAMPLES_PER_BATCH),
    dt: arrayMax(intIn(0, 86_400_000), MAX_SAMPLES_PER_BATCH),
    rtt: arrayMax(intIn(-3, 60_000_000), MAX_SAMPLES_PER_BATCH),
  })
  .check(
    z.refine((m) => m.target.length === m.dt.length && m.dt.length === m.rtt.length, {
      message: 'target, dt and rtt must have the same length',
      path: ['rtt'],
    }),
  );

export const heartbeatSchema = z.object({ type: z.literal('heartbeat'), at: epochMs });

/** The agent lost track of the target list (a change it could not apply): send the full list. */
export const targetsRequestSchema = z.object({ type: z.literal('targets-request') });

export const agentToServerSchema = z.discriminatedUnion('type', [helloSchema, resultsSchema, heartbeatSchema, targetsRequestSchema]);
export type AgentHello = z.infer<typeof helloSchema>;
export type ResultsBatch = z.infer<typeof resultsSchema>;
export type AgentHeartbeat = z.infer<typeof heartbeatSchema>;
export type AgentToServer = z.infer<typeof agentToServerSchema>;

export const targetSchema = z.object({
  id,
  address: text(253),
  name: z.nullable(z.string().check(z.maxLength(120))),
});
export type ProbeTarget = z.infer<typeof targetSchema>;

export const serverToAgentSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('welcome'), protocol: z.int(), agentId: id, serverTime: epochMs }),
  /** The full target list, on every (re)connect and on request. */
  z.object({ type: z.literal('targets'), version: seq, targets: z.array(targetSchema) }),
  /**
   * One change of the list: applies to version `from` and yields `version`. An agent at another
   * version sends `targets-request` instead of applying it.
   */
  z.object({
    type: z.literal('targets-changed'),
    from: seq,
    version: seq,
    upserted: z.array(targetSchema),
    removed: z.array(id),
  }),
  z.object({ type: z.literal('ack'), seq }),
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
