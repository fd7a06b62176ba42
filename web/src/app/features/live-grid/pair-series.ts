import type { PairSeriesDto } from '@meshping/api-client';
import { RttCode } from '@meshping/protocol';
import type { EChartsCoreOption } from 'echarts/core';

/** The chart's left and right margins (axis labels), px. */
const MARGIN_LEFT = 52;
const MARGIN_RIGHT = 12;
export const GAP_LABEL = 'agent connection problem';
const NO_REPLY_COLOR = '#e03131';
/** Grey at a quarter: readable on the light and the dark background. */
export const GAP_COLOR = 'rgba(134, 142, 150, 0.3)';

/** About one point per pixel of the plot area (the server never makes a span narrower than the probe interval). */
export function pointsFor(chartWidthPx: number): number {
  const plot = Math.round(chartWidthPx) - MARGIN_LEFT - MARGIN_RIGHT;
  return Math.min(5000, Math.max(60, plot));
}

/** A microsecond value in ms with two decimals, or a dash. */
export function ms(us: number | null): string {
  return us === null ? '–' : `${(us / 1000).toFixed(2)} ms`;
}

/** The newest sample in words: its RTT, or what went wrong. */
export function lastText(rtt: number | null): string {
  if (rtt === null) return '–';
  if (rtt >= 0) return ms(rtt);
  return rtt === RttCode.NO_REPLY ? 'no reply' : rtt === RttCode.UNRESOLVED ? 'name not resolved' : 'send error';
}

/** The page's colours for the chart's axes (ECharts draws on a canvas: CSS variables do not reach it). */
export interface ChartTheme {
  lines: string;
  text: string;
}

/**
 * ECharts options of a series: the mean RTT per span as a line (broken where spans are missing),
 * spans with unanswered probes as red points at 0 ms ("no reply"), and the agent's gaps as shaded
 * areas ("agent connection problem": nothing was measured, so neither a reply nor a loss).
 */
export function pairChartOptions(series: PairSeriesDto, theme: ChartTheme = { lines: '#dee2e6', text: '#6e7079' }): EChartsCoreOption {
  const line: [number, number | null][] = [];
  let next = Number.NEGATIVE_INFINITY;
  for (const p of series.points) {
    if (line.length && p.at > next) line.push([next, null]); // spans without samples: no line across them
    line.push([p.at, p.avgUs === null ? null : p.avgUs / 1000]);
    next = p.at + series.step;
  }
  const noReply = series.points.filter((p) => p.noReply > 0).map((p) => [p.at, 0, p.noReply, p.count]);
  return {
    animation: false,
    grid: { left: MARGIN_LEFT, right: MARGIN_RIGHT, top: 10, bottom: 24 },
    tooltip: { trigger: 'axis' },
    xAxis: {
      type: 'time',
      min: series.from,
      max: series.to,
      splitNumber: 4,
      axisLabel: { hideOverlap: true, color: theme.text },
      axisLine: { lineStyle: { color: theme.lines } },
    },
    yAxis: { type: 'value', min: 0, splitNumber: 4, axisLabel: { formatter: '{value} ms', color: theme.text }, splitLine: { lineStyle: { color: theme.lines } } },
    series: [
      {
        type: 'line',
        name: 'RTT (mean)',
        showSymbol: series.points.length < 60,
        symbolSize: 4,
        connectNulls: false,
        tooltip: { valueFormatter: (v: unknown) => (typeof v === 'number' ? `${v.toFixed(2)} ms` : '–') },
        data: line,
        markArea: {
          silent: true,
          itemStyle: { color: GAP_COLOR },
          label: { show: false },
          data: series.gaps.map((g) => [{ name: GAP_LABEL, xAxis: g.from }, { xAxis: g.to }]),
        },
      },
      {
        type: 'scatter',
        name: 'no reply',
        symbolSize: 5,
        itemStyle: { color: NO_REPLY_COLOR },
        tooltip: { valueFormatter: () => 'no reply' },
        data: noReply,
      },
    ],
  };
}
