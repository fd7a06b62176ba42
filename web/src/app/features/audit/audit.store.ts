import { Injectable, signal } from '@angular/core';
import { listAuditEntries, type AuditEntryDto } from '@meshping/api-client';
import { apiErrorMessage } from '../../core/api-error';

const PAGE = 100;

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
