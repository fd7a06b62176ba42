import { computed, DestroyRef, inject, Injectable, signal } from '@angular/core';
import { approveAgent, deleteAgent, listAgents, rejectAgent, updateAgent, type AgentDto } from '@meshping/api-client';
import type { AgentState } from '@meshping/protocol';
import { apiErrorMessage } from '../../core/api-error';

export type Agent = AgentDto;

const REFRESH_MS = 5000;

/** Agents by state, refreshed every 5 s while the screen is open; actions go through the API. */
@Injectable()
export class AgentsStore {
  readonly agents = signal<Agent[]>([]);
  readonly error = signal('');
  readonly tab = signal<AgentState>('pending');
  readonly shown = computed(() => this.agents().filter((a) => a.state === this.tab()));
  readonly counts = computed(() => {
    const counts: Record<AgentState, number> = { pending: 0, approved: 0, hold: 0, blacklisted: 0 };
    for (const a of this.agents()) counts[a.state] += 1;
    return counts;
  });

  constructor() {
    const timer = setInterval(() => void this.load(), REFRESH_MS);
    inject(DestroyRef).onDestroy(() => clearInterval(timer));
  }

  async load(): Promise<void> {
    try {
      this.agents.set(await listAgents());
    } catch (err) {
      this.error.set(apiErrorMessage(err));
    }
  }

  approve(agent: Agent): Promise<void> {
    // The address shown is the one approved: if the agent moved again meanwhile, the server refuses.
    return this.run(() => approveAgent({ path: { id: agent.id }, body: agent.ip ? { ip: agent.ip } : {} }));
  }

  reject(agent: Agent): Promise<void> {
    return this.run(() => rejectAgent({ path: { id: agent.id } }));
  }

  /** Puts the agent in a group (blank: none); an agent group and a target group of the same name are one site. */
  setGroup(agent: Agent, group: string): Promise<void> {
    return this.run(() => updateAgent({ path: { id: agent.id }, body: { group: group.trim() || null } }));
  }

  remove(agent: Agent): Promise<void> {
    return this.run(() => deleteAgent({ path: { id: agent.id } }));
  }

  private async run(action: () => Promise<unknown>): Promise<void> {
    this.error.set('');
    try {
      await action();
    } catch (err) {
      this.error.set(apiErrorMessage(err));
    }
    await this.load();
  }
}
