import { RttCode } from '@meshping/protocol';
import { downsample, pairStats, percentile } from './pair-stats';

describe('pair statistics', () => {
  const at = [0, 5000, 10000, 15000, 20000, 25000, 30000];
  const rtt = [100, 300, RttCode.NO_REPLY, 200, RttCode.UNRESOLVED, 1000, 400];

  it('computes last, loss, min/avg/max, nearest-rank percentiles and jitter over replies', () => {
    expect(pairStats({ at, rtt })).toEqual({
      count: 7,
      replies: 5,
      noReply: 1,
      errors: 1,
      lossPercent: (1 / 6) * 100,
      lastAt: 30000,
      lastRttUs: 400,
      minUs: 100,
      avgUs: 400,
      maxUs: 1000,
      p50Us: 300,
      p95Us: 1000,
      jitterUs: (200 + 100 + 800 + 600) / 4,
    });
    expect(pairStats({ at: [], rtt: [] })).toMatchObject({ count: 0, lossPercent: null, minUs: null, jitterUs: null, lastRttUs: null });
    expect(pairStats({ at: [1], rtt: [RttCode.NO_REPLY] })).toMatchObject({ lossPercent: 100, replies: 0, p50Us: null });
  });

  it('takes percentiles by nearest rank', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 95)).toBe(95);
    expect(percentile([7], 95)).toBe(7);
  });

  it('downsamples into equal spans, never narrower than the probe interval', () => {
    const { step, points } = downsample({ at, rtt }, 0, 35000, 3, 5000);
    expect(step).toBe(11667);
    expect(points).toEqual([
      { at: 0, count: 3, noReply: 1, errors: 0, minUs: 100, avgUs: 200, maxUs: 300 },
      { at: 11667, count: 2, noReply: 0, errors: 1, minUs: 200, avgUs: 200, maxUs: 200 },
      { at: 23334, count: 2, noReply: 0, errors: 0, minUs: 400, avgUs: 700, maxUs: 1000 },
    ]);
    expect(downsample({ at, rtt }, 0, 35000, 1000, 5000).step).toBe(5000);
  });
});
