import { Inject, Injectable, Logger, Optional, type OnApplicationShutdown } from '@nestjs/common';
import { CLOCK, type Clock } from '@meshping/node-kit';
import {
  AGENT_WS_PATH,
  HEARTBEAT_INTERVAL_MS,
  MAX_FRAME_BYTES,
  OFFLINE_AFTER_MS,
  parseServerToAgent,
  reconnectDelayMs,
  type AgentToServer,
  type ServerToAgent,
} from '@meshping/protocol';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { hostname, networkInterfaces } from 'node:os';
import WebSocket from 'ws';
import { AGENT_CONFIG, type AgentConfig } from '../config/agent-config';
import { Authenticator, type AuthOutcome } from './authenticator';
import { ResultBuffer } from './result-buffer';
import { UplinkEmitter, type UplinkEvents, type UplinkListener } from './uplink-events';

export const AGENT_VERSION = '0.1.0';
/** The backlog waits while this much is queued in the socket already. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * A server silent this long (no frame, no ping) is gone: the link is dropped and redialled. 5 s short
 * of OFFLINE_AFTER_MS, so a dead link is noticed within that bound on a busy host too (timer and
 * event-loop lag); the server pings a quiet link every 15 s, so a live one is never this silent.
 */
export const SERVER_SILENT_MS = OFFLINE_AFTER_MS - 5_000;
/** Timing the tests shorten (the silent-server bound); the module provides the defaults. */
export interface UplinkTiming {
  serverSilentMs: number;
}
export const UPLINK_TIMING = Symbol('UPLINK_TIMING');

/** The link as `meshping-agent status` shows it. */
export interface LinkState {
  server: string;
  connection: 'connecting' | 'connected' | 'pending' | 'hold' | 'disconnected';
  connectedSince: number | null;
  agentId: number | null;
  /** Why the link last went down: a silent server, closed by the server (code, reason), a socket error. */
  disconnectReason: string | null;
  /** When the server last showed a sign of life (a frame or a ping). */
  lastHeardAt: number;
}

/**
 * The agent's link to the server and nothing else: connect (capped exponential back-off + jitter),
 * hello and authentication, sending frames, receiving and validating the server's, heartbeats and
 * dead-link detection, and the delivery of buffered results (the resend after a reconnect, paced
 * by acks). What the server's messages mean for the agent is the runtime's: the link emits them as
 * typed events (uplink-events.ts) and calls into nothing else.
 */
@Injectable()
export class UplinkService implements OnApplicationShutdown {
  private readonly logger = new Logger(UplinkService.name);
  private readonly events = new UplinkEmitter();
  private socket: WebSocket | null = null;
  private ready = false;
  private stopped = false;
  private attempt = 0;
  /** When the server last showed a sign of life (a frame or a ping). */
  private lastHeard = 0;
  /** SHA-256 of the certificate the current connection presented ('' over plain ws). */
  private peerFingerprint = '';
  private reconnectTimer?: NodeJS.Timeout;
  private heartbeatTimer?: NodeJS.Timeout;
  /** Fires when the server would have been silent too long; re-armed lazily from lastHeard. */
  private livenessTimer?: NodeJS.Timeout;
  /** Why the agent itself ended the current link (reported instead of the socket's close code). */
  private closeCause: string | null = null;
  /** The socket's last error on the current link (e.g. ECONNREFUSED, a TLS failure). */
  private socketError: string | null = null;
  /** Winding down for a planned stop: results still go out and acks are taken, but a lost link is not redialled. */
  private windingDown = false;
  private readonly serverSilentMs: number;
  private auth: Authenticator;
  private connection: LinkState['connection'] = 'connecting';
  private connectedSince: number | null = null;
  private agentId: number | null = null;
  private disconnectReason: string | null = null;

  constructor(
    @Inject(AGENT_CONFIG) private config: AgentConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly buffer: ResultBuffer,
    @Optional() @Inject(UPLINK_TIMING) timing?: UplinkTiming,
  ) {
    this.auth = new Authenticator(config, clock);
    this.serverSilentMs = timing?.serverSilentMs ?? SERVER_SILENT_MS;
  }

  on<K extends keyof UplinkEvents>(event: K, listener: UplinkListener<K>): void {
    this.events.on(event, listener);
  }

  start(): void {
    this.heartbeatTimer = setInterval(() => this.heartbeat(), HEARTBEAT_INTERVAL_MS);
    this.connect();
  }

  onApplicationShutdown(): void {
    this.close();
  }

