import { afterNextRender, ChangeDetectionStrategy, Component, computed, DestroyRef, ElementRef, inject, input, linkedSignal, output, resource, signal } from '@angular/core';
import { DatePipe } from '@angular/common';
import { exportPairSamples, getPairSeries, getPairStats, listPairStateChanges, type PairSeriesDto, type PairStatsDto, type StateChangeDto } from '@meshping/api-client';
import { PROBE_INTERVAL_MS } from '@meshping/protocol';
import type { EChartsCoreOption } from 'echarts/core';
import { NgxEchartsDirective, provideEchartsCore } from 'ngx-echarts';
import { apiErrorMessage } from '../../core/api-error';
import { fileSafe, saveFile } from '../../core/download';
import { GAP_COLOR, GAP_LABEL, lastText, ms, pairChartOptions, pointsFor } from './pair-series';
import { LiveGridStore } from './live-grid.store';

const HOUR_MS = 3_600_000;

/**
 * One pair's recent history from the server's series and stats endpoints: mean RTT over time
 * (downsampled to about a point per pixel), red points at 0 where probes got no reply, shaded spans
 * where the agent delivered nothing (agent connection problem), and last / loss / p50 / p95 (with
 * min, mean, max and jitter when pinned). The window slides with every probe interval.
 */
