import { DatePipe, JsonPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { AuditStore } from './audit.store';

/** The audit log (admins): who did what, when, from where; newest first, paged backwards. */
@Component({
  selector: 'mp-audit',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe, JsonPipe],
  providers: [AuditStore],
  template: `
    <section class="card wide">
      <h1>Audit log</h1>
      <div class="actions export" data-testid="audit-export">
        <label class="inline-label">Export the last
          <select #days aria-label="Days to export">
            <option value="30">30 days</option>
            <option value="90">90 days</option>
            <option value="366">year</option>
          </select>
        </label>
        <button type="button" (click)="export('csv', +days.value)">CSV</button>
        <button type="button" (click)="export('json', +days.value)">JSON</button>
      </div>
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
  styles: `.wide { max-width: none; } code { font-size: 0.75rem; } .export { align-items: center; margin-bottom: 0.75rem; } .inline-label { flex-direction: row; align-items: center; gap: 0.4rem; margin: 0; }`,
})
export class AuditComponent {
  private readonly store = inject(AuditStore);
  protected readonly entries = this.store.entries;
  protected readonly error = this.store.error;
  protected readonly more = this.store.more;

  constructor() {
    void this.store.load();
  }

  protected older(): void {
    void this.store.older();
  }

  protected export(format: 'csv' | 'json', days: number): void {
    void this.store.export(format, days);
  }
}
