import { Injectable, signal } from '@angular/core';
import { exportAuditLog, listAuditEntries, type AuditEntryDto } from '@meshping/api-client';
import { apiErrorMessage } from '../../core/api-error';
import { saveFile } from '../../core/download';

const PAGE = 100;
const DAY_MS = 86_400_000;

/** The audit screen's state: newest entries first, older pages appended on request. */
@Injectable()
export class AuditStore {
  readonly entries = signal<AuditEntryDto[]>([]);
  readonly error = signal('');
  readonly more = signal(false);

  load(): Promise<void> {
    return this.page();
  }

  older(): Promise<void> {
    const last = this.entries().at(-1);
    return last ? this.page(last.id) : Promise.resolve();
  }

  /** Downloads the last `days` of the log (the server streams it; at most 366 days per request). */
  async export(format: 'csv' | 'json', days: number): Promise<void> {
    this.error.set('');
    try {
      const to = Date.now();
      const data = await exportAuditLog({ query: { from: to - days * DAY_MS, to, format }, parseAs: 'blob' });
      // parseAs 'blob': the body arrives as a Blob whatever the typed JSON shape says.
      saveFile(data as unknown as Blob, `meshping-audit-${new Date(to).toISOString().slice(0, 10)}-${days}d.${format}`, format === 'csv' ? 'text/csv' : 'application/json');
    } catch (err) {
      this.error.set(apiErrorMessage(err));
    }
  }

  private async page(before?: number): Promise<void> {
    try {
      const page = await listAuditEntries({ query: { limit: PAGE, ...(before ? { before } : {}) } });
      this.entries.update((current) => (before ? [...current, ...page] : page));
      this.more.set(page.length === PAGE);
    } catch (err) {
      this.error.set(apiErrorMessage(err));
    }
  }
}
