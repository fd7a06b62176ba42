import { HttpClient } from '@angular/common/http';
import { computed, DestroyRef, inject, Injectable, signal } from '@angular/core';
import type { AgentState } from '@meshping/protocol';
import { firstValueFrom } from 'rxjs';
import { apiErrorMessage } from '../../core/api-error';

export interface Agent {
  id: number;
  hostname: string;
  state: AgentState;
  online: boolean;
  local: boolean;
  version: string;
  addresses: string[];
  ip: string | null;
  lastSeenAt: number | null;
}

const REFRESH_MS = 5000;

/** Agents by state, refreshed every 5 s while the screen is open; actions go through the API. */
@Injectable()
export class AgentsStore {
  private readonly http = inject(HttpClient);
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
      this.agents.set(await firstValueFrom(this.http.get<Agent[]>('/api/agents')));
    } catch (err) {
      this.error.set(apiErrorMessage(err));
    }
  }

  approve(agent: Agent): Promise<void> {
    // The address shown is the one approved: if the agent moved again meanwhile, the server refuses.
    return this.run(() => firstValueFrom(this.http.post(`/api/agents/${agent.id}/approve`, agent.ip ? { ip: agent.ip } : {})));
  }

  reject(agent: Agent): Promise<void> {
    return this.run(() => firstValueFrom(this.http.post(`/api/agents/${agent.id}/reject`, {})));
  }

  remove(agent: Agent): Promise<void> {
    return this.run(() => firstValueFrom(this.http.delete(`/api/agents/${agent.id}`)));
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
