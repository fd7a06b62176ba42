import { TestBed } from '@angular/core/testing';
import type { PairSeriesDto, PairStatsDto } from '@meshping/api-client';
import { encodeLiveFrame, parseServerToBrowser, RttCode } from '@meshping/protocol';
import { LiveGridStore } from './live-grid.store';
import { PairChartComponent } from './pair-chart.component';
import { FakeApi } from '../../../testing/fake-api';

// ECharts itself (an ES module, canvas drawing) is not what these tests look at: a chart that does nothing.
jest.mock('./echarts-setup', () => ({ echarts: { init: () => new Proxy({}, { get: () => () => undefined }) } }));

const answer = (over: Partial<PairStatsDto> = {}): PairStatsDto => ({
  from: 0,
  to: 1,
  count: 720,
  replies: 700,
  noReply: 20,
  errors: 0,
  lossPercent: (20 / 720) * 100,
  lastAt: 1,
  lastRttUs: RttCode.NO_REPLY,
  minUs: 100,
  avgUs: 250,
  maxUs: 900,
  p50Us: 240,
  p95Us: 800,
  jitterUs: 30,
  gaps: [],
  ...over,
});

describe(PairChartComponent.name, () => {
  let api: FakeApi;

  // jsdom has no ResizeObserver; ngx-echarts and the component need one that never fires.
  const g = globalThis as { ResizeObserver?: unknown };
  beforeAll(() => (g.ResizeObserver = class { observe = () => undefined; disconnect = () => undefined; unobserve = () => undefined; }));
  afterAll(() => delete g.ResizeObserver);

  beforeEach(() => {
    jest.useFakeTimers({ now: 10 * 3_600_000, doNotFake: ['queueMicrotask', 'nextTick'] });
    api = new FakeApi();
  });
  afterEach(() => jest.useRealTimers());

  async function open(pinned: boolean) {
    const fixture = TestBed.createComponent(PairChartComponent);
    fixture.componentRef.setInput('agentId', 3);
    fixture.componentRef.setInput('targetId', 7);
    fixture.componentRef.setInput('pinned', pinned);
    fixture.detectChanges();
    TestBed.tick(); // after the first render: the width is known, the requests go out
    await api.settle();
    return fixture;
  }
  const settle = async () => {
    await api.settle();
    TestBed.tick();
    await api.settle();
  };
  const text = (el: HTMLElement) => el.textContent?.replace(/\s+/g, ' ').trim();
  const stats = (el: HTMLElement) => Array.from(el.querySelectorAll('[data-testid="pair-stats"] :is(dt, dd)')).map((e) => e.textContent).join(' ');

  it("reads the last hour's series (points for its width) and stats, and shows last, loss, p50, p95 and the gaps", async () => {
    const fixture = await open(false);
    const now = Date.now();
    const series = api.expectOne((r) => r.url.pathname === '/api/pairs/3/7/series');
    const params = series.url.searchParams;
    expect(Number(params.get('from'))).toBe(now - 3_600_000);
    expect(Number(params.get('to'))).toBe(now);
    expect(Number(params.get('points'))).toBeGreaterThanOrEqual(60);
    api.expectOne((r) => r.path === `/api/pairs/3/7/stats?from=${now - 3_600_000}&to=${now}`).flush(answer());
    const gap = { from: now - 600_000, to: now - 300_000, reason: 'disconnected' as const, samples: null };
    series.flush({ from: now - 3_600_000, to: now, step: 10_000, points: [], gaps: [gap] } satisfies PairSeriesDto);
    await settle();
    const el = fixture.nativeElement as HTMLElement;
    expect(stats(el)).toBe('last no reply loss 2.8 % p50 0.24 ms p95 0.80 ms samples 720');
    expect(text(el.querySelector('[data-testid="pair-gaps"]') as HTMLElement)).toBe('agent connection problem (1)');
  });

  it("shows the pair's last state changes from the log under the chart, and asks again with the next window", async () => {
    const fixture = await open(false);
    const now = Date.now();
    api.expectOne((r) => r.url.pathname === '/api/pairs/3/7/stats').flush(answer());
    api.expectOne((r) => r.url.pathname === '/api/pairs/3/7/series').flush({ from: 0, to: 1, step: 5000, points: [], gaps: [] });
    api.expectOne((r) => r.path === '/api/pairs/3/7/state-changes?limit=5').flush([
      { id: 9, kind: 'pair', agentId: 3, targetId: 7, from: 'down', to: 'up', at: now - 60_000 },
      { id: 4, kind: 'pair', agentId: 3, targetId: 7, from: 'up', to: 'down', at: now - 3 * 86_400_000 },
    ]);
    await settle();
    const el = fixture.nativeElement as HTMLElement;
    const items = () => Array.from(el.querySelectorAll('[data-testid="pair-changes"] li')).map((li) => text(li as HTMLElement));
    const clock = (ms: number) => new Date(ms).toTimeString().slice(0, 8);
    expect(items()).toEqual([`${clock(now - 60_000)} down → up`, expect.stringMatching(/^[A-Z][a-z]{2} \d{1,2}, \d\d:\d\d up → down$/)]);
    expect(el.querySelector('[data-testid="pair-changes"] li .st.up')).not.toBeNull();
    jest.advanceTimersByTime(5000);
    await settle();
    expect(items().length).toBe(2); // kept while the next answer loads
    api.expectOne((r) => r.path === '/api/pairs/3/7/state-changes?limit=5').flush([]);
    await settle();
    expect(items()).toEqual(['none recorded']);
  });

  it('adds min, mean, max and jitter when pinned, and keeps the shown window while the next one loads', async () => {
    const fixture = await open(true);
    const reply = async () => {
      api.expectOne((r) => r.url.pathname.endsWith('/stats')).flush(answer({ lastRttUs: 1500 }));
      api.expectOne((r) => r.url.pathname.endsWith('/series')).flush({ from: 0, to: 1, step: 5000, points: [], gaps: [] });
      await settle();
    };
    await reply();
    const el = fixture.nativeElement as HTMLElement;
    const shown = () => stats(el);
    expect(shown()).toBe('last 1.50 ms loss 2.8 % p50 0.24 ms p95 0.80 ms min 0.10 ms mean 0.25 ms max 0.90 ms jitter 0.03 ms samples 720');
    jest.advanceTimersByTime(5000); // the next probe interval: a new window is requested ...
    await settle();
    expect(shown()).toContain('last 1.50 ms'); // ... and the old one stays until it arrives
    await reply();
    expect(el.querySelector('[data-testid="pair-loading"]')).toBeNull();
  });

  it("asks for a window ending at the server's now when this browser's clock is 10 minutes fast", async () => {
    // The live grid learnt the offset from a snapshot stamped with the server's clock.
    const serverNow = Date.now();
    jest.setSystemTime(serverNow + 600_000);
    const store = new LiveGridStore();
    const frame = parseServerToBrowser(encodeLiveFrame('snapshot', 1, serverNow, [], { agents: [], targets: [], latencyThresholdMs: 100 }).slice().buffer);
    if (!frame.ok) throw new Error(frame.error);
    store.apply(frame.value);
    // As inside the live grid, which provides its store to the chart.
    TestBed.resetTestingModule();
    TestBed.configureTestingModule({ providers: [{ provide: LiveGridStore, useValue: store }] });
    await open(false);
    const series = api.expectOne((r) => r.url.pathname === '/api/pairs/3/7/series');
    const params = series.url.searchParams;
    expect(Number(params.get('to'))).toBe(serverNow);
    expect(Number(params.get('from'))).toBe(serverNow - 3_600_000);
    api.expectOne((r) => r.path === `/api/pairs/3/7/stats?from=${serverNow - 3_600_000}&to=${serverNow}`);
    // The next probe interval keeps following the server's clock.
    jest.advanceTimersByTime(5000);
    await settle();
    expect(api.match((r) => r.url.searchParams.get('to') === String(serverNow + 5000)).length).toBe(2);
  });
});
