import { Logger } from '@nestjs/common';
import type { Clock } from '@meshping/node-kit';
import {
  MAX_FRAME_BYTES,
  parseAgentMessage,
  parseResultsFrame,
  PROTOCOL_VERSION,
  type AgentToServer,
  type DroppedReport,
  type ResultColumns,
  type ServerToAgent,
} from '@meshping/protocol';
import type { WebSocket } from 'ws';
import type { ConnectionSlot } from '../../infra/ws/connection-limiter';
import { setFrameLimit } from '../../infra/ws/frame-limit';
import type { LogThrottle } from '../../infra/ws/log-throttle';
import type { AgentHandshakeService, HandshakeDecision, HandshakeRefusal, KeyChallenge } from '../agents/agent-handshake.service';
import type { AgentsService } from '../agents/agents.service';
import { RejectedBatchError, type MonitoringService } from '../monitoring/monitoring.service';
import type { TargetsService } from '../targets/targets.service';

export interface AgentLinkDeps {
  agents: AgentsService;
  targets: TargetsService;
  monitoring: MonitoringService;
  /** Decides every step of authentication; the link carries the decisions out. */
  handshake: AgentHandshakeService;
  clock: Clock;
  /** Called once the link is authenticated; the gateway closes an older link of the same agent. */
  authenticated(link: AgentLink, agentId: number): void;
  /** Called when the link closes; true when it was the agent's active link (the agent is now offline). */
  closed(link: AgentLink, agentId: number): boolean;
  /** Where warnings caused by what agents send go: folded per source (never one line per frame). */
  warnings: LogThrottle;
  /** lastSeenAt of a connected agent is written at most this often, and at least this often while it sends anything (or answers pings). */
  seenEveryMs: number;
}

/** WebSocket close codes (4000-4999 are the application's). */
export const CloseCode = {
  PROTOCOL: 4400,
  UNAUTHORISED: 4401,
  BLACKLISTED: 4403,
  /** Before authentication: a frame that is not the next step of it (malformed, binary, over 16 KiB, one too many). */
  BAD_HANDSHAKE: 4402,
  HELLO_TIMEOUT: 4408,
  REPLACED: 4409,
  DELETED: 4410,
  STORAGE: 1011,
  GOING_AWAY: 1001,
} as const;
const HELLO_TIMEOUT_MS = 10_000;
/** Before authentication only small frames, and only a few of them, are accepted. */
export const MAX_UNAUTHENTICATED_FRAME = 16 * 1024;
/** Frames waiting behind the hello while it is checked (an agent may send the next one right away). */
export const MAX_UNAUTHENTICATED_QUEUED = 4;
const MAX_QUEUED_FRAMES = 1000;
/** A link closed for a broken handshake is cut this long after the close frame, whatever the peer does. */
const CLOSE_GRACE_MS = 1_000;

/** new -> (challenged ->) waiting (pending / hold) -> active (approved: results accepted). */
type Phase = 'new' | 'challenged' | 'waiting' | 'active';

/**
 * One agent connection: authentication first (local token, key challenge, or a sealed
 * registration: AgentHandshakeService decides, the link carries it out), then results and
 * heartbeats, handled one frame at a time in arrival order. A bad frame gets an error reply and is
 * dropped; the connection and everyone else carry on.
 */
export class AgentLink {
  private readonly logger = new Logger(AgentLink.name);
  private agentId: number | null = null;
  private phase: Phase = 'new';
  /** The protocol version this link speaks: the agent's, from its hello (the server speaks 1 to PROTOCOL_VERSION). */
  private protocol = PROTOCOL_VERSION;
  private challenge: KeyChallenge | null = null;
  private helloTimer: NodeJS.Timeout | null;
  /** Frames are processed strictly in order: each waits for the previous one's database work. */
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;
  /** Set when the link was refused or closed: later frames are dropped unread. */
  private done = false;
  lastActivity: number;
  /** When the server last sent this link anything (a frame or a ping): the agent watches that silence. */
  lastSent = 0;

