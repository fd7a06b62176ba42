import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '@meshping/node-kit';
import type { AgentHello, LiveAgent } from '@meshping/protocol';
import { Subject } from 'rxjs';
import { AgentEntity } from './agent.entity';
import { AgentsRepository } from './agents.repository';

export interface AgentView extends LiveAgent {
  version: string;
  addresses: string[];
  lastSeenAt: number | null;
}

/** Agents known to the server and which of them are connected now. */
@Injectable()
export class AgentsService {
  private readonly connected = new Set<number>();
  /** Emits whenever the list of agents or their online state changes. */
  readonly changes$ = new Subject<void>();

  constructor(
    private readonly repository: AgentsRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * The local agent (trusted through the data directory) is approved on first contact; there is
   * exactly one. Every other agent will come through enrollment and approval (issue 4).
   */
  async connectLocal(hello: AgentHello['agent']): Promise<AgentEntity> {
    const now = this.clock.now();
    const existing = await this.repository.findLocal();
    const agent = existing
      ? await this.repository.save(Object.assign(existing, { ...hello, lastSeenAt: now }))
      : await this.repository.create({ ...hello, state: 'approved', isLocal: true, lastSeenAt: now });
    this.connected.add(agent.id);
    this.changes$.next();
    return agent;
  }

  async disconnected(agentId: number): Promise<void> {
    this.connected.delete(agentId);
    await this.repository.touch(agentId, this.clock.now());
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

  private toView(a: AgentEntity): AgentView {
    return {
      id: a.id,
      hostname: a.hostname,
      state: a.state,
      online: this.connected.has(a.id),
      local: a.isLocal,
      version: a.version,
      addresses: a.addresses,
      lastSeenAt: a.lastSeenAt,
    };
  }
}
