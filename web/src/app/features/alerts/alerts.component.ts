import { DatePipe } from '@angular/common';
import { afterRenderEffect, ChangeDetectionStrategy, Component, computed, inject, input, type OnDestroy } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import type { AlertRuleDto, ChannelDto, CreateAlertRuleDto, CreateChannelDto, IncidentDto, MaintenanceWindowDto } from '@meshping/api-client';
import { AuthStore } from '../../core/auth.store';
import { AlertsStore } from './alerts.store';

type Metric = CreateAlertRuleDto['metric'];

/** A rule's condition in words, as the list shows it. */
export function describeRule(r: AlertRuleDto): string {
  const watch =
    r.scope === 'all' ? (r.metric === 'agent_silent' ? 'every agent' : 'every pair')
    : r.scope === 'pair' ? `agent ${r.agentId} → target ${r.targetId}`
    : r.scope === 'target' ? `target ${r.targetId}`
    : r.scope === 'agent' ? `agent ${r.agentId}`
    : [r.agentGroup && `agents in ${r.agentGroup}`, r.targetGroup && `targets in ${r.targetGroup}`].filter(Boolean).join(' to ');
  const cond =
    r.metric === 'loss_percent' ? `≥ ${r.threshold} % lost over ${r.windowSeconds} s`
    : r.metric === 'consecutive_lost' ? `${r.threshold} no-replies in a row`
    : r.metric === 'latency_percentile' ? `p${r.percentile} RTT over ${r.threshold === null ? "the target's threshold" : `${r.threshold} ms`} over ${r.windowSeconds} s`
    : `silent for ${r.threshold} s`;
  return `${cond}, ${watch}`;
}

const THRESHOLD_HINT: Record<Metric, string> = { consecutive_lost: 'count', loss_percent: '%', latency_percentile: "ms (blank: target's)", agent_silent: 'seconds' };

const KIND_LABEL: Record<IncidentDto['kind'], string> = { silent: 'agent silent', agent: 'agent problem', block: 'block', target: 'target', path: 'path' };

