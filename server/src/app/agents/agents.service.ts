import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { CLOCK, type Clock } from '@meshping/node-kit';
import type { AgentHello, AgentState, LiveAgent, Registration } from '@meshping/protocol';
import { Subject } from 'rxjs';
import type { Actor } from '../access/request-context';
import { AuditService } from '../audit/audit.service';
import { AgentEntity } from './agent.entity';
import { AgentsRepository, type AgentLogin } from './agents.repository';

export type { AgentLogin } from './agents.repository';

export interface AgentView extends LiveAgent {
  group: string | null;
  version: string;
  addresses: string[];
  ip: string | null;
  lastSeenAt: number | null;
}

/** A state change made through the API, for the gateway to act on connected agents. */
export interface AgentStateChange {
  agentId: number;
  state: AgentState | 'deleted';
}

/** An operator's Wake-on-LAN request, for the gateway to pass to the connected agent. */
export interface WakeRequest {
  agentId: number;
  mac: string;
  broadcast?: string;
}

/** What an enrolled agent's key authentication leads to. */
export type KeyAuthOutcome = { kind: 'approved' | 'pending' | 'hold' | 'blacklisted'; agent: AgentLogin };

/**
 * Agents, their states (pending, approved, hold, blacklisted) and which are connected now.
 * Every state change is audited; changes made by people are announced on stateChanges$.
 */
@Injectable()
export class AgentsService {
  private readonly connected = new Set<number>();
  /** Emits whenever the list of agents or their online state changes. */
  readonly changes$ = new Subject<void>();
  readonly stateChanges$ = new Subject<AgentStateChange>();
  /** Wake-on-LAN requests an operator made, for the gateway to deliver. */
  readonly wakeRequests$ = new Subject<WakeRequest>();

