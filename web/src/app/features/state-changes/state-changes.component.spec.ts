import { TestBed } from '@angular/core/testing';
import type { StateChangeDto } from '@meshping/api-client';
import { FakeApi } from '../../../testing/fake-api';
import { StateChangesComponent } from './state-changes.component';

const at = 1_796_299_200_000;
const rows: StateChangeDto[] = [
  { id: 9, kind: 'target', agentId: null, targetId: 7, from: 'up', to: 'down', at },
  { id: 8, kind: 'pair', agentId: 3, targetId: 7, from: 'up', to: 'down', at: at - 10 },
  { id: 5, kind: 'agent', agentId: 4, targetId: null, from: 'up', to: 'silent', at: at - 60_000 },
];

describe(StateChangesComponent.name, () => {
  let api: FakeApi;

  beforeEach(() => {
    api = new FakeApi();
  });
  afterEach(() => api.verify());

  const open = async (page: StateChangeDto[] = rows) => {
    const fixture = TestBed.createComponent(StateChangesComponent);
    await api.settle();
    api.expectOne((r) => r.method === 'GET' && r.path === '/api/state-changes?limit=100').flush(page);
    api.expectOne((r) => r.path === '/api/agents').flush([{ id: 3, hostname: 'web-1' }]);
    api.expectOne((r) => r.path === '/api/targets').flush([{ id: 7, address: '192.0.2.7', name: 'core-router' }]);
    await api.settle();
    fixture.detectChanges();
    return { fixture, el: fixture.nativeElement as HTMLElement };
  };
  const cells = (el: HTMLElement) => [...el.querySelectorAll('[data-testid="state-changes"] tbody tr')].map((tr) => [...tr.querySelectorAll('td')].slice(1).map((td) => td.textContent?.replace(/\s+/g, ' ').trim()));
  const choose = (el: HTMLElement, name: string, value: string) => {
    const input = el.querySelector(`[name="${name}"]`) as HTMLSelectElement | HTMLInputElement;
    input.value = value;
    input.dispatchEvent(new Event('change'));
  };

  it('lists the log newest first with names for agents and targets (#id for one that is gone) and the change in colour', async () => {
    const { el } = await open();
    expect(cells(el)).toEqual([
      ['target', 'core-router', 'up → down'],
      ['pair', 'web-1 → core-router', 'up → down'],
      ['agent', 'agent #4', 'up → silent'],
    ]);
    const to = el.querySelector('tbody tr .state.down');
    expect(to?.textContent).toBe('down');
  });

  it('asks the server again with each filter (kind, state, agent, target, time), and pages backwards from the last id', async () => {
    const { fixture, el } = await open(Array.from({ length: 100 }, (_, i) => ({ ...rows[1], id: 200 - i })));
    choose(el, 'kind', 'pair');
    await api.settle();
    api.expectOne((r) => r.path === '/api/state-changes?limit=100&kind=pair').flush([rows[1]]);
    choose(el, 'state', 'down');
    await api.settle();
    api.expectOne((r) => r.path === '/api/state-changes?limit=100&kind=pair&state=down').flush([rows[1]]);
    choose(el, 'agent', '3');
    await api.settle();
    api.expectOne((r) => r.path === '/api/state-changes?limit=100&kind=pair&state=down&agentId=3').flush([rows[1]]);
    choose(el, 'target', '7');
    await api.settle();
    api.expectOne((r) => r.path === '/api/state-changes?limit=100&kind=pair&state=down&agentId=3&targetId=7').flush([rows[1]]);
    choose(el, 'from', '2026-12-03T12:00');
    await api.settle();
    const withFrom = api.expectOne((r) => r.path.startsWith('/api/state-changes?limit=100&kind=pair&state=down&agentId=3&targetId=7&from='));
    expect(Number(withFrom.url.searchParams.get('from'))).toBe(new Date('2026-12-03T12:00').getTime());
    withFrom.flush(Array.from({ length: 100 }, (_, i) => ({ ...rows[1], id: 100 - i })));
    await api.settle();
    fixture.detectChanges();
    (el.querySelector('section > button') as HTMLButtonElement).click();
    await api.settle();
    const older = api.expectOne((r) => r.url.searchParams.get('before') === '1');
    expect(older.url.searchParams.get('kind')).toBe('pair');
    older.flush([]);
    await api.settle();
    fixture.detectChanges();
    expect(cells(el).length).toBe(100);
    expect(el.querySelector('section > button')).toBeNull();
  });

  it('says so when nothing matches', async () => {
    const { el } = await open([]);
    expect(el.querySelector('[data-testid="state-changes"] tbody')?.textContent).toContain('No state changes match.');
  });
});
