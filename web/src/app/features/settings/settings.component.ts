import { ChangeDetectionStrategy, Component, effect, inject } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MIN_LATENCY_THRESHOLD_MS, PROBE_TIMEOUT_MS } from '@meshping/protocol';
import { AuthStore } from '../../core/auth.store';
import { SettingsStore, type Settings } from './settings.store';

/** Run-time settings: the latency threshold of the grid's colours, full mesh, history retention, back-off, the target address ranges. */
@Component({
  selector: 'mp-settings',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReactiveFormsModule],
  providers: [SettingsStore],
  template: `
    <section class="card">
      <h1>Settings</h1>
      @if (store.error()) {
        <p class="error" role="alert">{{ store.error() }}</p>
      }
      @if (store.settings(); as s) {
        <form [formGroup]="form" (ngSubmit)="save(s)" data-testid="settings">
          <h2>Grid colours</h2>
          <label>
            Latency threshold (ms)
            <input formControlName="latencyThresholdMs" type="number" [min]="minThreshold" [max]="maxThreshold" step="any" inputmode="decimal" />
          </label>
          <p class="note">
            A reply slower than this is yellow in the grid. A target can set its own threshold on the Targets screen. At most
            {{ maxThreshold }} ms (the probe timeout: slower is no reply).
          </p>
          @if (form.controls.latencyThresholdMs.invalid) {
            <p class="error" role="alert">The threshold is a number of milliseconds between {{ minThreshold }} and {{ maxThreshold }}.</p>
          }

          <h2>Full mesh</h2>
          <label class="check">
            <span><input formControlName="fullMesh" type="checkbox" /> Every approved agent is also a target of every other agent</span>
          </label>

          <h2>History</h2>
          @if (s.retentionHours !== undefined) {
            <label>
              Keep samples for (hours)
              <input formControlName="retentionHours" type="number" min="1" step="1" inputmode="numeric" />
            </label>
            <p class="note">Older samples are deleted; the hover chart and the 24 h view need at least 24 hours.</p>
          } @else {
            <p class="note" data-testid="retention-unavailable">This server does not report its history retention, so it cannot be changed here.</p>
          }

          @if (s.dormantAfterSeconds !== undefined) {
            <h2>Back-off</h2>
            <label>
              Probe a target less often after (minutes without any reply; 0 = never)
              <input formControlName="dormantAfterMinutes" type="number" min="0" max="10080" step="1" inputmode="numeric" />
            </label>
            <p class="note">
              A target no agent gets a reply from for this long goes dormant (shown so in the grid): it is probed 30 s later, then 60, 120
              and 240 s apart, then every 5 minutes, and every 5 s again from its first reply. A target may set its own on the Targets screen.
            </p>
            @if (form.controls.dormantAfterMinutes.invalid) {
              <p class="error" role="alert">A whole number of minutes: 0 (never), or 1 to 10080 (7 days).</p>
            }
          }

          @if (s.targetDenyRanges !== undefined) {
            <h2>Target addresses</h2>
            <label>
              Refused ranges (CIDR, one per line)
              <textarea formControlName="targetDenyRanges" rows="3" data-testid="deny-ranges"></textarea>
            </label>
            <label>
              Allowed ranges (CIDR, one per line; empty = every address not refused)
              <textarea formControlName="targetAllowRanges" rows="3" data-testid="allow-ranges"></textarea>
            </label>
            <p class="note">
              Checked when a target address is added or edited; hostnames are resolved by each agent and not checked. Unspecified,
              broadcast and multicast addresses are always refused.
            </p>
          }

          @if (canEdit) {
            <button type="submit" [disabled]="form.invalid || form.pristine || store.saving()">Save settings</button>
          } @else {
            <p class="note">Only admins change settings.</p>
          }
          @if (store.saved()) {
            <p class="ok" role="status">{{ store.saved() }}</p>
          }
        </form>
      } @else if (!store.error()) {
        <p class="note">Loading…</p>
      }
    </section>
  `,
  styles: `
    .check span { display: flex; gap: 0.5rem; align-items: center; }
    input[type='number'] { max-width: 10rem; }
    h2 { margin-bottom: 0.4rem; }
  `,
})
export class SettingsComponent {
  protected readonly store = inject(SettingsStore);
  protected readonly canEdit = inject(AuthStore).can('admin');
  protected readonly maxThreshold = PROBE_TIMEOUT_MS;
  protected readonly minThreshold = MIN_LATENCY_THRESHOLD_MS;
  protected readonly form = inject(NonNullableFormBuilder).group({
    latencyThresholdMs: [100, [Validators.required, Validators.min(MIN_LATENCY_THRESHOLD_MS), Validators.max(PROBE_TIMEOUT_MS)]],
    fullMesh: [false],
    retentionHours: [24, [Validators.required, Validators.min(1)]],
    targetDenyRanges: [''],
    targetAllowRanges: [''],
    dormantAfterMinutes: [10, [Validators.required, Validators.min(0), Validators.max(10_080), Validators.pattern(/^\d+$/)]],
  });

  constructor() {
    void this.store.load();
    effect(() => {
      const s = this.store.settings();
      if (!s) return;
      this.form.reset({
        latencyThresholdMs: s.latencyThresholdMs,
        fullMesh: s.fullMesh,
        retentionHours: s.retentionHours ?? 24,
        targetDenyRanges: (s.targetDenyRanges ?? []).join('\n'),
        targetAllowRanges: (s.targetAllowRanges ?? []).join('\n'),
        dormantAfterMinutes: (s.dormantAfterSeconds ?? 600) / 60,
      });
      if (!this.canEdit) this.form.disable();
    });
  }

  protected async save(current: Settings): Promise<void> {
    const v = this.form.getRawValue();
    const changes: Partial<Settings> = {};
    if (v.latencyThresholdMs !== current.latencyThresholdMs) changes.latencyThresholdMs = v.latencyThresholdMs;
    if (v.fullMesh !== current.fullMesh) changes.fullMesh = v.fullMesh;
    if (current.retentionHours !== undefined && v.retentionHours !== current.retentionHours) changes.retentionHours = v.retentionHours;
    const dormant = Number(v.dormantAfterMinutes) * 60;
    if (current.dormantAfterSeconds !== undefined && dormant !== current.dormantAfterSeconds) changes.dormantAfterSeconds = dormant;
    for (const key of ['targetDenyRanges', 'targetAllowRanges'] as const) {
      const ranges = v[key].split('\n').map((r) => r.trim()).filter(Boolean);
      if (current[key] !== undefined && ranges.join('\n') !== current[key].join('\n')) changes[key] = ranges;
    }
    await this.store.save(changes);
  }
}