  constructor(
    private readonly socket: WebSocket,
    private readonly remote: string,
    private readonly deps: AgentLinkDeps,
    private readonly slot: ConnectionSlot | null = null,
  ) {
    this.lastActivity = deps.clock.now();
    setFrameLimit(socket, MAX_UNAUTHENTICATED_FRAME);
    this.helloTimer = setTimeout(() => this.close(CloseCode.HELLO_TIMEOUT, 'no hello within 10 s'), HELLO_TIMEOUT_MS);
    socket.on('message', (data, isBinary) => {
      this.lastActivity = deps.clock.now();
      if (this.done) return;
      const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : (data as Buffer).byteLength;
      if (this.agentId === null) {
        // Before authentication a connection costs the server almost nothing: one small text frame
        // (and a few behind it), judged in order; anything else ends it.
        if (isBinary) return this.refuseHandshake('a binary frame before authentication');
        if (size > MAX_UNAUTHENTICATED_FRAME) return this.refuseHandshake(`a frame of ${size} bytes before authentication (at most ${MAX_UNAUTHENTICATED_FRAME})`);
        if (this.queued >= MAX_UNAUTHENTICATED_QUEUED) return this.refuseHandshake(`more than ${MAX_UNAUTHENTICATED_QUEUED} frames before authentication`);
      } else if (this.queued >= MAX_QUEUED_FRAMES) {
        this.done = true;
        this.deps.warnings.warn('agent.flooded', this.remote, { agentId: this.agentId, queued: this.queued });
        return void socket.terminate();
      }
      // Binary frames are results (protocol 2): kept as bytes, parsed without JSON.
      const frame = isBinary ? asBytes(data) : data.toString();
      this.queued += 1;
      this.chain = this.chain
        .then(() => (this.done ? undefined : this.onFrame(frame)))
        .then(() => this.noteSeen())
        .catch((err) => this.failed(err))
        .finally(() => (this.queued -= 1));
    });
    socket.on('pong', () => {
      this.lastActivity = deps.clock.now();
      this.noteSeen();
    });
    socket.on('close', () => {
      this.socketClosed = true;
      this.slot?.release();
      this.chain = this.chain
        .then(() => this.onClose())
        .catch((err) => this.failed(err))
        .finally(() => this.markFinished());
    });
  }

  private socketClosed = false;
  private markFinished!: () => void;
  /** Resolves once the socket is closed and the link's last writes (frames before, last seen) are done. */
  readonly finished = new Promise<void>((resolve) => (this.markFinished = resolve));

  get authenticatedAgent(): number | null {
    return this.agentId;
  }

  get active(): boolean {
    return this.phase === 'active';
  }

