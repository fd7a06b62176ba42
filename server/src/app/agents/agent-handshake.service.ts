import { Inject, Injectable } from '@nestjs/common';
import { canonicalPublicKey, verifyChallenge } from '@meshping/node-kit';
import { isCompatible, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION, type AgentHello, type AgentToServer, type ServerToAgent } from '@meshping/protocol';
import { randomBytes } from 'node:crypto';
import { LocalTrustService } from '../../infra/local-trust/local-trust.service';
import { TLS_INFO, type TlsInfo } from '../../infra/tls/tls-info';
import { AgentsService, type AgentLogin } from './agents.service';
import { EnrollmentService } from './enrollment.service';

export type RegisterMessage = Extract<AgentToServer, { type: 'register' }>;

/** A key challenge sent to an agent; the link keeps it until the agent's answer. */
export interface KeyChallenge {
  nonce: string;
  agent: AgentLogin;
  hello: AgentHello;
}

/** Why a link is closed; the link maps it to its WebSocket close code. */
export type HandshakeClose = 'PROTOCOL' | 'UNAUTHORISED' | 'BLACKLISTED' | 'DELETED';

export interface HandshakeRefusal {
  kind: 'refused';
  close: HandshakeClose;
  reason: string;
  /** A fatal error message the agent gets first, saying what to do. */
  error?: { code: string; message: string };
  /** A warning about what the peer sent, for the link's folded log (keyed by the peer's address). */
  warning?: { event: string; detail: Record<string, unknown> };
  /**
   * true: the link's announced close (a fatal `closing` error carrying the reason, and the socket
   * cut a second later whatever the peer does); false: the error above, then a plain close.
   */
  announce: boolean;
}

/** What the link does with an authentication message: exactly this, and nothing else. */
export type HandshakeDecision =
  /** Send the challenge and keep it for the answer. */
  | { kind: 'challenge'; challenge: KeyChallenge; reply: Extract<ServerToAgent, { type: 'challenge' }> }
  /** Authenticated and approved: welcome and targets, results accepted. */
  | { kind: 'approved'; agentId: number }
  /** Authenticated but not approved (pending, or on hold after a move): send the reply, accept no results. */
  | { kind: 'waiting'; agentId: number; reply: Extract<ServerToAgent, { type: 'pending' | 'hold' }>; registered?: { hostname: string } }
  | HandshakeRefusal;

/**
 * The rules of an agent's handshake (docs/protocol.md): the local trust token, key login by
 * challenge (unknown, blacklisted, deleted meanwhile, moved to a new address: hold), and sealed
 * registrations. The agent link asks and carries out the answer; it keeps only the transport
 * (frame order, budgets, timers, logging).
 */
@Injectable()
export class AgentHandshakeService {
  constructor(
    private readonly agents: AgentsService,
    private readonly enrollment: EnrollmentService,
    private readonly trust: LocalTrustService,
    @Inject(TLS_INFO) private readonly tls: TlsInfo,
  ) {}

  /** A connection's first message, validated: hello (local token or key) or a sealed registration. */
  async open(msg: AgentHello | RegisterMessage, remote: string): Promise<HandshakeDecision> {
    if (!isCompatible(msg.protocol)) {
      return announced('PROTOCOL', `protocol ${msg.protocol} not supported; the server speaks ${MIN_PROTOCOL_VERSION} to ${PROTOCOL_VERSION}`);
    }
    if (msg.type === 'register') return this.register(msg, remote);
    if (msg.auth.kind === 'local-token') return this.local(msg, msg.auth.token, remote);
    if (canonicalPublicKey(msg.auth.publicKey) !== msg.auth.publicKey) return announced('UNAUTHORISED', 'not a canonical Ed25519 public key');
    const agent = await this.agents.findLoginByPublicKey(msg.auth.publicKey);
    if (!agent) {
      return { ...announced('UNAUTHORISED', 'unknown key'), error: { code: 'unknown-key', message: 'this key is not enrolled: register with the join passphrase' } };
    }
    if (agent.state === 'blacklisted') return blacklisted(agent.id);
    const nonce = randomBytes(32).toString('base64url');
    return { kind: 'challenge', challenge: { nonce, agent, hello: msg }, reply: { type: 'challenge', nonce } };
  }