/** Incidents (open, then recent) and the alert rules; operators and admins change rules. */
@Component({
  selector: 'mp-alerts',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReactiveFormsModule, DatePipe],
  providers: [AlertsStore],
  template: `
    <section class="card wide">
      <h1>Alerts</h1>
      @if (store.error()) {
        <p class="error" role="alert">{{ store.error() }}</p>
      }
      <h2>Open incidents</h2>
      <table class="list cards" data-testid="open-incidents">
        <thead><tr><th>Severity</th><th>Incident</th><th>Kind</th><th>Since</th><th>Paths</th></tr></thead>
        <tbody>
          @for (i of store.open(); track i.id) {
            <tr [attr.data-testid]="'incident-' + i.causeKey" [id]="'incident-' + i.id" [class.focused]="i.id === focused()">
              <td data-label="Severity"><span class="sev" [class]="i.severity">{{ i.severity }}</span></td>
              <td data-label="Incident">{{ i.title }}@if (!i.notified) { <span class="maint" title="A maintenance window covers it: nobody was told">maintenance</span> }</td>
              <td data-label="Kind">{{ kind(i) }}</td>
              <td data-label="Since">{{ i.openedAt | date: 'medium' }}</td>
              <td data-label="Paths">{{ i.pairCount }}</td>
            </tr>
          } @empty {
            <tr><td colspan="5" class="note">Nothing is wrong right now.</td></tr>
          }
        </tbody>
      </table>

      <h2>Recent</h2>
      <table class="list cards" data-testid="recent-incidents">
        <thead><tr><th>Incident</th><th>Kind</th><th>Opened</th><th>Resolved</th></tr></thead>
        <tbody>
          @for (i of store.recent(); track i.id) {
            <tr [attr.data-incident]="i.id" [class.focused]="i.id === focused()">
              <td data-label="Incident">{{ i.title }}</td>
              <td data-label="Kind">{{ kind(i) }}</td>
              <td data-label="Opened">{{ i.openedAt | date: 'medium' }}</td>
              <td data-label="Resolved">{{ i.resolvedAt ? (i.resolvedAt | date: 'medium') : 'open' }}</td>
            </tr>
          } @empty {
            <tr><td colspan="4" class="note">No incidents yet.</td></tr>
          }
        </tbody>
      </table>
      @if (store.more()) {
        <button type="button" (click)="store.older()">Older incidents</button>
      }

      <h2>Maintenance</h2>
      <table class="list cards" data-testid="maintenance">
        <thead><tr><th>Covers</th><th>Reason</th><th>From</th><th>Until</th><th></th></tr></thead>
        <tbody>
          @for (w of store.maintenance(); track w.id) {
            <tr>
              <td data-label="Covers">{{ covers(w) }}</td>
              <td data-label="Reason">{{ w.reason }}</td>
              <td data-label="From">{{ w.startsAt | date: 'medium' }}</td>
              <td data-label="Until">{{ w.endsAt | date: 'medium' }}</td>
              <td>
                @if (canEdit) {
                  <button type="button" (click)="store.endMaintenance(w.id)">End now</button>
                }
              </td>
            </tr>
          } @empty {
            <tr><td colspan="5" class="note">No maintenance now or planned.</td></tr>
          }
        </tbody>
      </table>
      @if (canEdit) {
        <form [formGroup]="window" (ngSubmit)="startMaintenance()" class="rule-form" data-testid="add-maintenance">
          <label>Covers
            <select formControlName="kind">
              <option value="agentGroup">agent group</option>
              <option value="targetGroup">target group</option>
              <option value="agentId">agent id</option>
              <option value="targetId">target id</option>
            </select>
          </label>
          <label>Which <input formControlName="value" /></label>
          <label>Reason <input formControlName="reason" /></label>
          <label>For (minutes) <input formControlName="minutes" inputmode="numeric" /></label>
          <button type="submit" [disabled]="window.invalid">Start maintenance</button>
        </form>
      }

      <h2>Rules</h2>
      <p class="note">Evaluated every 5 s. One incident per cause: a target down for a quorum of its agents, an agent's own problem, a block between sites, a silent agent.</p>
      <table class="list cards" data-testid="alert-rules">
        <thead><tr><th>On</th><th>Name</th><th>Condition</th><th>Fire / resolve</th><th>Severity</th><th></th></tr></thead>
        <tbody>
          @for (r of store.rules(); track r.id) {
            <tr [attr.data-testid]="'rule-' + r.name">
              <td data-label="On"><input type="checkbox" [checked]="r.enabled" [disabled]="!canEdit" (change)="store.update(r.id, { enabled: $any($event.target).checked })" [attr.aria-label]="'Enable ' + r.name" /></td>
              <td data-label="Name">{{ r.name }}</td>
              <td data-label="Condition">{{ describe(r) }}</td>
              <td data-label="Fire / resolve">after {{ r.fireAfter * 5 }} s / {{ r.resolveAfter * 5 }} s</td>
              <td data-label="Severity">{{ r.severity }}</td>
              <td>
                @if (canEdit) {
                  <button type="button" class="danger" (click)="remove(r)">Delete</button>
                }
              </td>
            </tr>
          }
        </tbody>
      </table>

      @if (canEdit) {
        <h2>Add a rule</h2>
        <form [formGroup]="form" (ngSubmit)="add()" class="rule-form" data-testid="add-rule">
          <label>Name <input formControlName="name" /></label>
          <label>Condition
            <select formControlName="metric">
              <option value="consecutive_lost">no-replies in a row</option>
              <option value="loss_percent">loss % over a window</option>
              <option value="latency_percentile">latency percentile over a window</option>
              <option value="agent_silent">agent silent (seconds)</option>
            </select>
          </label>
          <label>Threshold <input formControlName="threshold" inputmode="decimal" [placeholder]="thresholdHint()" /></label>
          @if (windowed()) {
            <label>Window (s) <input formControlName="windowSeconds" inputmode="numeric" /></label>
          }
          @if (form.controls.metric.value === 'latency_percentile') {
            <label>Percentile <input formControlName="percentile" inputmode="decimal" /></label>
          }
          <label>Agent group <input formControlName="agentGroup" placeholder="all" /></label>
          <label>Target group <input formControlName="targetGroup" placeholder="all" /></label>
          <label>Fire after (evaluations) <input formControlName="fireAfter" inputmode="numeric" /></label>
          <label>Resolve after <input formControlName="resolveAfter" inputmode="numeric" /></label>
          <label>Severity
            <select formControlName="severity"><option value="warning">warning</option><option value="critical">critical</option></select>
          </label>
          <label class="check"><input type="checkbox" formControlName="paths" /> also single paths</label>
          <button type="submit" [disabled]="form.invalid">Add rule</button>
        </form>

        <h2>Notifications</h2>
        <p class="note">Incidents are sent to these channels as they open, change and resolve; a failed delivery is retried for a day.</p>
        @if (store.tested()) {
          <p class="note" role="status" data-testid="test-result">{{ store.tested() }}</p>
        }
        <table class="list cards" data-testid="channels">
          <thead><tr><th>Name</th><th>Kind</th><th>Sends to</th><th>From severity</th><th></th></tr></thead>
          <tbody>
            @for (c of store.channels(); track c.id) {
              <tr [attr.data-testid]="'channel-' + c.name">
                <td data-label="Name">{{ c.name }}</td>
                <td data-label="Kind">{{ c.kind }}{{ c.signed ? ' (signed)' : '' }}</td>
                <td data-label="Sends to">{{ c.kind === 'email' ? c.emailTo.join(', ') : c.urlHint }}</td>
                <td data-label="From severity">{{ c.minSeverity }}</td>
                <td>
                  @if (isAdmin) {
                    <div class="actions">
                      <button type="button" (click)="store.test(c)">Send test</button>
                      <button type="button" class="danger" (click)="removeChannel(c)">Delete</button>
                    </div>
                  }
                </td>
              </tr>
            } @empty {
              <tr><td colspan="5" class="note">No channels: incidents are only shown here.</td></tr>
            }
          </tbody>
        </table>
        @if (isAdmin) {
          <form [formGroup]="channel" (ngSubmit)="addChannel()" class="rule-form" data-testid="add-channel">
            <label>Name <input formControlName="name" /></label>
            <label>Kind
              <select formControlName="kind">
                <option value="webhook">webhook (signed JSON)</option>
                <option value="slack">Slack-compatible webhook</option>
                <option value="alertmanager">Alertmanager</option>
                <option value="email">email</option>
              </select>
            </label>
            @if (channel.controls.kind.value === 'email') {
              <label>To (comma-separated) <input formControlName="emailTo" /></label>
            } @else {
              <label>URL <input formControlName="url" placeholder="https://…" autocomplete="off" /></label>
            }
            @if (channel.controls.kind.value === 'webhook') {
              <label>Signing secret <input formControlName="secret" type="password" autocomplete="new-password" placeholder="optional, 16+ characters" /></label>
            }
            <label>From severity
              <select formControlName="minSeverity"><option value="warning">warning</option><option value="critical">critical</option></select>
            </label>
            <button type="submit" [disabled]="channel.invalid">Add channel</button>
          </form>
        }
        <h2>Recent deliveries</h2>
        <table class="list cards" data-testid="deliveries">
          <thead><tr><th>When</th><th>Channel</th><th>Event</th><th>State</th><th>Attempts</th><th>Last error</th></tr></thead>
          <tbody>
            @for (d of store.deliveries(); track d.id) {
              <tr>
                <td data-label="When">{{ d.createdAt | date: 'medium' }}</td>
                <td data-label="Channel">{{ channelName(d.channelId) }}</td>
                <td data-label="Event">{{ d.event }}</td>
                <td data-label="State">{{ d.state }}</td>
                <td data-label="Attempts">{{ d.attempts }}</td>
                <td data-label="Last error">{{ d.lastError ?? '' }}</td>
              </tr>
            } @empty {
              <tr><td colspan="6" class="note">Nothing sent yet.</td></tr>
            }
          </tbody>
        </table>
      }
    </section>
  `,
  styles: `
    .wide { max-width: none; }
    h2 { font-size: 1rem; margin: 1.25rem 0 0.5rem; }
    .sev { font-weight: 600; text-transform: uppercase; font-size: 0.75rem; }
    .sev.critical { color: var(--mp-red); }
    .sev.warning { color: var(--mp-yellow-text, var(--mp-text)); }
    tr.focused td { background: color-mix(in srgb, var(--mp-incident) 14%, transparent); }
    tr.focused td:first-child { box-shadow: inset 3px 0 0 var(--mp-incident); }
    .maint { margin-left: 0.5rem; font-size: 0.75rem; border: 1px solid var(--mp-border); border-radius: 4px; padding: 0 0.3rem; }
    .rule-form { display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr)); gap: 0.5rem 1rem; align-items: end; }
    .rule-form .check { flex-direction: row; align-items: center; gap: 0.4rem; }
  `,
})
export class AlertsComponent implements OnDestroy {
  protected readonly store = inject(AlertsStore);
  private readonly auth = inject(AuthStore);
  protected readonly canEdit = this.auth.can('operator');
  protected readonly isAdmin = this.auth.can('admin');
  protected readonly form = inject(NonNullableFormBuilder).group({
    name: ['', [Validators.required, Validators.maxLength(80)]],
    metric: ['consecutive_lost' as Metric],
    threshold: ['3'],
    windowSeconds: ['300'],
    percentile: ['95'],
    agentGroup: [''],
    targetGroup: [''],
    fireAfter: [2, [Validators.required, Validators.min(1), Validators.max(720)]],
    resolveAfter: [3, [Validators.required, Validators.min(1), Validators.max(720)]],
    severity: ['warning' as 'warning' | 'critical'],
    paths: [false],
  });

