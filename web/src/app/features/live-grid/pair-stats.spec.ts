import { RttCode } from '@meshping/protocol';
import { pairStats } from './pair-stats';

describe('pairStats', () => {
  it('gives loss over replies and no-replies only, percentiles in ms, and the last outcome', () => {
    const samples = [
      { at: 1, rtt: 1000 },
      { at: 2, rtt: 2000 },
      { at: 3, rtt: RttCode.NO_REPLY },
      { at: 4, rtt: RttCode.UNRESOLVED },
      { at: 5, rtt: 3000 },
      { at: 6, rtt: 10_000 },
    ];
    expect(pairStats(samples)).toEqual({ count: 6, lossPercent: 20, p50Ms: 2, p95Ms: 10, lastMs: 10, lastProblem: null });
  });

  it('says what the newest sample was when it was not a reply', () => {
    expect(pairStats([{ at: 1, rtt: 500 }, { at: 2, rtt: RttCode.NO_REPLY }])).toMatchObject({ lastMs: null, lastProblem: 'no reply', lossPercent: 50 });
    expect(pairStats([])).toEqual({ count: 0, lossPercent: 0, p50Ms: null, p95Ms: null, lastMs: null, lastProblem: null });
  });
});