  send(message: ServerToAgent): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(JSON.stringify(message));
    this.lastSent = this.deps.clock.now();
  }

  /** Drops a link found dead (silent too long): the agent was last seen when it was last heard from, not now. */
  terminate(): void {
    this.foundDead = true;
    this.socket.terminate();
  }

  /** Set when the link was dropped for its silence (terminate()). */
  private foundDead = false;

  ping(): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.socket.ping();
    this.lastSent = this.deps.clock.now();
  }

  close(code: number, reason: string): void {
    this.done = true;
    this.send({ type: 'error', code: 'closing', message: reason, fatal: true });
    this.socket.close(code, reason);
    // A peer that never answers the close frame (or goes on sending) is cut, instead of being read for 30 s.
    setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS).unref();
  }

  /** Approved (now, or again after a hold): results are accepted from here on. */
  activate(): void {
    if (this.agentId === null) return;
    this.phase = 'active';
    this.send({ type: 'welcome', protocol: this.protocol, agentId: this.agentId, serverTime: this.deps.clock.now() });
    this.sendTargets();
  }

  private async onFrame(frame: string | Uint8Array): Promise<void> {
    if (typeof frame !== 'string') return this.onBinaryFrame(frame);
    const parsed = parseAgentMessage(frame);
    if (!parsed.ok) return this.agentId === null ? this.refuseHandshake(`a bad frame before authentication: ${parsed.error}`) : this.refuse('bad-message', parsed.error);
    const msg = parsed.value;
    if (msg.type === 'hello' || msg.type === 'register' || msg.type === 'challenge-response') return this.onAuth(msg);
    if (this.agentId === null) return this.refuseHandshake(`${msg.type} before authentication: hello must come first`, CloseCode.UNAUTHORISED);
    if (msg.type === 'heartbeat') return; // traffic: noteSeen writes lastSeenAt
    if (this.phase !== 'active') return this.refuse('not-approved', 'this agent is not approved (pending or on hold): keep the results');
    if (msg.type === 'results') return this.onResults(this.agentId, msg);
    if (msg.type === 'dropped') return this.onDropped(this.agentId, msg);
    if (msg.type === 'targets-request') return this.sendTargets();
  }

  /** A binary frame: a results batch, from an approved agent only. */
  private async onBinaryFrame(frame: Uint8Array): Promise<void> {
    if (this.agentId === null) return this.refuseHandshake('a binary frame before authentication');
    const parsed = parseResultsFrame(frame);
    if (!parsed.ok) return this.refuse('bad-frame', parsed.error);
    if (this.phase !== 'active') return this.refuse('not-approved', 'this agent is not approved (pending or on hold): keep the results');
    return this.onResults(this.agentId, parsed.value);
  }

  private async onAuth(msg: Extract<AgentToServer, { type: 'hello' | 'register' | 'challenge-response' }>): Promise<void> {
    if (msg.type === 'challenge-response') {
      if (this.phase !== 'challenged' || !this.challenge) {
        return this.agentId === null ? this.refuseHandshake('challenge-response without an open challenge') : this.refuse('bad-message', 'no challenge is open');
      }
      const challenge = this.challenge;
      this.challenge = null;
      return this.carryOut(await this.deps.handshake.answer(challenge, msg.signature, this.remote));
    }
    if (this.phase !== 'new') return this.agentId === null ? this.refuseHandshake(`${msg.type} while a challenge is open`) : this.refuse('bad-message', 'already authenticated');
    const decision = await this.deps.handshake.open(msg, this.remote);
    this.protocol = msg.protocol;
    this.carryOut(decision);
  }

  /** Does what the handshake decided (agents/agent-handshake.service.ts). */
  private carryOut(decision: HandshakeDecision): void {
    switch (decision.kind) {
      case 'challenge':
        this.challenge = decision.challenge;
        this.phase = 'challenged';
        return this.send(decision.reply);
      case 'approved':
        this.authenticatedAs(decision.agentId);
        return this.activate();
      case 'waiting':
        this.authenticatedAs(decision.agentId);
        if (decision.registered) this.logger.log({ event: 'agent.registered', agentId: decision.agentId, hostname: decision.registered.hostname, remote: this.remote });
        return this.send(decision.reply);
      case 'refused':
        return this.refuseAuth(decision);
    }
  }

  private refuseAuth({ close, reason, error, warning, announce }: HandshakeRefusal): void {
    if (warning) this.deps.warnings.warn(warning.event, this.remote, warning.detail);
    if (!announce) this.done = true;
    if (error) this.send({ type: 'error', code: error.code, message: error.message, fatal: true });
    if (announce) this.close(CloseCode[close], reason);
    else this.socket.close(CloseCode[close], reason);
  }

  private authenticatedAs(agentId: number): void {
    if (this.helloTimer) clearTimeout(this.helloTimer);
    this.helloTimer = null;
    this.agentId = agentId;
    this.phase = 'waiting';
    this.seenWritten = this.deps.clock.now(); // authentication itself wrote lastSeenAt
    this.slot?.authenticated();
    setFrameLimit(this.socket, MAX_FRAME_BYTES);
    this.deps.authenticated(this, agentId);
    this.logger.log({ event: 'agent.connected', agentId, remote: this.remote });
  }

  private sendTargets(): void {
    this.send({ type: 'targets', version: this.deps.targets.currentVersion(), targets: this.deps.targets.list() });
  }

  private async onResults(agentId: number, batch: ResultColumns): Promise<void> {
    try {
      await this.deps.monitoring.ingest(agentId, batch);
    } catch (err) {
      if (!(err instanceof RejectedBatchError)) {
        // Not stored, and no ack: close so the agent reconnects and resends it (nothing is lost).
        this.logger.error({ event: 'agent.ingest-failed', agentId, seq: batch.seq, err });
        return this.close(CloseCode.STORAGE, 'the server could not store results; resend after reconnecting');
      }
      this.deps.warnings.warn('agent.batch-rejected', this.remote, { agentId, seq: batch.seq, reason: err.message });
      // Refused for good: acknowledged so that the agent drops it instead of resending it forever.
      this.send({ type: 'error', code: 'batch-rejected', message: `batch ${batch.seq}: ${err.message}`, fatal: false });
    }
    this.send({ type: 'ack', seq: batch.seq });
  }

  /** Results the agent had to discard: recorded as a gap, then acknowledged like results (same seq space). */
  private async onDropped(agentId: number, report: DroppedReport): Promise<void> {
    try {
      await this.deps.monitoring.recordDropped(agentId, report);
      this.logger.warn({ event: 'agent.results-dropped', agentId, seq: report.seq, from: report.from, to: report.to, samples: report.samples, ...(report.replaces === undefined ? {} : { replaces: report.replaces }) });
    } catch (err) {
      if (!(err instanceof RejectedBatchError)) {
        this.logger.error({ event: 'agent.dropped-failed', agentId, seq: report.seq, err });
        return this.close(CloseCode.STORAGE, 'the server could not record the dropped report; resend after reconnecting');
      }
      // Beyond what the agent can have measured: nothing recorded, acknowledged so it is not resent.
      this.deps.warnings.warn('agent.batch-rejected', this.remote, { agentId, seq: report.seq, reason: err.message });
      this.send({ type: 'error', code: 'batch-rejected', message: `dropped report ${report.seq}: ${err.message}`, fatal: false });
    }
    this.send({ type: 'ack', seq: report.seq });
  }

  private refuse(code: string, message: string): void {
    this.deps.warnings.warn('agent.bad-frame', this.remote, { agentId: this.agentId, reason: message });
    this.send({ type: 'error', code, message, fatal: false });
  }

  /** Before authentication: anything but the next step of it ends the connection (one folded warning, nothing more read). */
  private refuseHandshake(reason: string, code: number = CloseCode.BAD_HANDSHAKE): void {
    if (this.done) return;
    this.deps.warnings.warn('agent.handshake-refused', this.remote, { code, reason });
    this.close(code, reason.slice(0, 120));
    // Nothing more is read: the frames a flooder pipelined behind this one are not even parsed.
    this.socket.pause();
  }

  /**
   * Any traffic of an authenticated link (a frame, a pong) is a sign of life: lastSeenAt is
   * written at most once per seenEveryMs, in frame order, batched with other agents' by the
   * repository. An agent on hold or pending sends no heartbeats, only pongs.
   */
  private noteSeen(): void {
    if (this.agentId === null || this.done || this.socketClosed) return;
    const now = this.deps.clock.now();
    if (now - this.seenWritten < this.deps.seenEveryMs) return;
    this.seenWritten = now;
    const agentId = this.agentId;
    this.chain = this.chain.then(() => this.deps.agents.seen(agentId)).catch((err) => this.failed(err));
  }

  private seenWritten = 0;

  private async onClose(): Promise<void> {
    if (this.helloTimer) clearTimeout(this.helloTimer);
    if (this.agentId === null) return;
    if (!this.deps.closed(this, this.agentId)) return; // a newer link of this agent is active
    this.logger.log({ event: 'agent.disconnected', agentId: this.agentId });
    // A dead link is noticed up to a minute after the agent fell silent: it was last seen then, not
    // now. Any other close (the agent's, a shutdown, a replacement) ends a live link: seen now.
    await this.deps.agents.disconnected(this.agentId, this.foundDead ? this.lastActivity : this.deps.clock.now());
  }

  private failed(err: unknown): void {
    this.logger.error({ event: 'agent.frame-failed', agentId: this.agentId, err });
    this.send({ type: 'error', code: 'internal', message: 'the server could not process the message', fatal: false });
  }
}

/** A binary WebSocket message as one byte array (ws hands over a Buffer, or fragments, or an ArrayBuffer). */
function asBytes(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}
