import { Logger } from '@nestjs/common';
import type { Clock } from '@meshping/node-kit';
import {
  isCompatible,
  parseAgentMessage,
  PROTOCOL_VERSION,
  type AgentHello,
  type ResultsBatch,
  type ServerToAgent,
} from '@meshping/protocol';
import type { WebSocket } from 'ws';
import type { LocalTrustService } from '../../infra/local-trust/local-trust.service';
import type { AgentsService } from '../agents/agents.service';
import { RejectedBatchError, type MonitoringService } from '../monitoring/monitoring.service';
import type { TargetsService } from '../targets/targets.service';

export interface AgentLinkDeps {
  agents: AgentsService;
  targets: TargetsService;
  monitoring: MonitoringService;
  trust: LocalTrustService;
  clock: Clock;
  /** Called once the link is authenticated; the gateway closes an older link of the same agent. */
  authenticated(link: AgentLink, agentId: number): void;
  /** Called when the link closes; true when it was the agent's active link (the agent is now offline). */
  closed(link: AgentLink, agentId: number): boolean;
}

/** WebSocket close codes (4000-4999 are the application's). */
export const CloseCode = { PROTOCOL: 4400, UNAUTHORISED: 4401, HELLO_TIMEOUT: 4408, REPLACED: 4409, STORAGE: 1011 } as const;
const HELLO_TIMEOUT_MS = 10_000;

/**
 * One agent connection: hello (authentication) first, then results and heartbeats, handled one
 * frame at a time in arrival order. A bad frame gets an error reply and is dropped; the connection
 * and everyone else carry on.
 */
export class AgentLink {
  private readonly logger = new Logger(AgentLink.name);
  private agentId: number | null = null;
  private helloSeen = false;
  private helloTimer: NodeJS.Timeout | null;
  /** Frames are processed strictly in order: each waits for the previous one's database work. */
  private chain: Promise<void> = Promise.resolve();
  lastActivity: number;

  constructor(
    private readonly socket: WebSocket,
    private readonly remote: string,
    private readonly deps: AgentLinkDeps,
  ) {
    this.lastActivity = deps.clock.now();
    this.helloTimer = setTimeout(() => this.close(CloseCode.HELLO_TIMEOUT, 'no hello within 10 s'), HELLO_TIMEOUT_MS);
    socket.on('message', (data, isBinary) => {
      this.lastActivity = deps.clock.now();
      const frame = isBinary ? null : data.toString();
      this.chain = this.chain.then(() => this.onFrame(frame)).catch((err) => this.failed(err));
    });
    socket.on('pong', () => (this.lastActivity = deps.clock.now()));
    socket.on('close', () => {
      this.chain = this.chain.then(() => this.onClose()).catch((err) => this.failed(err));
    });
  }

  get authenticatedAgent(): number | null {
    return this.agentId;
  }

  send(message: ServerToAgent): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(message));
  }

  terminate(): void {
    this.socket.terminate();
  }

  ping(): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.ping();
  }

  close(code: number, reason: string): void {
    this.send({ type: 'error', code: 'closing', message: reason, fatal: true });
    this.socket.close(code, reason);
  }

  private async onFrame(frame: string | null): Promise<void> {
    if (frame === null) return this.refuse('bad-frame', 'binary frames are not part of the protocol');
    const parsed = parseAgentMessage(frame);
    if (!parsed.ok) return this.refuse('bad-message', parsed.error);
    const msg = parsed.value;
    if (msg.type === 'hello') return this.onHello(msg);
    if (this.agentId === null) return this.close(CloseCode.UNAUTHORISED, 'hello must come first');
    if (msg.type === 'results') return this.onResults(this.agentId, msg);
    if (msg.type === 'targets-request') return this.sendTargets();
    await this.deps.agents.seen(this.agentId);
  }

  private async onHello(hello: AgentHello): Promise<void> {
    if (this.helloSeen) return this.refuse('bad-message', 'already authenticated');
    this.helloSeen = true;
    if (!isCompatible(hello.protocol)) {
      return this.close(CloseCode.PROTOCOL, `protocol ${hello.protocol} not supported; the server speaks ${PROTOCOL_VERSION}`);
    }
    if (!this.deps.trust.verify(hello.auth.token)) {
      this.logger.warn({ event: 'agent.auth-refused', remote: this.remote, hostname: hello.agent.hostname });
      return this.close(CloseCode.UNAUTHORISED, 'authentication refused');
    }
    if (this.helloTimer) clearTimeout(this.helloTimer);
    this.helloTimer = null;
    const agent = await this.deps.agents.connectLocal(hello.agent);
    this.agentId = agent.id;
    this.deps.authenticated(this, agent.id);
    this.logger.log({ event: 'agent.connected', agentId: agent.id, hostname: agent.hostname, remote: this.remote });
    this.send({ type: 'welcome', protocol: PROTOCOL_VERSION, agentId: agent.id, serverTime: this.deps.clock.now() });
    this.sendTargets();
  }

  private sendTargets(): void {
    this.send({ type: 'targets', version: this.deps.targets.currentVersion(), targets: this.deps.targets.list() });
  }

  private async onResults(agentId: number, batch: ResultsBatch): Promise<void> {
    try {
      await this.deps.monitoring.ingest(agentId, batch);
    } catch (err) {
      if (!(err instanceof RejectedBatchError)) {
        // Not stored, and no ack: close so the agent reconnects and resends it (nothing is lost).
        this.logger.error({ event: 'agent.ingest-failed', agentId, seq: batch.seq, err });
        return this.close(CloseCode.STORAGE, 'the server could not store results; resend after reconnecting');
      }
      this.logger.warn({ event: 'agent.batch-rejected', agentId, seq: batch.seq, reason: err.message });
      // Refused for good: acknowledged so that the agent drops it instead of resending it forever.
      this.send({ type: 'error', code: 'batch-rejected', message: `batch ${batch.seq}: ${err.message}`, fatal: false });
    }
    this.send({ type: 'ack', seq: batch.seq });
  }

  private refuse(code: string, message: string): void {
    this.logger.warn({ event: 'agent.bad-frame', agentId: this.agentId, remote: this.remote, reason: message });
    this.send({ type: 'error', code, message, fatal: false });
  }

  private async onClose(): Promise<void> {
    if (this.helloTimer) clearTimeout(this.helloTimer);
    if (this.agentId === null) return;
    if (!this.deps.closed(this, this.agentId)) return; // a newer link of this agent is active
    this.logger.log({ event: 'agent.disconnected', agentId: this.agentId });
    await this.deps.agents.disconnected(this.agentId);
  }

  private failed(err: unknown): void {
    this.logger.error({ event: 'agent.frame-failed', agentId: this.agentId, err });
    this.send({ type: 'error', code: 'internal', message: 'the server could not process the message', fatal: false });
  }
}
