import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { AuthStore } from '../../core/auth.store';
import { TargetsStore, type Target } from './targets.store';

/** The central target list: everyone reads it, operators and admins edit it. */
@Component({
  selector: 'mp-targets',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReactiveFormsModule],
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
  });
  protected readonly edit = this.fb.group({
    address: ['', [Validators.required, Validators.maxLength(253)]],
    name: ['', Validators.maxLength(120)],
    group: ['', Validators.maxLength(64)],
  });
  protected readonly bulk = this.fb.group({ lines: ['', Validators.required], group: [''] });

  constructor() {
    void this.store.load();
  }

  protected async add(): Promise<void> {
    const { address, name, group } = this.form.getRawValue();
    if (await this.store.add({ address, name: name || null, group: group || null })) this.form.reset();
  }

  protected startEdit(target: Target): void {
    this.edit.setValue({ address: target.address, name: target.name ?? '', group: target.group ?? '' });
    this.editing.set(target.id);
  }

  protected async save(target: Target): Promise<void> {
    const { address, name, group } = this.edit.getRawValue();
    if (await this.store.update(target.id, { address, name: name || null, group: group || null })) this.editing.set(null);
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
