import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '@meshping/node-kit';
import type { Actor } from '../access/request-context';
import type { AuditEntity } from './audit.entity';
import { AuditRepository } from './audit.repository';

export interface AuditEvent {
  actor: Actor | null;
  action: string;
  subject?: string | null;
  detail?: Record<string, unknown> | null;
  source?: string | null;
}

/** The audit log: who did what, when, from where. Append-only through this service. */
@Injectable()
export class AuditService {
  constructor(
    private readonly repo: AuditRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async record(event: AuditEvent): Promise<void> {
    await this.repo.append({
      at: this.clock.now(),
      actorId: event.actor?.id ?? null,
      actor: event.actor?.username ?? null,
      action: event.action,
      subject: event.subject ?? null,
      detail: event.detail ?? null,
      source: event.source ?? null,
    });
  }

  /** Newest first; `before` (an id) pages backwards. */
  list(limit: number, before?: number): Promise<AuditEntity[]> {
    return this.repo.newest(limit, before);
  }

  /**
   * Entries with from <= at < to, oldest first (ties by id), in pages of `pageSize` read one at a
   * time as the consumer takes them (keyset paging on the (at) index, which holds the id too).
   */
  async *pages(from: number, to: number, pageSize = 1_000): AsyncGenerator<AuditEntity[]> {
    let last: AuditEntity | null = null;
    for (;;) {
      const page = await this.repo.oldestAfter(from, to, last, pageSize);
      if (page.length) yield page;
      if (page.length < pageSize) return;
      last = page[page.length - 1];
    }
  }
}
