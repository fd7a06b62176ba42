import { HttpClient } from '@angular/common/http';
import { inject, Injectable, signal } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import { apiErrorMessage } from '../../core/api-error';

/**
 * GET/PATCH /api/settings. `retentionHours` comes with the storage work (issue 6): until the server
 * reports it, the screen says so instead of showing a field that would not save.
 */
export interface Settings {
  fullMesh: boolean;
  latencyThresholdMs: number;
  retentionHours?: number;
  /** Target address policy: CIDR ranges no target may be in, and (when not empty) ranges every target must be in. */
  targetDenyRanges?: string[];
  targetAllowRanges?: string[];
}

@Injectable()
export class SettingsStore {
  private readonly http = inject(HttpClient);
  readonly settings = signal<Settings | null>(null);
  readonly error = signal('');
  readonly saved = signal('');
  readonly saving = signal(false);

  async load(): Promise<void> {
    try {
      this.settings.set(await firstValueFrom(this.http.get<Settings>('/api/settings')));
    } catch (err) {
      this.error.set(apiErrorMessage(err));
    }
  }

  async save(changes: Partial<Settings>): Promise<boolean> {
    this.error.set('');
    this.saved.set('');
    this.saving.set(true);
    try {
      this.settings.set(await firstValueFrom(this.http.patch<Settings>('/api/settings', changes)));
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
