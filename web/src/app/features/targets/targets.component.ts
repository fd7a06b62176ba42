import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { RouterLink } from '@angular/router';
import { AuthStore } from '../../core/auth.store';
import { TargetsStore, type Target } from './targets.store';

/** Milliseconds, e.g. 20 or 0.5; empty = the global threshold. */
const THRESHOLD_PATTERN = /^\s*(\d+(\.\d{1,3})?)?\s*$/;
const toThreshold = (text: string): number | null => (text.trim() ? Number(text) : null);
/** Minutes without a reply before the target goes dormant: empty = the setting, 0 = never, else 1 to 10080. */
const DORMANT_PATTERN = /^\s*(0|[1-9]\d{0,3}|100[0-7]\d|10080)?\s*$/;
const toDormantSeconds = (text: string): number | null => (text.trim() ? Number(text) * 60 : null);

/** A target's back-off as the list says it. */
export function describeBackoff(t: Target): string {
  if (t.dormantSince !== null) return `dormant since ${new Date(t.dormantSince).toLocaleString()}`;
  if (t.dormantAfterSeconds === null) return 'default';
  return t.dormantAfterSeconds === 0 ? 'never' : `after ${t.dormantAfterSeconds / 60} min`;
}

/** The central target list: everyone reads it, operators and admins edit it. */
@Component({
  selector: 'mp-targets',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReactiveFormsModule, RouterLink],
  providers: [TargetsStore],
  templateUrl: './targets.component.html',
})
export class TargetsComponent {
  protected readonly store = inject(TargetsStore);
  protected readonly canEdit = inject(AuthStore).can('operator');
  protected readonly editing = signal<number | null>(null);
  private readonly fb = inject(NonNullableFormBuilder);
  protected readonly form = this.fb.group({
    address: ['', [Validators.required, Validators.maxLength(253)]],
    name: ['', Validators.maxLength(120)],
    group: ['', Validators.maxLength(64)],
    threshold: ['', Validators.pattern(THRESHOLD_PATTERN)],
    dormant: ['', Validators.pattern(DORMANT_PATTERN)],
  });
  protected readonly edit = this.fb.group({
    address: ['', [Validators.required, Validators.maxLength(253)]],
    name: ['', Validators.maxLength(120)],
    group: ['', Validators.maxLength(64)],
    threshold: ['', Validators.pattern(THRESHOLD_PATTERN)],
    dormant: ['', Validators.pattern(DORMANT_PATTERN)],
  });
  protected readonly backoff = describeBackoff;
  protected readonly bulk = this.fb.group({ lines: ['', Validators.required], group: [''] });

  constructor() {
    void this.store.load();
  }

  protected async add(): Promise<void> {
    const { address, name, group, threshold, dormant } = this.form.getRawValue();
    const input = { address, name: name || null, group: group || null, latencyThresholdMs: toThreshold(threshold), dormantAfterSeconds: toDormantSeconds(dormant) };
    if (await this.store.add(input)) this.form.reset();
  }

  protected startEdit(target: Target): void {
    const dormant = target.dormantAfterSeconds === null ? '' : String(target.dormantAfterSeconds / 60);
    this.edit.setValue({ address: target.address, name: target.name ?? '', group: target.group ?? '', threshold: target.latencyThresholdMs?.toString() ?? '', dormant });
    this.editing.set(target.id);
  }

  protected async save(target: Target): Promise<void> {
    const { address, name, group, threshold, dormant } = this.edit.getRawValue();
    const input = { address, name: name || null, group: group || null, latencyThresholdMs: toThreshold(threshold), dormantAfterSeconds: toDormantSeconds(dormant) };
    if (await this.store.update(target.id, input)) this.editing.set(null);
  }

  protected remove(target: Target): void {
    if (confirm(`Delete target ${target.address}? Agents stop probing it at once; its history is kept.`)) void this.store.remove(target.id);
  }

  protected async addMany(): Promise<void> {
    const { lines, group } = this.bulk.getRawValue();
    await this.store.addMany(lines, group || null);
    this.bulk.reset();
  }
}
