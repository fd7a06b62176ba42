import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { AgentDto } from '@meshping/api-client';
import { AuthStore } from '../../core/auth.store';
import { FakeApi } from '../../../testing/fake-api';
import { AgentsComponent } from './agents.component';

const probe: AgentDto = {
  id: 4,
  hostname: 'probe-4',
  state: 'approved',
  online: true,
  local: false,
  group: null,
  version: '0.1.0',
  addresses: ['192.0.2.4'],
  ip: '192.0.2.4',
  lastSeenAt: 1_796_299_200_000,
};

describe(AgentsComponent.name, () => {
  let api: FakeApi;

  beforeEach(() => {
    api = new FakeApi();
    TestBed.configureTestingModule({ providers: [provideRouter([])] });
  });
  afterEach(() => api.verify());

  it("puts an agent in a group from its row (an operator), and shows the server's answer", async () => {
    jest.spyOn(TestBed.inject(AuthStore), 'can').mockReturnValue(true);
    const fixture = TestBed.createComponent(AgentsComponent);
    await api.settle();
    api.expectOne((r) => r.method === 'GET' && r.path === '/api/agents').flush([probe]);
    await api.settle();
    await fixture.whenStable();
    fixture.detectChanges();
    const el = fixture.nativeElement as HTMLElement;
    ([...el.querySelectorAll('[role="tab"]')].find((b) => b.textContent?.trim().startsWith('approved')) as HTMLButtonElement).click();
    fixture.detectChanges();
    const input = el.querySelector('[data-testid="agent-probe-4"] input.group') as HTMLInputElement;
    expect(input.value).toBe('');
    input.value = ' tokyo-1 ';
    input.dispatchEvent(new Event('change'));
    await api.settle();
    const patch = api.expectOne((r) => r.method === 'PATCH' && r.path === '/api/agents/4');
    expect(patch.body).toEqual({ group: 'tokyo-1' });
    patch.flush({ ...probe, group: 'tokyo-1' });
    await api.settle();
    await api.settle();
    api.expectOne((r) => r.method === 'GET' && r.path === '/api/agents').flush([{ ...probe, group: 'tokyo-1' }]);
    await api.settle();
    fixture.detectChanges();
    expect((el.querySelector('[data-testid="agent-probe-4"] input.group') as HTMLInputElement).value).toBe('tokyo-1');
  });
});