  protected readonly channel = inject(NonNullableFormBuilder).group({
    name: ['', [Validators.required, Validators.maxLength(80)]],
    kind: ['webhook' as CreateChannelDto['kind']],
    url: [''],
    secret: [''],
    emailTo: [''],
    minSeverity: ['warning' as 'warning' | 'critical'],
  });

  protected readonly window = inject(NonNullableFormBuilder).group({
    kind: ['agentGroup' as 'agentGroup' | 'targetGroup' | 'agentId' | 'targetId'],
    value: ['', Validators.required],
    reason: ['', [Validators.required, Validators.maxLength(200)]],
    minutes: [60, [Validators.required, Validators.min(1), Validators.max(30 * 24 * 60)]],
  });

  /** ?incident=<id> (a link from the grid): that incident is highlighted and scrolled to once it is shown. */
  readonly incident = input<string>();
  protected readonly focused = computed(() => Number(this.incident()) || null);
  private scrolledTo: number | null = null;

  constructor() {
    void this.store.load(this.canEdit);
    afterRenderEffect(() => {
      const id = this.focused();
      this.store.open();
      this.store.recent();
      if (id === null || id === this.scrolledTo) return;
      // Open, or resolved since the link was followed (then only in Recent).
      const row = document.getElementById(`incident-${id}`) ?? document.querySelector(`[data-incident="${id}"]`);
      if (!row) return;
      row.scrollIntoView({ block: 'center' });
      this.scrolledTo = id;
    });
  }