  /** Closes the link for good (idempotent). */
  close(): void {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.livenessTimer);
    this.socket?.close(1001, 'agent shutting down');
  }

  /**
   * A planned stop has begun: the current link carries on (the last results go out, their acks
   * come in), but sends no more heartbeats and, once lost, is not redialled.
   */
  windDown(): void {
    this.windingDown = true;
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.reconnectTimer);
  }

  /** Welcomed and not on hold: results are accepted. */
  get connected(): boolean {
    return this.ready;
  }

  /** A copy of the link's state (for the status file). */
  state(): LinkState {
    return {
      server: this.config.MESHPING_SERVER_URL,
      connection: this.connection,
      connectedSince: this.connectedSince,
      agentId: this.agentId,
      disconnectReason: this.disconnectReason,
      lastHeardAt: this.lastHeard,
    };
  }

  /**
   * New settings (`meshping-agent reload`): the link reconnects with them; the buffer, the
   * schedule and the targets stay, so nothing measured is lost.
   */
  reconfigure(config: AgentConfig): void {
    this.config = config;
    this.auth = new Authenticator(config, this.clock);
    this.attempt = 0;
    this.logger.log({ event: 'uplink.reconfigured', server: config.MESHPING_SERVER_URL });
    this.closeCause = 'reconnecting with the reloaded settings';
    if (this.socket) this.socket.terminate();
    else {
      clearTimeout(this.reconnectTimer);
      this.connect();
    }
  }

  private connect(): void {
    const url = this.config.MESHPING_SERVER_URL + AGENT_WS_PATH;
    const pin = this.config.MESHPING_SERVER_FINGERPRINT;
    // With a pinned fingerprint the certificate chain is not checked against CAs; the pin is checked
    // below, at the upgrade response, before the agent sends anything.
    this.connection = 'connecting';
    const socket = new WebSocket(url, { handshakeTimeout: 10_000, maxPayload: MAX_FRAME_BYTES, rejectUnauthorized: !pin });
    this.socket = socket;
    socket.on('upgrade', (res) => {
      this.peerFingerprint = (res.socket as TLSSocket).getPeerCertificate?.()?.fingerprint256 ?? '';
      if (pin) this.checkPin(socket, res, pin);
    });
    this.lastHeard = this.clock.now();
    this.closeCause = null;
    this.socketError = null;
    this.watchLiveness(socket);
    socket.on('ping', () => (this.lastHeard = this.clock.now()));
    socket.on('open', () => this.onOpen());
    socket.on('message', (data, isBinary) => this.onMessage(isBinary ? null : data.toString()));
    socket.on('error', (err) => (this.socketError = err.message));
    socket.on('close', (code, reason) => this.onClose(code, reason.toString()));
  }

  /**
   * A server silent for serverSilentMs is gone: the link is dropped (and its unacknowledged results
   * resent on the next one). Every frame and ping moves lastHeard; the timer is not re-armed per
   * frame but fires when the silence could first reach the bound and re-arms for the rest.
   */
  private watchLiveness(socket: WebSocket): void {
    clearTimeout(this.livenessTimer);
    const check = () => {
      if (this.socket !== socket) return;
      const silent = this.clock.now() - this.lastHeard;
      if (silent < this.serverSilentMs) {
        this.livenessTimer = setTimeout(check, this.serverSilentMs - silent);
        return;
      }
      this.closeCause = `the server was silent for ${Math.round(silent / 1000)} s (no frame, no ping): link presumed dead`;
      this.logger.warn({ event: 'uplink.server-silent', silentMs: silent, backlog: this.buffer.depth() });
      socket.terminate();
    };
    this.livenessTimer = setTimeout(check, this.serverSilentMs);
  }

  private checkPin(socket: WebSocket, res: IncomingMessage, pin: string): void {
    const cert = (res.socket as TLSSocket).getPeerCertificate?.();
    const seen = cert?.fingerprint256?.replace(/:/g, '').toUpperCase();
    if (seen === pin) return;
    this.stopped = true;
    socket.terminate();
    this.events.emit('rejected', {
      message: seen
        ? `The server's TLS certificate (SHA-256 ${cert.fingerprint256}) does not match MESHPING_SERVER_FINGERPRINT. ` +
            'Someone may be intercepting the connection, or the server has a new certificate: check with its admin.'
        : 'The server did not present a TLS certificate, but MESHPING_SERVER_FINGERPRINT is set: use an https:// or wss:// URL.',
    });
  }

  private onOpen(): void {
    const agent = { hostname: this.config.MESHPING_AGENT_HOSTNAME ?? hostname(), version: AGENT_VERSION, addresses: localAddresses() };
    this.follow(this.auth.first(agent));
  }

  /** Carries out an authentication step's outcome. */
  private follow(outcome: AuthOutcome): void {
    if (!outcome) return;
    if ('send' in outcome) return this.send(outcome.send);
    if ('reconnect' in outcome) {
      this.attempt = 0;
      this.closeCause = 'reconnecting to authenticate another way (enrolled, or enrolling again)';
      this.socket?.close(1000, 'reconnecting');
      return;
    }
    this.stopped = true;
    this.socket?.close(1000, 'stopping');
    this.events.emit('rejected', { message: outcome.fatal });
  }

  /** The server's sign of life from a quiet agent (no targets, or pending); liveness is watchLiveness's. */
  private heartbeat(): void {
    if (this.ready) this.send({ type: 'heartbeat', at: this.clock.now() });
  }

  private onMessage(frame: string | null): void {
    this.lastHeard = this.clock.now();
    const parsed = parseServerToAgent(frame);
    if (!parsed.ok) {
      this.logger.warn({ event: 'uplink.bad-frame', reason: parsed.error });
      return;
    }
    this.handle(parsed.value);
  }

  private handle(msg: ServerToAgent): void {
    switch (msg.type) {
      case 'challenge':
        return this.follow(this.auth.challenge(msg.nonce, this.peerFingerprint));
      case 'pending':
        this.ready = false;
        this.connection = 'pending';
        this.auth.known();
        this.logger.warn({ event: 'uplink.pending', agentId: msg.agentId, message: msg.message, backlog: this.buffer.depth() });
        return this.events.emit('pending', msg);
      case 'hold':
        this.ready = false;
        this.connection = 'hold';
        this.auth.known();
        this.logger.warn({ event: 'uplink.hold', agentId: msg.agentId, message: msg.message, backlog: this.buffer.depth() });
        return this.events.emit('hold', msg);
      case 'welcome':
        this.auth.known();
        this.ready = true;
        this.connection = 'connected';
        this.connectedSince = this.clock.now();
        this.attempt = 0;
        this.agentId = msg.agentId;
        this.logger.log({ event: 'uplink.connected', agentId: msg.agentId, backlog: this.buffer.depth() });
        this.events.emit('connected', { agentId: msg.agentId });
        this.buffer.beginResend();
        this.pumpBacklog();
        return;
      case 'ack':
        this.buffer.ack(msg.seq);
        this.pumpBacklog();
        return;
      case 'targets':
      case 'targets-changed':
      case 'wake':
        return this.emitCommand(msg);
      case 'error':
        this.logger[msg.fatal ? 'error' : 'warn']({ event: 'uplink.server-error', code: msg.code, message: msg.message });
        this.events.emit('server-error', msg);
        return this.follow(this.auth.error(msg.code, msg.message));
    }
  }

  private emitCommand(msg: Extract<ServerToAgent, { type: 'targets' | 'targets-changed' | 'wake' }>): void {
    // One emit per type keeps each listener's payload typed.
    if (msg.type === 'targets') this.events.emit('targets', msg);
    else if (msg.type === 'targets-changed') this.events.emit('targets-changed', msg);
    else this.events.emit('wake', msg);
  }

  /** Resends backlog frames while few are unacknowledged and the socket is not backed up. */
  pumpBacklog(): void {
    while (this.ready && this.socket && this.socket.bufferedAmount < MAX_BUFFERED_BYTES) {
      const frame = this.buffer.nextResend();
      if (frame === null) return;
      this.sendFrame(frame);
    }
  }

  send(message: AgentToServer): void {
    this.sendFrame(JSON.stringify(message));
  }

  /** Text frames carry JSON messages; binary frames carry results (protocol 2). Dropped unless the socket is open. */
  sendFrame(frame: string | Uint8Array): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(frame);
  }

  private onClose(code: number, reason: string): void {
    const wasReady = this.ready;
    this.ready = false;
    this.socket = null;
    this.connection = 'disconnected';
    this.connectedSince = null;
    clearTimeout(this.livenessTimer);
    if (this.stopped) return;
    // The cause as it was: the agent's own (a silent server), the server's words, or the socket's error.
    const cause =
      this.closeCause ??
      (reason ? `closed by the server (${code}): ${reason}` : this.socketError ? `cannot reach the server: ${this.socketError}` : `connection lost (${code})`);
    // A failed redial keeps the reason the link went down; the event carries the dial error.
    if (wasReady || !this.disconnectReason) this.disconnectReason = cause;
    this.events.emit('disconnected', { reason: cause });
    if (this.windingDown) return;
    const delay = reconnectDelayMs(this.attempt++);
    this.logger.warn({ event: 'uplink.disconnected', code, reason: cause, retryInMs: Math.round(delay) });
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }
}

function localAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((i): i is NonNullable<typeof i> => !!i && !i.internal)
    .map((i) => i.address)
    .slice(0, 64);
}