  constructor(
    private readonly repository: AgentsRepository,
    private readonly audit: AuditService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * The local agent (trusted through the data directory) is approved on first contact; there is
   * exactly one.
   */
  async connectLocal(hello: AgentHello['agent'], ip: string): Promise<AgentEntity> {
    const now = this.clock.now();
    const existing = await this.repository.findLocal();
    const agent = existing
      ? await this.repository.save(Object.assign(existing, { ...hello, ip, lastSeenAt: now }))
      : await this.repository.create({
          ...hello,
          state: 'approved',
          isLocal: true,
          publicKey: null,
          ip,
          approvedAt: now,
          lastSeenAt: now,
          group: null,
        });
    if (!existing) await this.audit.record({ actor: null, action: 'agent.local-approved', subject: `agent:${agent.id}`, detail: { hostname: agent.hostname }, source: ip });
    this.markConnected(agent.id);
    return agent;
  }

  findById(id: number): Promise<AgentEntity | null> {
    return this.repository.findById(id);
  }

  findByPublicKey(publicKey: string): Promise<AgentEntity | null> {
    return this.repository.findByPublicKey(publicKey);
  }

  /** The few fields a key login needs (a cheap read: every agent logs in at once after a restart). */
  findLoginByPublicKey(publicKey: string): Promise<AgentLogin | null> {
    return this.repository.findLoginByPublicKey(publicKey);
  }

  findLoginById(id: number): Promise<AgentLogin | null> {
    return this.repository.findLoginById(id);
  }

  /** A new agent from a valid registration: pending until a person approves it. */
  async register(registration: Registration, ip: string): Promise<AgentEntity> {
    const agent = await this.repository.create({
      hostname: registration.hostname,
      version: registration.version,
      addresses: registration.addresses,
      group: null,
      publicKey: registration.publicKey,
      state: 'pending',
      isLocal: false,
      ip,
      approvedAt: null,
      lastSeenAt: this.clock.now(),
    });
    await this.audit.record({ actor: null, action: 'agent.registered', subject: `agent:${agent.id}`, detail: { hostname: agent.hostname }, source: ip });
    this.markConnected(agent.id);
    return agent;
  }

  /** An enrolled agent proved its key from `ip`: what may it do? An approved one from a new address goes on hold. */
  async keyAuthenticated(agent: AgentLogin, hello: AgentHello['agent'], ip: string): Promise<KeyAuthOutcome> {
    const from = agent.ip;
    const moved = agent.state === 'approved' && agent.ip !== ip;
    const state = moved ? 'hold' : agent.state;
    // The approved address stays as it was for an approved agent; any other state follows the agent.
    const next: AgentLogin = { ...agent, state, ip: agent.state === 'approved' && !moved ? agent.ip : ip };
    await this.repository.recordLogin(agent.id, { hostname: hello.hostname, version: hello.version, addresses: hello.addresses, state, ip: next.ip, lastSeenAt: this.clock.now() });
    if (moved) {
      await this.audit.record({ actor: null, action: 'agent.hold', subject: `agent:${agent.id}`, detail: { from, to: ip }, source: ip });
      this.stateChanges$.next({ agentId: agent.id, state: 'hold' });
    }
    this.markConnected(agent.id);
    return { kind: state, agent: next };
  }

  async approve(id: number, actor: Actor, source: string | null, expectedIp?: string): Promise<AgentEntity> {
    const agent = await this.get(id);
    if (expectedIp !== undefined && agent.ip !== expectedIp) {
      throw new ConflictException(`agent ${id} now connects from ${agent.ip}, not ${expectedIp}: look again before approving`);
    }
    if (agent.state === 'approved') throw new ConflictException(`agent ${id} is already approved`);
    if (agent.state === 'blacklisted') throw new ConflictException(`agent ${id} is blacklisted: delete it, and it can register again`);
    const from = agent.state;
    Object.assign(agent, { state: 'approved', approvedAt: this.clock.now() });
    await this.repository.save(agent);
    await this.audit.record({ actor, action: from === 'hold' ? 'agent.reapproved' : 'agent.approved', subject: `agent:${id}`, detail: { hostname: agent.hostname, ip: agent.ip }, source });
    this.stateChanges$.next({ agentId: id, state: 'approved' });
    this.changes$.next();
    return agent;
  }

  async reject(id: number, actor: Actor, source: string | null): Promise<AgentEntity> {
    const agent = await this.get(id);
    if (agent.isLocal) throw new ConflictException("the server's own agent cannot be blacklisted");
    agent.state = 'blacklisted';
    await this.repository.save(agent);
    await this.audit.record({ actor, action: 'agent.blacklisted', subject: `agent:${id}`, detail: { hostname: agent.hostname }, source });
    this.connected.delete(id);
    this.stateChanges$.next({ agentId: id, state: 'blacklisted' });
    this.changes$.next();
    return agent;
  }

  async remove(id: number, actor: Actor, source: string | null): Promise<void> {
    const agent = await this.get(id);
    await this.repository.delete(id);
    await this.audit.record({ actor, action: 'agent.deleted', subject: `agent:${id}`, detail: { hostname: agent.hostname }, source });
    this.connected.delete(id);
    this.stateChanges$.next({ agentId: id, state: 'deleted' });
    this.changes$.next();
  }

  async exists(id: number): Promise<boolean> {
    return (await this.repository.findById(id)) !== null;
  }

  async view(id: number): Promise<AgentView> {
    return this.toView(await this.get(id));
  }

  /** Puts an agent in a group (null: none); audited. */
  async setGroup(id: number, group: string | null, actor: Actor, source: string | null): Promise<AgentView> {
    const agent = await this.get(id);
    const changed = (agent.group ?? null) !== group;
    if (changed) await this.repository.setGroup(id, group);
    // Audited even when nothing changed: every write someone makes is on record.
    await this.audit.record({ actor, action: 'agent.updated', subject: `agent:${id}`, detail: { hostname: agent.hostname, group: { from: agent.group ?? null, to: group } }, source });
    agent.group = group;
    if (changed) this.changes$.next();
    return this.toView(agent);
  }

  /**
   * Asks a connected, approved agent to send a Wake-on-LAN magic packet on its segment; audited.
   * The gateway delivers it (wakeRequests$); the agent logs what it sent.
   */
  async wake(id: number, mac: string, broadcast: string | undefined, actor: Actor, source: string | null): Promise<void> {
    const agent = await this.get(id);
    if (agent.state !== 'approved') throw new ConflictException(`agent ${id} is ${agent.state}: only an approved agent sends Wake-on-LAN packets`);
    if (!this.connected.has(id)) throw new ConflictException(`agent ${id} is offline: it can send the packet once it is connected again`);
    await this.audit.record({ actor, action: 'agent.wake', subject: `agent:${id}`, detail: { hostname: agent.hostname, mac, broadcast: broadcast ?? null }, source });
    this.wakeRequests$.next({ agentId: id, mac, ...(broadcast ? { broadcast } : {}) });
  }

  markConnected(agentId: number): void {
    this.connected.add(agentId);
    this.changes$.next();
  }

  /** Its link closed; `lastHeardAt`: the link's last sign of life (its last seen, and what "silent since" says). */
  async disconnected(agentId: number, lastHeardAt: number): Promise<void> {
    this.connected.delete(agentId);
    await this.repository.touch(agentId, lastHeardAt);
    this.changes$.next();
  }

  async seen(agentId: number): Promise<void> {
    await this.repository.touch(agentId, this.clock.now());
  }

  isConnected(agentId: number): boolean {
    return this.connected.has(agentId);
  }

  async list(): Promise<AgentView[]> {
    return (await this.repository.findAll()).map((a) => this.toView(a));
  }

  private async get(id: number): Promise<AgentEntity> {
    const agent = await this.repository.findById(id);
    if (!agent) throw new NotFoundException(`no agent with id ${id}`);
    return agent;
  }

  private toView(a: AgentEntity): AgentView {
    return {
      id: a.id,
      hostname: a.hostname,
      state: a.state,
      online: this.connected.has(a.id),
      local: a.isLocal,
      group: a.group ?? null,
      version: a.version,
      addresses: a.addresses,
      ip: a.ip,
      lastSeenAt: a.lastSeenAt,
    };
  }
}