  protected covers(w: MaintenanceWindowDto): string {
    return w.agentId !== null ? `agent ${w.agentId}` : w.targetId !== null ? `target ${w.targetId}` : w.agentGroup !== null ? `agents in ${w.agentGroup}` : `targets in ${w.targetGroup}`;
  }

  protected async startMaintenance(): Promise<void> {
    const v = this.window.getRawValue();
    const value = v.kind === 'agentId' || v.kind === 'targetId' ? Number(v.value) : v.value.trim();
    if (await this.store.startMaintenance({ reason: v.reason.trim(), [v.kind]: value, endsAt: Date.now() + Number(v.minutes) * 60_000 })) this.window.reset({ kind: v.kind, value: '', reason: '', minutes: 60 });
  }

  protected channelName(id: number): string {
    return this.store.channels().find((c) => c.id === id)?.name ?? `#${id}`;
  }

  protected async addChannel(): Promise<void> {
    const v = this.channel.getRawValue();
    const body: CreateChannelDto = {
      name: v.name.trim(),
      kind: v.kind,
      minSeverity: v.minSeverity,
      ...(v.kind === 'email' ? { emailTo: v.emailTo.split(',').map((a) => a.trim()).filter(Boolean) } : { url: v.url.trim() }),
      ...(v.kind === 'webhook' && v.secret ? { secret: v.secret } : {}),
    };
    if (await this.store.addChannel(body)) this.channel.reset({ name: '', kind: v.kind, url: '', secret: '', emailTo: '', minSeverity: v.minSeverity });
  }

  protected removeChannel(c: ChannelDto): void {
    if (confirm(`Delete the channel "${c.name}" and its delivery log?`)) void this.store.removeChannel(c.id);
  }

  ngOnDestroy(): void {
    this.store.stop();
  }

  protected describe = describeRule;

  protected kind(i: IncidentDto): string {
    return KIND_LABEL[i.kind];
  }

  protected windowed(): boolean {
    const m = this.form.controls.metric.value;
    return m === 'loss_percent' || m === 'latency_percentile';
  }

  protected thresholdHint(): string {
    return THRESHOLD_HINT[this.form.controls.metric.value];
  }

  protected async add(): Promise<void> {
    const v = this.form.getRawValue();
    const num = (s: string) => (s.trim() === '' ? null : Number(s));
    const group = v.agentGroup.trim() !== '' || v.targetGroup.trim() !== '';
    const rule: CreateAlertRuleDto = {
      name: v.name.trim(),
      metric: v.metric,
      threshold: num(v.threshold),
      windowSeconds: this.windowed() ? num(v.windowSeconds) : null,
      percentile: v.metric === 'latency_percentile' ? num(v.percentile) : null,
      scope: group ? 'group' : 'all',
      agentGroup: v.agentGroup.trim() || null,
      targetGroup: v.targetGroup.trim() || null,
      fireAfter: Number(v.fireAfter),
      resolveAfter: Number(v.resolveAfter),
      severity: v.severity,
      paths: v.metric === 'agent_silent' ? false : v.paths,
    };
    if (await this.store.create(rule)) this.form.controls.name.reset('');
  }

  protected remove(r: AlertRuleDto): void {
    if (confirm(`Delete the rule "${r.name}"? Its open incidents resolve unless another rule keeps them.`)) void this.store.remove(r.id);
  }
}