  /** The agent's signature over a challenge from open(). */
  async answer(challenge: KeyChallenge, signature: string, remote: string): Promise<HandshakeDecision> {
    const { nonce, agent: challenged, hello } = challenge;
    if (!verifyChallenge(challenged.publicKey as string, nonce, this.tls.fingerprint ?? '', signature)) {
      return { ...announced('UNAUTHORISED', 'authentication refused'), warning: { event: 'agent.auth-refused', detail: { agentId: challenged.id, reason: 'bad signature' } } };
    }
    // Read again: it may have been rejected or deleted while the challenge was open.
    const agent = await this.agents.findLoginById(challenged.id);
    if (!agent || agent.publicKey !== challenged.publicKey) return announced('DELETED', 'this agent was deleted');
    if (agent.state === 'blacklisted') return blacklisted(agent.id);
    // An approved agent from a new address goes on hold (keyAuthenticated records and audits it).
    const outcome = await this.agents.keyAuthenticated(agent, hello.agent, remote);
    if (outcome.kind === 'approved') return { kind: 'approved', agentId: agent.id };
    if (outcome.kind === 'blacklisted') return blacklisted(agent.id);
    if (outcome.kind === 'pending') return { kind: 'waiting', agentId: agent.id, reply: { type: 'pending', agentId: agent.id, message: 'waiting for an admin to approve this agent' } };
    return { kind: 'waiting', agentId: agent.id, reply: { type: 'hold', agentId: agent.id, message: `on hold: the agent's address changed to ${remote}; an admin must re-approve it` } };
  }

  private async local(hello: AgentHello, token: string, remote: string): Promise<HandshakeDecision> {
    if (!this.trust.verify(token)) {
      return {
        ...announced('UNAUTHORISED', 'authentication refused'),
        error: { code: 'auth-refused', message: "the local trust token is not this server's" },
        warning: { event: 'agent.auth-refused', detail: { hostname: hello.agent.hostname, reason: 'bad local token' } },
      };
    }
    const agent = await this.agents.connectLocal(hello.agent, remote);
    return { kind: 'approved', agentId: agent.id };
  }

  private async register(msg: RegisterMessage, remote: string): Promise<HandshakeDecision> {
    const opened = await this.enrollment.open(msg);
    if (!opened.ok) {
      return {
        kind: 'refused',
        close: 'UNAUTHORISED',
        reason: 'registration refused',
        error: { code: 'registration-refused', message: opened.reason },
        warning: { event: 'agent.registration-refused', detail: { reason: opened.reason } },
        announce: false,
      };
    }
    const existing = await this.agents.findByPublicKey(opened.registration.publicKey);
    if (existing?.state === 'blacklisted') return blacklisted(existing.id);
    if (existing) {
      return {
        kind: 'refused',
        close: 'UNAUTHORISED',
        reason: 'already registered',
        error: { code: 'already-registered', message: 'this key is enrolled: authenticate with it (hello, kind "key")' },
        announce: false,
      };
    }
    const agent = await this.agents.register(opened.registration, remote);
    return {
      kind: 'waiting',
      agentId: agent.id,
      reply: { type: 'pending', agentId: agent.id, message: 'registered: waiting for an admin to approve this agent' },
      registered: { hostname: agent.hostname },
    };
  }
}

function announced(close: HandshakeClose, reason: string): HandshakeRefusal {
  return { kind: 'refused', close, reason, announce: true };
}

function blacklisted(agentId: number): HandshakeRefusal {
  return {
    kind: 'refused',
    close: 'BLACKLISTED',
    reason: 'blacklisted',
    error: { code: 'blacklisted', message: 'this agent was rejected by an admin' },
    warning: { event: 'agent.blacklisted-refused', detail: { agentId } },
    announce: false,
  };
}
