import { HttpClient } from '@angular/common/http';
import { DatePipe, JsonPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import { apiErrorMessage } from '../../core/api-error';

interface AuditEntry {
  id: number;
  at: number;
  actor: string | null;
  action: string;
  subject: string | null;
  detail: Record<string, unknown> | null;
  source: string | null;
}

const PAGE = 100;

/** The audit log (admins): who did what, when, from where; newest first, paged backwards. */
@Component({
  selector: 'mp-audit',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe, JsonPipe],
  template: `
    <section class="card wide">
      <h1>Audit log</h1>
      @if (error()) {
        <p class="error" role="alert">{{ error() }}</p>
      }
      <table class="list cards" data-testid="audit">
        <thead>
          <tr><th>When</th><th>Who</th><th>What</th><th>Subject</th><th>Details</th><th>From</th></tr>
        </thead>
        <tbody>
          @for (e of entries(); track e.id) {
            <tr>
              <td data-label="When">{{ e.at | date: 'medium' }}</td>
              <td data-label="Who">{{ e.actor ?? 'anonymous / system' }}</td>
              <td data-label="What">{{ e.action }}</td>
              <td data-label="Subject">{{ e.subject ?? '' }}</td>
              <td data-label="Details"><code>{{ e.detail ? (e.detail | json) : '' }}</code></td>
              <td data-label="From">{{ e.source ?? '' }}</td>
            </tr>
          } @empty {
            <tr><td colspan="6" class="note">Nothing recorded yet.</td></tr>
          }
        </tbody>
      </table>
      @if (more()) {
        <button type="button" (click)="older()">Older entries</button>
      }
    </section>
  `,
  styles: `.wide { max-width: none; } code { font-size: 0.75rem; }`,
})
export class AuditComponent {
  private readonly http = inject(HttpClient);
  protected readonly entries = signal<AuditEntry[]>([]);
  protected readonly error = signal('');
  protected readonly more = signal(false);

  constructor() {
    void this.load();
  }

  protected older(): void {
    const last = this.entries().at(-1);
    if (last) void this.load(last.id);
  }

  private async load(before?: number): Promise<void> {
    try {
      const page = await firstValueFrom(this.http.get<AuditEntry[]>(`/api/audit?limit=${PAGE}${before ? `&before=${before}` : ''}`));
      this.entries.update((current) => (before ? [...current, ...page] : page));
      this.more.set(page.length === PAGE);
    } catch (err) {
      this.error.set(apiErrorMessage(err));
    }
  }
}
