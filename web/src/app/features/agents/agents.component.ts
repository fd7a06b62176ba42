import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { DatePipe } from '@angular/common';
import { RouterLink } from '@angular/router';
import { AGENT_STATES, type AgentState } from '@meshping/protocol';
import { AuthStore } from '../../core/auth.store';
import { AgentsStore, type Agent } from './agents.store';

/** Agents by state: approve, reject (blacklist), re-approve from hold, delete, and their groups (sites). */
@Component({
  selector: 'mp-agents',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe, RouterLink],
  providers: [AgentsStore],
  templateUrl: './agents.component.html',
  styles: `.group { width: 8rem; }`,
})
export class AgentsComponent {
  protected readonly store = inject(AgentsStore);
  private readonly auth = inject(AuthStore);
  protected readonly canAct = this.auth.can('operator');
  protected readonly isAdmin = this.auth.can('admin');
  protected readonly states = AGENT_STATES;

  constructor() {
    void this.store.load();
  }

  protected select(state: AgentState): void {
    this.store.tab.set(state);
  }

  protected reject(agent: Agent): void {
    if (confirm(`Reject ${agent.hostname}? Its key is blacklisted and refused from now on.`)) void this.store.reject(agent);
  }

  protected remove(agent: Agent): void {
    if (confirm(`Delete ${agent.hostname}? It can register again with the passphrase.`)) void this.store.remove(agent);
  }
}
