import * as z from 'zod/mini';
import { MAX_BUFFER_WINDOW_MS, MAX_FRAME_BYTES, MAX_RTT_US, MAX_SAMPLES_PER_BATCH, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION } from './constants';
import { inLimits, rangeText, RESULT_LIMITS } from './results-codec';
import { displayNameProblem } from './display-name';
import { arrayMax, decodeFrame, describeIssues, intIn, parseFrame, text, type Parsed } from './validate';

/* Agent <-> server messages on the AGENT_WS_PATH socket. JSON text frames, one message each. */

const id = intIn(1, 2 ** 31 - 1);
const epochMs = intIn(0, 8.64e15);
const seq = intIn(0, Number.MAX_SAFE_INTEGER);

/**
 * How an agent proves who it is. The skeleton knows only the local agent's trust token; enrollment
 * (passphrase registration, key challenge) adds members to this union.
 */
const b64url = (min: number, max: number) => z.string().check(z.regex(new RegExp(`^[A-Za-z0-9_-]{${min},${max}}$`)));
/** An Ed25519 public key, SPKI DER in base64url (44 bytes -> 59 characters). */
export const publicKeySchema = b64url(40, 200);

/** A MAC address, six lower-case hex pairs separated by colons (normalise with normaliseMac). */
export const macAddressSchema = z.string().check(z.regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/, 'must be a MAC address like 00:11:22:aa:bb:cc'));

/** "00-11-22-AA-BB-CC", "0011.22aa.bbcc" or "00:11:22:aa:bb:cc" -> "00:11:22:aa:bb:cc"; null when not a MAC address. */
export function normaliseMac(text: string): string | null {
  const hex = text.trim().toLowerCase().replace(/[:.-]/g, '');
  if (!/^[0-9a-f]{12}$/.test(hex) || !/^[0-9a-f]{2}([:.-]?[0-9a-f]{2}){5}$|^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/.test(text.trim().toLowerCase())) return null;
  return hex.match(/../g)?.join(':') ?? null;
}

/**
 * An agent's hostname: full mesh copies it into a target's name, so it follows the display-name rule
 * (no control or format characters, no surrounding whitespace), like names set over the REST API.
 */
export const agentHostnameSchema = text(253).check(
  z.superRefine((value, ctx) => {
    const problem = displayNameProblem(value, 'hostname');
    if (problem) ctx.addIssue({ code: 'custom', message: problem, input: value });
  }),
);

export const agentAuthSchema = z.discriminatedUnion('kind', [
  /** The agent started beside the server, trusted through a token in the data directory. */
  z.object({ kind: z.literal('local-token'), token: b64url(32, 128) }),
  /** An enrolled agent: the server answers with a challenge the agent signs with its private key. */
  z.object({ kind: z.literal('key'), publicKey: publicKeySchema }),
]);
export type AgentAuth = z.infer<typeof agentAuthSchema>;

