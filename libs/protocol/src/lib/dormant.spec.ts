import { PROBE_INTERVAL_MS } from './constants';
import { dormantProbeInRound, dormantStaleAfterMs, nextDormantProbe } from './dormant';

const SINCE = 1_000_000_000_000;
const s = (seconds: number) => SINCE + seconds * 1000;

describe('dormant probing', () => {
  it('probes 30 s after going dormant, then 60, 120 and 240 s apart, then every 300 s', () => {
    const times: number[] = [];
    for (let t = SINCE; times.length < 8; ) {
      const next = nextDormantProbe(SINCE, t);
      times.push((next - SINCE) / 1000);
      t = next + 1;
    }
    expect(times).toEqual([30, 90, 210, 450, 750, 1050, 1350, 1650]);
    expect(nextDormantProbe(SINCE, s(30))).toBe(s(30));
    expect(nextDormantProbe(SINCE, s(31))).toBe(s(90));
  });

  it('puts each dormant probe in exactly one 5-s round', () => {
    let rounds = 0;
    for (let r = SINCE; r < s(1_650); r += PROBE_INTERVAL_MS) if (dormantProbeInRound(SINCE, r)) rounds++;
    expect(rounds).toBe(7); // 30, 90, 210, 450, 750, 1050, 1350
    expect(dormantProbeInRound(SINCE, s(25))).toBe(false);
    expect(dormantProbeInRound(SINCE, s(26))).toBe(true);
    expect(dormantProbeInRound(SINCE, s(30))).toBe(true);
  });

  it('lets a cell wait as long as the interval it is in, plus two rounds, before it counts as stale', () => {
    expect(dormantStaleAfterMs(SINCE, s(10))).toBe(30_000 + 2 * PROBE_INTERVAL_MS);
    expect(dormantStaleAfterMs(SINCE, s(60))).toBe(60_000 + 2 * PROBE_INTERVAL_MS);
    expect(dormantStaleAfterMs(SINCE, s(300))).toBe(240_000 + 2 * PROBE_INTERVAL_MS);
    expect(dormantStaleAfterMs(SINCE, s(5_000))).toBe(300_000 + 2 * PROBE_INTERVAL_MS);
  });
});
