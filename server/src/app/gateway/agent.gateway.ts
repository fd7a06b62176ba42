import { Inject, Logger, type BeforeApplicationShutdown, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { CLOCK, type Clock } from '@meshping/node-kit';
import { type OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import { AGENT_WS_PATH, MAX_FRAME_BYTES, OFFLINE_AFTER_MS } from '@meshping/protocol';
import { SERVER_CONFIG, type ServerConfig } from '../../infra/config/server-config';
import { plainAddress } from '../../infra/net/client-address';
import { AGENT_SOCKET_LIMITS, ConnectionLimiter, type ConnectionSlot } from '../../infra/ws/connection-limiter';
import { LogThrottle } from '../../infra/ws/log-throttle';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { AgentHandshakeService } from '../agents/agent-handshake.service';
import { AgentsService } from '../agents/agents.service';
import { MonitoringService } from '../monitoring/monitoring.service';
import { TargetsService, type TargetsChange } from '../targets/targets.service';
import { AgentLink, CloseCode } from './agent-link';

/** Links are checked this often (an eighth of a shorter timeout: well inside the margin below). */
const LIVENESS_CHECK_MS = 1_000;
/** A silent link is dropped this much (at most a quarter of the timeout) before it: the check's period plus event-loop slack. */
const LIVENESS_MARGIN_MS = 5_000;
/** How long a clean shutdown waits for the agent links to close and write their last-seen times. */
const SHUTDOWN_WAIT_MS = 5_000;

/** The agents' socket: transport only; each connection is an AgentLink. */
@WebSocketGateway({ path: AGENT_WS_PATH, maxPayload: MAX_FRAME_BYTES })
export class AgentGateway implements OnGatewayConnection, OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger(AgentGateway.name);
  private readonly links = new Set<AgentLink>();
  /** Connections per address, checked at the HTTP upgrade (docs/operations.md). */
  readonly limiter = new ConnectionLimiter({ ...AGENT_SOCKET_LIMITS });
  /** Slots of upgrades admitted and not yet handed to handleConnection. */
  private readonly admitted = new WeakMap<IncomingMessage, ConnectionSlot>();
  private readonly warnings = new LogThrottle(this.logger);
  private shuttingDown = false;
  /** The one link each connected agent speaks through; an older one is closed when a newer authenticates. */
  private readonly active = new Map<number, AgentLink>();
  private liveness?: NodeJS.Timeout;

  constructor(
    private readonly agents: AgentsService,
    private readonly targets: TargetsService,
    private readonly monitoring: MonitoringService,
    private readonly handshake: AgentHandshakeService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
  ) {}

  onModuleInit(): void {
    this.targets.changes$.subscribe((change) => this.pushChange(change));
    this.agents.stateChanges$.subscribe(({ agentId, state }) => {
      const link = this.active.get(agentId);
      if (!link) return;
      if (state === 'approved') link.activate();
      else if (state === 'blacklisted') link.close(CloseCode.BLACKLISTED, 'blacklisted');
      else if (state === 'deleted') link.close(CloseCode.DELETED, 'deleted by an admin');
    });
    this.agents.wakeRequests$.subscribe(({ agentId, mac, broadcast }) => {
      this.active.get(agentId)?.send({ type: 'wake', mac, ...(broadcast ? { broadcast } : {}) });
    });
    // Quiet links are pinged; a silent link is dead within the timeout (60 s): the agent is offline.
    this.liveness = setInterval(() => this.checkLiveness(), Math.min(LIVENESS_CHECK_MS, this.config.MESHPING_AGENT_OFFLINE_SECONDS * 125));
    this.liveness.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.liveness);
  }

  /**
   * The upgrade verifier of the agent path: one more unauthenticated connection from this address,
   * or HTTP 429 (nothing allocated for it). The slot follows the TCP connection, so an upgrade that
   * fails after this still gives it back.
   */
  admit(request: IncomingMessage): { ok: true } | { ok: false; status: number; reason: string } {
    const remote = plainAddress(request.socket.remoteAddress);
    if (this.shuttingDown) return { ok: false, status: 503, reason: 'shutting down' };
    const admitted = this.limiter.admit(remote);
    if (!admitted.ok) {
      this.warnings.warn('agent.connection-refused', remote, { reason: admitted.reason });
      return { ok: false, status: 429, reason: 'Too many connections from this address' };
    }
    this.admitted.set(request, admitted.slot);
    request.socket.once('close', () => admitted.slot.release());
    return { ok: true };
  }

  /**
   * Before the data source closes (Nest's shutdown hooks run after this): every link is closed
   * (1001, the agents reconnect to the next server) and the writes each one makes as it goes
   * (last seen, the frames before) are awaited. Left to the ws adapter, links were cut later and
   * their last-seen UPDATE sometimes reached a closed database (SQLITE_MISUSE).
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    const links = [...this.links];
    for (const link of links) link.close(CloseCode.GOING_AWAY, 'server shutting down');
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([
      Promise.all(links.map((l) => l.finished)).then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), SHUTDOWN_WAIT_MS))),
    ]);
    clearTimeout(timer);
    if (!waited) this.logger.warn({ event: 'agent.shutdown-wait-exceeded', links: links.length, waitedMs: SHUTDOWN_WAIT_MS });
  }

  handleConnection(socket: WebSocket, request: IncomingMessage): void {
    const remote = plainAddress(request.socket.remoteAddress);
    if (this.shuttingDown) return void socket.close(CloseCode.GOING_AWAY, 'server shutting down');
    const link = new AgentLink(socket, remote, {
      warnings: this.warnings,
      seenEveryMs: this.seenEveryMs(),
      agents: this.agents,
      targets: this.targets,
      monitoring: this.monitoring,
      handshake: this.handshake,
      clock: this.clock,
      authenticated: (l, agentId) => {
        const previous = this.active.get(agentId);
        this.active.set(agentId, l);
        if (previous && previous !== l) previous.close(CloseCode.REPLACED, 'replaced by a newer connection of this agent');
      },
      closed: (l, agentId) => {
        if (this.active.get(agentId) !== l) return false;
        this.active.delete(agentId);
        return true;
      },
    }, this.admitted.get(request) ?? null);
    this.links.add(link);
    socket.on('close', () => this.links.delete(link));
  }

  /** A quarter of the offline timeout: how stale lastSeenAt of a connected agent may get. */
  private seenEveryMs(): number {
    return Math.min(this.config.MESHPING_AGENT_OFFLINE_SECONDS * 1000, OFFLINE_AFTER_MS) / 4;
  }

  /** Every connected agent gets each change at once, as an increment on the version it has. */
  private pushChange(change: TargetsChange): void {
    const message = { type: 'targets-changed' as const, ...change };
    for (const link of this.active.values()) if (link.active) link.send(message);
  }

  /**
   * A silent link is dead, noticed within the timeout: checked every second, it is dropped once
   * silent for the timeout less a margin (one check and slack for a busy event loop; 5 s of 60 s).
   * (Checked every quarter of the timeout and dropped after it, a silent agent was noticed after
   * 67-74 s.) A link is pinged when the server sent it nothing for a quarter of the agent's own
   * limit (OFFLINE_AFTER_MS: the agent drops a link on which the server is silent that long), or
   * when it was quiet and unpinged for a quarter of the timeout: an approved agent sends results
   * every second and gets acks, so it is not pinged. The pong is the server's proof of life, the
   * ping the agent's. Pinging 1,000 busy links in one timer callback paused the event loop ~40 ms;
   * checked every second, the pings spread over the quarter.
   */
  private checkLiveness(): void {
    const now = this.clock.now();
    const timeout = this.config.MESHPING_AGENT_OFFLINE_SECONDS * 1000;
    const deadAfter = timeout - Math.min(LIVENESS_MARGIN_MS, timeout / 4);
    const quiet = Math.min(timeout, OFFLINE_AFTER_MS) / 4;
    for (const link of this.links) {
      const silent = now - link.lastActivity;
      const unsent = now - link.lastSent;
      if (silent >= deadAfter) {
        this.logger.warn({ event: 'agent.link-silent', agentId: link.authenticatedAgent, silentMs: silent });
        link.terminate();
      } else if (unsent >= OFFLINE_AFTER_MS / 4 || (silent >= quiet && unsent >= quiet)) link.ping();
    }
  }
}
