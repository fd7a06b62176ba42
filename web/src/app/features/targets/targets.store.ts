import { HttpClient } from '@angular/common/http';
import { inject, Injectable, signal } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import { apiErrorMessage } from '../../core/api-error';

export interface Target {
  id: number;
  address: string;
  name: string | null;
  group: string | null;
  /** Overrides the global latency threshold (settings); null = use it. */
  latencyThresholdMs: number | null;
}

export interface TargetInput {
  address: string;
  name?: string | null;
  group?: string | null;
  latencyThresholdMs?: number | null;
}

/** The targets screen's state; every change goes through the API, which pushes it to agents. */
@Injectable()
export class TargetsStore {
  private readonly http = inject(HttpClient);
  readonly targets = signal<Target[]>([]);
  readonly error = signal('');
  /** Per-line outcome of the last bulk paste. */
  readonly bulkReport = signal<string[]>([]);

  async load(): Promise<void> {
    try {
      this.targets.set(await firstValueFrom(this.http.get<Target[]>('/api/targets')));
    } catch (err) {
      this.error.set(apiErrorMessage(err));
    }
  }

  async add(input: TargetInput): Promise<boolean> {
    return this.run(() => firstValueFrom(this.http.post('/api/targets', input)));
  }

  async update(id: number, input: Partial<TargetInput>): Promise<boolean> {
    return this.run(() => firstValueFrom(this.http.patch(`/api/targets/${id}`, input)));
  }

  async remove(id: number): Promise<boolean> {
    return this.run(() => firstValueFrom(this.http.delete(`/api/targets/${id}`)));
  }

  /** One address per line, optionally followed by a name: "192.0.2.1 core router". */
  async addMany(text: string, group: string | null): Promise<void> {
    const report: string[] = [];
    for (const line of text.split('\n').map((l) => l.trim()).filter(Boolean)) {
      const [address, ...name] = line.split(/\s+/);
      try {
        await firstValueFrom(this.http.post('/api/targets', { address, name: name.join(' ') || null, group }));
        report.push(`${address}: added`);
      } catch (err) {
        report.push(`${address}: ${apiErrorMessage(err)}`);
      }
    }
    this.bulkReport.set(report);
    await this.load();
  }

  private async run(action: () => Promise<unknown>): Promise<boolean> {
    this.error.set('');
    try {
      await action();
      await this.load();
      return true;
    } catch (err) {
      this.error.set(apiErrorMessage(err));
      return false;
    }
  }
}
