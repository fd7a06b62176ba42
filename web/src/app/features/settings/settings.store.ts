import { Injectable, signal } from '@angular/core';
import { getSettings, updateSettings, type SettingsDto, type UpdateSettingsDto } from '@meshping/api-client';
import { apiErrorMessage } from '../../core/api-error';

export type Settings = SettingsDto;

/** The settings screen's state: read, then save only what changed. */
@Injectable()
export class SettingsStore {
  readonly settings = signal<Settings | null>(null);
  readonly error = signal('');
  readonly saved = signal('');
  readonly saving = signal(false);

  async load(): Promise<void> {
    try {
      this.settings.set(await getSettings());
    } catch (err) {
      this.error.set(apiErrorMessage(err));
    }
  }

  async save(changes: UpdateSettingsDto): Promise<boolean> {
    this.error.set('');
    this.saved.set('');
    this.saving.set(true);
    try {
      this.settings.set(await updateSettings({ body: changes }));
      this.saved.set('Saved. The grid uses the new settings at once.');
      return true;
    } catch (err) {
      this.error.set(apiErrorMessage(err));
      return false;
    } finally {
      this.saving.set(false);
    }
  }
}