export const helloSchema = z.object({
  type: z.literal('hello'),
  protocol: z.int(),
  agent: z.object({
    hostname: agentHostnameSchema,
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
    rtt: arrayMax(intIn(-3, MAX_RTT_US), MAX_SAMPLES_PER_BATCH),
  })
  .check(
    z.refine((m) => m.target.length === m.dt.length && m.dt.length === m.rtt.length, {
      message: 'target, dt and rtt must have the same length',
      path: ['rtt'],
    }),
  );

export const heartbeatSchema = z.object({ type: z.literal('heartbeat'), at: epochMs });

/**
 * The agent had to drop results it never delivered (its buffer bound, by time or memory, was hit):
 * `samples` results probed in [from, to] are gone. Shares the results' sequence numbers and is
 * acknowledged the same way, once the server has recorded the gap durably; the grid and the pair
 * series show that span as "agent connection problem", never as "no reply". No agent buffers more
 * than MAX_BUFFER_WINDOW_MS, so no report spans more; the server also bounds it by its clock and
 * `samples` by what its targets can yield in the span (docs/protocol.md).
 */
export const droppedSchema = z
  .object({
    type: z.literal('dropped'),
    seq,
    from: epochMs,
    to: epochMs,
    samples: intIn(1, Number.MAX_SAFE_INTEGER),
    /**
     * Optional (older agents omit it; a server that does not know it ignores it): this report extends
     * an earlier one the server may have recorded (its ack lost) and supersedes it. The value is the
     * `seq` of the outage's first report, carried by every report extending it. The report holds the
     * whole span and count: the server replaces that outage's record instead of adding to it.
     */
    replaces: z.optional(seq),
  })
  .check(
    z.refine((m) => m.from <= m.to, { message: 'from must not be after to', path: ['to'] }),
    z.refine((m) => m.to - m.from <= MAX_BUFFER_WINDOW_MS, { message: `to - from must be at most ${MAX_BUFFER_WINDOW_MS} ms (an agent buffers 7 days at most)`, path: ['to'] }),
  );

/**
 * First contact of a new agent: its details, sealed with AES-256-GCM under a key derived from the
 * join passphrase (see libs/node-kit enrollment-crypto); ts and nonce are authenticated data.
 */
export const registerSchema = z.object({
  type: z.literal('register'),
  protocol: z.int(),
  ts: epochMs,
  nonce: b64url(16, 16),
  sealed: b64url(24, 8192),
});

/** What a registration carries, once opened. */
export const registrationSchema = z.object({
  hostname: agentHostnameSchema,
  version: text(64),
  addresses: arrayMax(text(64), 64),
  publicKey: publicKeySchema,
  /** Ed25519 signature of "meshping-register-proof|<ts>|<nonce>": the agent holds the private key. */
  proof: b64url(40, 200),
});
export type Registration = z.infer<typeof registrationSchema>;

export const challengeResponseSchema = z.object({ type: z.literal('challenge-response'), signature: b64url(40, 200) });

/** The agent lost track of the target list (a change it could not apply): send the full list. */
export const targetsRequestSchema = z.object({ type: z.literal('targets-request') });

export const agentToServerSchema = z.discriminatedUnion('type', [
  helloSchema,
  registerSchema,
  challengeResponseSchema,
  resultsSchema,
  droppedSchema,
  heartbeatSchema,
  targetsRequestSchema,
]);
export type AgentHello = z.infer<typeof helloSchema>;
export type ResultsBatch = z.infer<typeof resultsSchema>;
export type AgentHeartbeat = z.infer<typeof heartbeatSchema>;
export type DroppedReport = z.infer<typeof droppedSchema>;
export type AgentToServer = z.infer<typeof agentToServerSchema>;

export const targetSchema = z.object({
  id,
  address: text(253),
  name: z.nullable(z.string().check(z.maxLength(120))),
  /**
   * Set while the target is dormant (no reply from any agent for the set time): probe it on the
   * back-off schedule from then (dormant.ts), not every round. Absent or null: every round. Optional:
   * servers from before it send none, agents from before it ignore it (and probe every round).
   */
  dormantSince: z.optional(z.nullable(epochMs)),
});
export type ProbeTarget = z.infer<typeof targetSchema>;

export const serverToAgentSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('welcome'), protocol: z.int(), agentId: id, serverTime: epochMs }),
  /** Prove the key: sign "meshping-auth|<certificate fingerprint>|<nonce>" with it. */
  z.object({ type: z.literal('challenge'), nonce: b64url(32, 64) }),
  /** Registered (or still) waiting for an admin's approval; stay connected, results are not accepted yet. */
  z.object({ type: z.literal('pending'), agentId: id, message: text(500) }),
  /** Approved before, but now on hold (its address changed): keep measuring into the buffer. */
  z.object({ type: z.literal('hold'), agentId: id, message: text(500) }),
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
  /**
   * Wake-on-LAN (an operator's request, audited by the server): send a magic packet for `mac` as a
   * UDP broadcast on the agent's segment, to `broadcast` (an IPv4 broadcast address; default
   * 255.255.255.255) port 9.
   */
  z.object({ type: z.literal('wake'), mac: macAddressSchema, broadcast: z.optional(z.ipv4()) }),
  z.object({ type: z.literal('error'), code: text(64), message: text(1000), fatal: z.boolean() }),
]);
export type ServerToAgent = z.infer<typeof serverToAgentSchema>;

export function parseAgentMessage(frame: unknown): Parsed<AgentToServer> {
  const decoded = decodeFrame(frame, MAX_FRAME_BYTES);
  if (!decoded.ok) return decoded;
  const m = decoded.value;
  if (typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'results') return checkResults(m as Record<string, unknown>);
  const result = agentToServerSchema.safeParse(m);
  return result.success ? { ok: true, value: result.data } : { ok: false, error: describeIssues(result.error) };
}


/**
 * resultsSchema's rules, checked without zod's per-element machinery and copies: results are
 * nearly all the server parses (an agent's batch every second, up to 1,000 samples), and zod took
 * a quarter of the server's CPU at 20,000 results/s. agent-messages.spec.ts holds this check and
 * the schema to the same verdict on valid and broken batches.
 */
function checkResults(m: Record<string, unknown>): Parsed<ResultsBatch> {
  const isIntIn = (v: unknown, limits: readonly [number, number]) => typeof v === 'number' && inLimits(v, limits);
  const range = rangeText;
  if (Array.isArray(m)) return { ok: false, error: '(message): must be an object' };
  for (const key of ['seq', 'base'] as const) if (!isIntIn(m[key], RESULT_LIMITS[key])) return { ok: false, error: `${key}: ${range(RESULT_LIMITS[key])}` };
  for (const key of ['target', 'dt', 'rtt'] as const) {
    const list = m[key];
    if (!Array.isArray(list)) return { ok: false, error: `${key}: must be an array` };
    if (list.length > MAX_SAMPLES_PER_BATCH) return { ok: false, error: `${key}: at most ${MAX_SAMPLES_PER_BATCH} items` };
    const limits = RESULT_LIMITS[key];
    for (let i = 0; i < list.length; i++) if (!isIntIn(list[i], limits)) return { ok: false, error: `${key}.${i}: ${range(limits)}` };
  }
  const [target, dt, rtt] = [m['target'], m['dt'], m['rtt']] as number[][];
  if (target.length !== dt.length || dt.length !== rtt.length) return { ok: false, error: 'rtt: target, dt and rtt must have the same length' };
  return { ok: true, value: { type: 'results', seq: m['seq'] as number, base: m['base'] as number, target, dt, rtt } };
}

export function parseServerToAgent(frame: unknown): Parsed<ServerToAgent> {
  return parseFrame(serverToAgentSchema, frame, MAX_FRAME_BYTES);
}

export function isCompatible(protocol: number): boolean {
  return protocol >= MIN_PROTOCOL_VERSION && protocol <= PROTOCOL_VERSION;
}
