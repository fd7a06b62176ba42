import { Injectable, signal } from '@angular/core';
import { createTarget, deleteTarget, listTargets, updateTarget, type CreateTargetDto, type TargetDto, type UpdateTargetDto } from '@meshping/api-client';
import { apiErrorMessage } from '../../core/api-error';

export type Target = TargetDto;

/** The targets screen's state; every change goes through the API, which pushes it to agents. */
@Injectable()
export class TargetsStore {
  readonly targets = signal<Target[]>([]);
  readonly error = signal('');
  /** Per-line outcome of the last bulk paste. */
  readonly bulkReport = signal<string[]>([]);

  async load(): Promise<void> {
    try {
      this.targets.set(await listTargets());
    } catch (err) {
      this.error.set(apiErrorMessage(err));
    }
  }

  async add(input: CreateTargetDto): Promise<boolean> {
    return this.run(() => createTarget({ body: input }));
  }

  async update(id: number, input: UpdateTargetDto): Promise<boolean> {
    return this.run(() => updateTarget({ path: { id }, body: input }));
  }

  async remove(id: number): Promise<boolean> {
    return this.run(() => deleteTarget({ path: { id } }));
  }

  /** One address per line, optionally followed by a name: "192.0.2.1 core router". */
  async addMany(text: string, group: string | null): Promise<void> {
    const report: string[] = [];
    for (const line of text.split('\n').map((l) => l.trim()).filter(Boolean)) {
      const [address, ...name] = line.split(/\s+/);
      try {
        await createTarget({ body: { address, name: name.join(' ') || null, group } });
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
