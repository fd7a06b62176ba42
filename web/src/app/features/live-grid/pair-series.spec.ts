import type { PairSeriesDto as PairSeries, SeriesPointDto as SeriesPoint } from '@meshping/api-client';
import { RttCode } from '@meshping/protocol';
import { GAP_LABEL, lastText, ms, pairChartOptions, pointsFor } from './pair-series';

const point = (at: number, avgUs: number | null, noReply = 0): SeriesPoint => ({
  at,
  count: 2,
  noReply,
  errors: 0,
  minUs: avgUs,
  avgUs,
  maxUs: avgUs,
});

describe('pair series', () => {
  it('asks for about one point per pixel of the plot, within the server bounds', () => {
    expect(pointsFor(416)).toBe(352); // 26 rem minus the axis margins
    expect(pointsFor(0)).toBe(60);
    expect(pointsFor(100_000)).toBe(5000);
  });

  it('says the newest outcome in words and RTTs in ms', () => {
    expect(lastText(1234)).toBe('1.23 ms');
    expect(lastText(RttCode.NO_REPLY)).toBe('no reply');
    expect(lastText(RttCode.UNRESOLVED)).toBe('name not resolved');
    expect(lastText(RttCode.SEND_ERROR)).toBe('send error');
    expect(lastText(null)).toBe('–');
    expect(ms(null)).toBe('–');
  });

  it('draws the mean RTT broken at missing spans, no reply as red points at 0, and gaps as shaded areas', () => {
    const series: PairSeries = {
      from: 0,
      to: 100_000,
      step: 10_000,
      // 30 s has no replies at all, 40 s is missing (the agent was away), 50 s lost one of two.
      points: [point(10_000, 1000), point(20_000, 2000), point(30_000, null, 2), point(50_000, 3000, 1)],
      gaps: [{ from: 40_000, to: 50_000, reason: 'disconnected', samples: null }],
    };
    const options = pairChartOptions(series) as { xAxis: { min: number; max: number }; series: { data: unknown[]; name?: string; markArea?: { data: unknown[] } }[] };
    expect(options.xAxis).toMatchObject({ min: 0, max: 100_000 });
    const [line, noReply] = options.series;
    expect(line.data).toEqual([
      [10_000, 1],
      [20_000, 2],
      [30_000, null],
      [40_000, null],
      [50_000, 3],
    ]);
    expect(line.markArea?.data).toEqual([[{ name: GAP_LABEL, xAxis: 40_000 }, { xAxis: 50_000 }]]);
    expect(noReply.name).toBe('no reply');
    expect(noReply.data.map((d) => (d as number[]).slice(0, 2))).toEqual([
      [30_000, 0],
      [50_000, 0],
    ]);
  });
});