@Component({
  selector: 'mp-pair-chart',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [NgxEchartsDirective, DatePipe],
  providers: [provideEchartsCore({ echarts: () => import('./echarts-setup').then((m) => m.echarts) })],
  template: `
    <div class="head">
      <strong>{{ agentName() }} → {{ targetName() }}</strong>
      @if (pinned()) {
        <span class="range">
          <button type="button" [class.active]="hours() === 1" (click)="hours.set(1)">1 h</button>
          <button type="button" [class.active]="hours() === 24" (click)="hours.set(24)">24 h</button>
          <button type="button" title="Download this window's samples as CSV" data-testid="pair-export-csv" (click)="download('csv')">CSV</button>
          <button type="button" aria-label="Close" (click)="closed.emit()">✕</button>
        </span>
      }
    </div>
    @let view = shown();
    @if (downloadError()) {
      <p class="error" role="alert">{{ downloadError() }}</p>
    }
    @if (series.error() || stats.error()) {
      <p class="error">The history could not be loaded.</p>
    } @else if (!view) {
      <p class="note" data-testid="pair-loading">Loading the last {{ hours() === 1 ? 'hour' : '24 hours' }}…</p>
    } @else {
      <dl class="stats" data-testid="pair-stats">
        <div><dt>last</dt><dd>{{ lastText(view.stats.lastRttUs) }}</dd></div>
        <div><dt>loss</dt><dd>{{ view.stats.lossPercent === null ? '–' : percent(view.stats.lossPercent) }}</dd></div>
        <div><dt>p50</dt><dd>{{ ms(view.stats.p50Us) }}</dd></div>
        <div><dt>p95</dt><dd>{{ ms(view.stats.p95Us) }}</dd></div>
        @if (pinned()) {
          <div><dt>min</dt><dd>{{ ms(view.stats.minUs) }}</dd></div>
          <div><dt>mean</dt><dd>{{ ms(view.stats.avgUs) }}</dd></div>
          <div><dt>max</dt><dd>{{ ms(view.stats.maxUs) }}</dd></div>
          <div><dt>jitter</dt><dd>{{ ms(view.stats.jitterUs) }}</dd></div>
        }
        <div><dt>samples</dt><dd data-testid="pair-count">{{ view.stats.count }}</dd></div>
      </dl>
      <div echarts class="chart" [options]="options()" [autoResize]="true" data-testid="pair-chart"></div>
      <p class="legend">
        <span><i class="no-reply"></i>no reply</span>
        <span [class.none]="!view.series.gaps.length" data-testid="pair-gaps"><i class="gap" [style.background]="gapColor"></i>{{ gapLabel }}{{ view.series.gaps.length ? ' (' + view.series.gaps.length + ')' : '' }}</span>
      </p>
    }
    @if (changes(); as list) {
      <div class="changes" data-testid="pair-changes">
        <span class="label">Last changes</span>
        <ol>
          @for (c of list; track c.id) {
            <li><time>{{ c.at | date: (c.at > dayAgo() ? 'HH:mm:ss' : 'MMM d, HH:mm') }}</time>{{ ' ' }}<span class="st" [class]="c.from">{{ c.from }}</span> → <span class="st" [class]="c.to">{{ c.to }}</span></li>
          } @empty {
            <li class="none">none recorded</li>
          }
        </ol>
      </div>
    }
  `,
  styles: `
    :host { display: block; width: 26rem; max-width: 90vw; background: var(--mp-bg); border: 1px solid var(--mp-border);
      border-radius: 6px; padding: 0.5rem 0.75rem; box-shadow: 0 4px 16px rgba(0, 0, 0, 0.25); font-size: 0.8rem; }
    .head { display: flex; justify-content: space-between; align-items: center; gap: 0.5rem; }
    .range button { padding: 0.05rem 0.4rem; font-size: 0.75rem; }
    .range button.active { border-color: #1c7ed6; }
    .stats { display: flex; flex-wrap: wrap; gap: 0.2rem 0.9rem; margin: 0.4rem 0; }
    .stats dt { color: var(--mp-muted); }
    .stats dd { margin: 0; font-weight: 600; }
    .chart { height: 10rem; }
    .legend { display: flex; gap: 0.9rem; margin: 0; color: var(--mp-muted); font-size: 0.72rem; }
    .legend .none { opacity: 0.6; }
    .legend i { display: inline-block; width: 0.7rem; height: 0.7rem; margin-right: 0.3rem; vertical-align: -0.1rem; border-radius: 2px; }
    .legend .no-reply { background: #e03131; border-radius: 50%; width: 0.45rem; height: 0.45rem; vertical-align: 0.05rem; }
    .changes { display: flex; gap: 0.6rem; margin-top: 0.35rem; padding-top: 0.35rem; border-top: 1px solid var(--mp-border); font-size: 0.72rem; }
    .changes .label { color: var(--mp-muted); white-space: nowrap; }
    .changes ol { list-style: none; margin: 0; padding: 0; display: grid; gap: 0.1rem; }
    .changes time { color: var(--mp-muted); font-variant-numeric: tabular-nums; margin-right: 0.3rem; }
    .changes .none { color: var(--mp-muted); }
    .st::before { content: ''; display: inline-block; width: 0.5rem; height: 0.5rem; border-radius: 50%; margin-right: 0.2rem; background: var(--mp-grey); }
    .st.up::before { background: var(--mp-green); }
    .st.degraded::before { background: var(--mp-yellow); }
    .st.down::before { background: var(--mp-red); }
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
  protected readonly lastText = lastText;
  protected readonly ms = ms;
  protected readonly gapLabel = GAP_LABEL;
  protected readonly gapColor = GAP_COLOR;

  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef).nativeElement;
  /**
   * The server's clock (the live grid learns its offset from each snapshot): the server refuses a
   * `to` more than 5 minutes past its own now, so a fast browser clock showed no chart and a slow
   * one a window in the past. Optional: without the live grid around, the browser's clock.
   */
  private readonly grid = inject(LiveGridStore, { optional: true });
  private readonly clock = () => this.grid?.model.serverNow() ?? Date.now();
  /** The end of the shown window: now when the pair or range changes, then moved every probe interval. */
  private readonly now = linkedSignal(() => (this.agentId(), this.targetId(), this.hours(), this.clock()));
  /** The chart's width in px (the host's, known after the first render): how many points to ask for. */
  private readonly width = signal(0);
  /** What both requests ask for; undefined (no request) until the width is known. */
  private readonly request = computed(() => {
    const width = this.width();
    if (!width) return undefined;
    const to = this.now();
    return { path: { agentId: this.agentId(), targetId: this.targetId() }, query: { from: to - this.hours() * HOUR_MS, to }, points: pointsFor(width) };
  });
  protected readonly series = resource({
    params: () => this.request(),
    loader: ({ params: { path, query, points }, abortSignal }) => getPairSeries({ path, query: { ...query, points }, signal: abortSignal }),
  });
  protected readonly stats = resource({
    params: () => this.request(),
    loader: ({ params: { path, query }, abortSignal }) => getPairStats({ path, query, signal: abortSignal }),
  });
  /** The pair's last transitions (the state-change log), asked again with every window. */
  protected readonly transitions = resource({
    params: () => {
      const request = this.request();
      return request && { path: request.path, to: request.query.to };
    },
    loader: ({ params: { path }, abortSignal }) => listPairStateChanges({ path, query: { limit: 5 }, signal: abortSignal }),
  });
  /** ... the newest answer for this pair, kept while the next one loads. */
  protected readonly changes = linkedSignal<{ key: string; list?: StateChangeDto[] }, StateChangeDto[] | undefined>({
    source: () => ({ key: `${this.agentId()}/${this.targetId()}`, list: this.transitions.hasValue() ? this.transitions.value() : undefined }),
    computation: (next, previous) => next.list ?? (previous && previous.source.key === next.key ? previous.value : undefined),
  });
  protected readonly dayAgo = computed(() => this.now() - 24 * HOUR_MS);
  /**
   * The newest complete answer (series and stats) for this pair and range, kept while the next
   * window loads so the chart does not blink every 5 s; another pair or range starts empty.
   */
  protected readonly shown = linkedSignal<{ key: string; series?: PairSeriesDto; stats?: PairStatsDto }, { series: PairSeriesDto; stats: PairStatsDto } | undefined>({
    source: () => ({
      key: `${this.agentId()}/${this.targetId()}/${this.hours()}`,
      series: this.series.hasValue() ? this.series.value() : undefined,
      stats: this.stats.hasValue() ? this.stats.value() : undefined,
    }),
    computation: (next, previous) => {
      if (next.series && next.stats) return { series: next.series, stats: next.stats };
      return previous && previous.source.key === next.key ? previous.value : undefined;
    },
  });
  protected readonly options = computed<EChartsCoreOption>(() => {
    const view = this.shown();
    if (!view) return {};
    const style = getComputedStyle(this.host);
    const css = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
    return pairChartOptions(view.series, { lines: css('--mp-border', '#dee2e6'), text: css('--mp-muted', '#6e7079') });
  });

  constructor() {
    const host = this.host;
    const timer = setInterval(() => this.now.set(this.clock()), PROBE_INTERVAL_MS);
    let observer: ResizeObserver | undefined;
    afterNextRender(() => {
      const measure = () => this.width.set(Math.round(host.clientWidth) || 400);
      measure();
      if (typeof ResizeObserver !== 'undefined') {
        observer = new ResizeObserver(measure);
        observer.observe(host);
      }
    });
    inject(DestroyRef).onDestroy(() => {
      clearInterval(timer);
      observer?.disconnect();
    });
  }

  protected readonly downloadError = signal('');

  /** The shown window's raw samples as a file (the server streams them; a 24 h window is ~17,280 rows). */
  protected async download(format: 'csv' | 'json'): Promise<void> {
    const request = this.request();
    if (!request) return;
    this.downloadError.set('');
    try {
      const data = await exportPairSamples({ path: request.path, query: { ...request.query, format }, parseAs: 'blob' });
      const name = `meshping-${fileSafe(this.agentName() || String(this.agentId()))}-${fileSafe(this.targetName() || String(this.targetId()))}-${new Date(request.query.to).toISOString().slice(0, 16).replace(':', '')}.${format}`;
      // parseAs 'blob': the body arrives as a Blob whatever the typed JSON shape says.
      saveFile(data as unknown as Blob, name, format === 'csv' ? 'text/csv' : 'application/json');
    } catch (err) {
      this.downloadError.set(apiErrorMessage(err));
    }
  }

  protected percent(value: number): string {
    return `${Number(value.toFixed(1))} %`;
  }
}
