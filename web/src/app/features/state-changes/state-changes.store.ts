import { computed, Injectable, signal } from '@angular/core';
import { listAgents, listStateChanges, listTargets, type ListStateChangesData, type StateChangeDto } from '@meshping/api-client';
import { apiErrorMessage } from '../../core/api-error';

const PAGE = 100;

export type Kind = NonNullable<NonNullable<ListStateChangesData['query']>['kind']>;
export type State = StateChangeDto['to'];

/** The screen's filters; times are epoch ms, null: open. */
export interface StateChangeFilters {
  kind: Kind | null;
  state: State | null;
  agentId: number | null;
  targetId: number | null;
  from: number | null;
  to: number | null;
}

export const NO_FILTERS: StateChangeFilters = { kind: null, state: null, agentId: null, targetId: null, from: null, to: null };

/** The state-change screen's state: the log newest first under the filters, older pages appended on request; agent and target names. */
@Injectable()
export class StateChangesStore {
  readonly rows = signal<StateChangeDto[]>([]);
  readonly filters = signal<StateChangeFilters>(NO_FILTERS);
  readonly error = signal('');
  readonly loading = signal(false);
  readonly more = signal(false);
  readonly agents = signal<{ id: number; name: string }[]>([]);
  readonly targets = signal<{ id: number; name: string }[]>([]);
  readonly agentNames = computed(() => new Map(this.agents().map((a) => [a.id, a.name])));
  readonly targetNames = computed(() => new Map(this.targets().map((t) => [t.id, t.name])));

  async load(): Promise<void> {
    await Promise.all([this.page(), this.names()]);
  }

  /** New filters: the first page under them. */
  filter(filters: StateChangeFilters): Promise<void> {
    this.filters.set(filters);
    return this.page();
  }

  older(): Promise<void> {
    const last = this.rows().at(-1);
    return last ? this.page(last.id) : Promise.resolve();
  }

  private async page(before?: number): Promise<void> {
    const f = this.filters();
    const query: NonNullable<ListStateChangesData['query']> = { limit: PAGE };
    if (f.kind) query.kind = f.kind;
    if (f.state) query.state = f.state;
    if (f.agentId !== null) query.agentId = f.agentId;
    if (f.targetId !== null) query.targetId = f.targetId;
    if (f.from !== null) query.from = f.from;
    if (f.to !== null) query.to = f.to;
    if (before) query.before = before;
    this.loading.set(true);
    this.error.set('');
    try {
      const page = await listStateChanges({ query });
      // A reply to filters that have changed meanwhile is dropped (the newer request brings its own).
      if (f !== this.filters()) return;
      this.rows.update((current) => (before ? [...current, ...page] : page));
      this.more.set(page.length === PAGE);
    } catch (err) {
      this.error.set(apiErrorMessage(err));
    } finally {
      this.loading.set(false);
    }
  }

  private async names(): Promise<void> {
    try {
      const [agents, targets] = await Promise.all([listAgents(), listTargets()]);
      this.agents.set(agents.map((a) => ({ id: a.id, name: a.hostname })).sort((a, b) => a.name.localeCompare(b.name)));
      this.targets.set(targets.map((t) => ({ id: t.id, name: t.name ?? t.address })).sort((a, b) => a.name.localeCompare(b.name)));
    } catch (err) {
      this.error.set(apiErrorMessage(err));
    }
  }
}
