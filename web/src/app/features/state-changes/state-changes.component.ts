import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import type { StateChangeDto } from '@meshping/api-client';
import { StateChangesStore, type Kind, type State, type StateChangeFilters } from './state-changes.store';

const HOUR_MS = 3_600_000;
export const KINDS: readonly Kind[] = ['pair', 'target', 'agent'];
export const STATES: readonly State[] = ['down', 'degraded', 'up', 'silent', 'dormant'];
/** Quick time ranges, in hours back from now. */
const PERIODS = [
  { label: 'Last hour', hours: 1 },
  { label: 'Last 6 hours', hours: 6 },
  { label: 'Last 24 hours', hours: 24 },
  { label: 'Last 7 days', hours: 168 },
];

/** `<input type="datetime-local">`'s value for an epoch-ms time, in this browser's zone (and back). */
export const toLocalInput = (ms: number | null): string => (ms === null ? '' : new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 16));
const fromLocalInput = (value: string): number | null => (value ? new Date(value).getTime() : null);

/**
 * The state-change log: every transition of a pair (agent -> target), a target (column) or an agent
 * (row) between up, degraded, down, silent and dormant, newest first, filtered by kind, new state, agent,
 * target and time, paged backwards.
 */
@Component({
  selector: 'mp-state-changes',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe],
  providers: [StateChangesStore],
  template: `
    <section class="card wide">
      <h1>State changes</h1>
      <p class="note">Every change of a pair, a target (its column: what most agents see) or an agent (its row), at the time of the sample that caused it. Kept as long as the samples.</p>
      <form class="filters" data-testid="state-filters" (submit)="$event.preventDefault()">
        <label>Kind
          <select name="kind" [value]="f().kind ?? ''" (change)="set({ kind: $any(value($event)) || null })">
            <option value="">All</option>
            @for (k of kinds; track k) { <option [value]="k">{{ k }}</option> }
          </select>
        </label>
        <label>Changed to
          <select name="state" [value]="f().state ?? ''" (change)="set({ state: $any(value($event)) || null })">
            <option value="">Any state</option>
            @for (s of states; track s) { <option [value]="s">{{ s }}</option> }
          </select>
        </label>
        <label>Agent
          <select name="agent" [value]="f().agentId ?? ''" (change)="set({ agentId: id(value($event)) })">
            <option value="">All agents</option>
            @for (a of store.agents(); track a.id) { <option [value]="a.id">{{ a.name }}</option> }
          </select>
        </label>
        <label>Target
          <select name="target" [value]="f().targetId ?? ''" (change)="set({ targetId: id(value($event)) })">
            <option value="">All targets</option>
            @for (t of store.targets(); track t.id) { <option [value]="t.id">{{ t.name }}</option> }
          </select>
        </label>
        <label>Period
          <select name="period" (change)="period(value($event))">
            <option value="">Any time</option>
            @for (p of periods; track p.hours) { <option [value]="p.hours">{{ p.label }}</option> }
          </select>
        </label>
        <label>From <input type="datetime-local" name="from" [value]="local(f().from)" (change)="set({ from: time(value($event)) })" /></label>
        <label>To <input type="datetime-local" name="to" [value]="local(f().to)" (change)="set({ to: time(value($event)) })" /></label>
      </form>
      @if (store.error()) {
        <p class="error" role="alert">{{ store.error() }}</p>
      }
      <table class="list cards" data-testid="state-changes">
        <thead>
          <tr><th>When</th><th>Kind</th><th>Subject</th><th>Change</th></tr>
        </thead>
        <tbody>
          @for (r of store.rows(); track r.id) {
            <tr>
              <td data-label="When">{{ r.at | date: 'medium' }}</td>
              <td data-label="Kind"><span class="badge">{{ r.kind }}</span></td>
              <td data-label="Subject">{{ subject(r) }}</td>
              <td data-label="Change">
                <span class="state" [class]="r.from">{{ r.from }}</span> → <span class="state" [class]="r.to">{{ r.to }}</span>
              </td>
            </tr>
          } @empty {
            <tr><td colspan="4" class="note">{{ store.loading() ? 'Loading…' : 'No state changes match.' }}</td></tr>
          }
        </tbody>
      </table>
      @if (store.more()) {
        <button type="button" (click)="older()">Older changes</button>
      }
    </section>
  `,
  styles: `
    .wide { max-width: none; }
    .filters { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: flex-end; margin-bottom: 0.75rem; }
    .filters label { margin: 0; }
    .state::before { content: ''; display: inline-block; width: 0.6rem; height: 0.6rem; border-radius: 50%; margin-right: 0.3rem; vertical-align: -0.05rem; background: var(--mp-grey); }
    .state.up::before { background: var(--mp-green); }
    .state.degraded::before { background: var(--mp-yellow); }
    .state.down::before { background: var(--mp-red); }
    .state.dormant::before { background: var(--mp-dormant); }
  `,
})
export class StateChangesComponent {
  protected readonly store = inject(StateChangesStore);
  protected readonly f = this.store.filters;
  protected readonly kinds = KINDS;
  protected readonly states = STATES;
  protected readonly periods = PERIODS;
  protected readonly local = toLocalInput;

  constructor() {
    void this.store.load();
  }

  protected set(change: Partial<StateChangeFilters>): void {
    void this.store.filter({ ...this.f(), ...change });
  }

  protected period(hours: string): void {
    this.set({ from: hours ? Date.now() - Number(hours) * HOUR_MS : null, to: null });
  }

  protected older(): void {
    void this.store.older();
  }

  protected value(event: Event): string {
    return (event.target as HTMLInputElement | HTMLSelectElement).value;
  }

  protected id(value: string): number | null {
    return value ? Number(value) : null;
  }

  protected time(value: string): number | null {
    return fromLocalInput(value);
  }

  /** "web-1 → core-router", "core-router", "web-1" (#id where the agent or target is gone). */
  protected subject(r: StateChangeDto): string {
    const agent = r.agentId === null ? '' : (this.store.agentNames().get(r.agentId) ?? `agent #${r.agentId}`);
    const target = r.targetId === null ? '' : (this.store.targetNames().get(r.targetId) ?? `target #${r.targetId}`);
    return agent && target ? `${agent} → ${target}` : agent || target;
  }
}
