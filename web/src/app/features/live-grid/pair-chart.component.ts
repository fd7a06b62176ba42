import { httpResource } from '@angular/common/http';
import { ChangeDetectionStrategy, Component, computed, DestroyRef, inject, input, output, signal } from '@angular/core';
import { PROBE_INTERVAL_MS } from '@meshping/protocol';
import { DecimalPipe } from '@angular/common';
import type { EChartsCoreOption } from 'echarts/core';
import { NgxEchartsDirective, provideEchartsCore } from 'ngx-echarts';
import { pairStats, type PairSample } from './pair-stats';

const HOUR_MS = 3_600_000;

/** One pair's recent history: RTT over time (0 where there was no reply, marked red), loss %, p50 / p95, last RTT. */
@Component({
  selector: 'mp-pair-chart',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [NgxEchartsDirective, DecimalPipe],
  providers: [provideEchartsCore({ echarts: () => import('./echarts-setup').then((m) => m.echarts) })],
  template: `
    <div class="head">
      <strong>{{ agentName() }} → {{ targetName() }}</strong>
      @if (pinned()) {
        <span class="range">
          <button type="button" [class.active]="hours() === 1" (click)="hours.set(1)">1 h</button>
          <button type="button" [class.active]="hours() === 24" (click)="hours.set(24)">24 h</button>
          <button type="button" aria-label="Close" (click)="closed.emit()">✕</button>
        </span>
      }
    </div>
    @if (samples.error()) {
      <p class="error">The history could not be loaded.</p>
    } @else if (samples.isLoading() && samples.value().length === 0) {
      <p class="note" data-testid="pair-loading">Loading the last {{ hours() === 1 ? 'hour' : '24 hours' }}…</p>
    } @else {
      <dl class="stats" data-testid="pair-stats">
        <div><dt>last</dt><dd>{{ stats().lastMs !== null ? (stats().lastMs | number: '1.2-2') + ' ms' : (stats().lastProblem ?? '–') }}</dd></div>
        <div><dt>loss</dt><dd>{{ stats().lossPercent | number: '1.0-1' }} %</dd></div>
        <div><dt>p50</dt><dd>{{ stats().p50Ms !== null ? (stats().p50Ms | number: '1.2-2') + ' ms' : '–' }}</dd></div>
        <div><dt>p95</dt><dd>{{ stats().p95Ms !== null ? (stats().p95Ms | number: '1.2-2') + ' ms' : '–' }}</dd></div>
        <div><dt>samples</dt><dd data-testid="pair-count">{{ stats().count }}</dd></div>
      </dl>
      <div echarts class="chart" [options]="options()" [autoResize]="true" data-testid="pair-chart"></div>
    }
  `,
  styles: `
    :host { display: block; width: 26rem; max-width: 90vw; background: var(--mp-bg); border: 1px solid var(--mp-border);
      border-radius: 6px; padding: 0.5rem 0.75rem; box-shadow: 0 4px 16px rgba(0, 0, 0, 0.25); font-size: 0.8rem; }
    .head { display: flex; justify-content: space-between; align-items: center; gap: 0.5rem; }
    .range button { padding: 0.05rem 0.4rem; font-size: 0.75rem; }
    .range button.active { border-color: #1c7ed6; }
    .stats { display: flex; gap: 0.9rem; margin: 0.4rem 0; }
    .stats dt { color: var(--mp-muted); }
    .stats dd { margin: 0; font-weight: 600; }
    .chart { height: 10rem; }
  `,
})
export class PairChartComponent {
  readonly agentId = input.required<number>();
  readonly targetId = input.required<number>();
  readonly agentName = input('');
  readonly targetName = input('');
  readonly pinned = input(false);
  readonly closed = output<void>();
  protected readonly hours = signal(1);

  /** Start of the shown window, fixed when the window (pair or range) changes. */
  private readonly since = computed(() => (this.agentId(), this.targetId(), Date.now() - this.hours() * HOUR_MS));
  protected readonly samples = httpResource<PairSample[]>(
    () => `/api/pairs/${this.agentId()}/${this.targetId()}/samples?since=${this.since()}`,
    { defaultValue: [] },
  );
  protected readonly stats = computed(() => pairStats(this.samples.value()));

  constructor() {
    // New samples land every probe interval: the open chart follows them.
    const timer = setInterval(() => this.samples.reload(), PROBE_INTERVAL_MS);
    inject(DestroyRef).onDestroy(() => clearInterval(timer));
  }
  protected readonly options = computed<EChartsCoreOption>(() => {
    const samples = this.samples.value();
    const noReply = samples.filter((s) => s.rtt === -1).map((s) => [s.at, 0]);
    return {
      animation: false,
      grid: { left: 52, right: 12, top: 10, bottom: 24 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'time', min: this.since(), max: Date.now() },
      yAxis: { type: 'value', min: 0, axisLabel: { formatter: '{value} ms' } },
      series: [
        {
          type: 'line',
          name: 'RTT',
          showSymbol: samples.length < 60,
          symbolSize: 4,
          data: samples.map((s) => [s.at, s.rtt >= 0 ? s.rtt / 1000 : 0]),
        },
        { type: 'scatter', name: 'no reply', symbolSize: 5, itemStyle: { color: '#e03131' }, data: noReply },
      ],
    };
  });
}
