import { TestBed } from '@angular/core/testing';
import type { AlertRuleDto, IncidentDto } from '@meshping/api-client';
import { AuthStore } from '../../core/auth.store';
import { FakeApi } from '../../../testing/fake-api';
import { AlertsComponent, describeRule } from './alerts.component';

const unreachable: AlertRuleDto = {
  id: 1,
  name: 'Unreachable',
  enabled: true,
  metric: 'consecutive_lost',
  threshold: 3,
  percentile: null,
  windowSeconds: null,
  scope: 'all',
  agentId: null,
  targetId: null,
  agentGroup: null,
  targetGroup: null,
  quorum: null,
  paths: false,
  fireAfter: 2,
  resolveAfter: 3,
  severity: 'critical',
};

const block: IncidentDto = {
  id: 7,
  causeKey: 'block:site:a,site:b',
  kind: 'block',
  state: 'open',
  severity: 'critical',
  title: 'Sites a → b: 100 paths unreachable',
  ruleIds: [1],
  agentIds: [1, 2],
  targetIds: [11, 12],
  sites: { agents: ['a'], targets: ['b'] },
  pairCount: 100,
  since: null,
  openedAt: 1_796_299_200_000,
  updatedAt: 1_796_299_200_000,
  resolvedAt: null,
  updates: 0,
  notified: false,
};

/** Types into a form's control (an input, or a select) as a person would. */
function fill(form: HTMLElement, name: string, value: string): void {
  const input = form.querySelector(`[formcontrolname="${name}"]`) as HTMLInputElement | HTMLSelectElement;
  input.value = value;
  input.dispatchEvent(new Event(input.tagName === 'SELECT' ? 'change' : 'input'));
}

describe(AlertsComponent.name, () => {
  let api: FakeApi;

  beforeEach(() => {
    api = new FakeApi();
  });
  afterEach(() => api.verify());

  /** After a change the screen reloads its channels and the delivery log: answer both. */
  const reloadChannels = async (channels: unknown[]) => {
    await api.settle();
    await api.settle();
    api.expectOne((r) => r.path === '/api/notification-channels').flush(channels);
    api.expectOne((r) => r.path === '/api/notification-deliveries?limit=20').flush([]);
    await api.settle();
  };

  const open = async (operator: boolean, incident?: string) => {
    jest.spyOn(TestBed.inject(AuthStore), 'can').mockReturnValue(operator);
    const fixture = TestBed.createComponent(AlertsComponent);
    if (incident !== undefined) fixture.componentRef.setInput('incident', incident);
    await api.settle();
    api.expectOne((r) => r.method === 'GET' && r.path === '/api/incidents?state=open&limit=500').flush([block]);
    api.expectOne((r) => r.method === 'GET' && r.path === '/api/incidents?limit=100').flush([block]);
    api.expectOne((r) => r.method === 'GET' && r.path === '/api/alert-rules').flush([unreachable]);
    api.expectOne((r) => r.method === 'GET' && r.path === '/api/maintenance-windows?current=true').flush([]);
    if (operator) {
      api.expectOne((r) => r.method === 'GET' && r.path === '/api/notification-channels').flush([]);
      api.expectOne((r) => r.method === 'GET' && r.path === '/api/notification-deliveries?limit=20').flush([]);
    }
    await api.settle();
    await fixture.whenStable();
    fixture.detectChanges();
    return { fixture, el: fixture.nativeElement as HTMLElement };
  };

  it('shows the open incidents by cause and the rules in words; a viewer cannot change them', async () => {
    const { fixture, el } = await open(false);
    expect(el.querySelector('[data-testid="incident-block:site:a,site:b"]')?.textContent).toContain('Sites a → b: 100 paths unreachable');
    expect(el.querySelector('[data-testid="incident-block:site:a,site:b"] .maint')?.textContent).toBe('maintenance');
    expect(el.querySelector('[data-testid="rule-Unreachable"]')?.textContent).toContain('3 no-replies in a row, every pair');
    expect(el.querySelector('[data-testid="add-rule"]')).toBeNull();
    expect((el.querySelector('[data-testid="rule-Unreachable"] input[type="checkbox"]') as HTMLInputElement).disabled).toBe(true);
    fixture.destroy();
  });

  it('highlights the incident a grid link names (?incident=<id>) and scrolls to it', async () => {
    const scrolled = jest.fn();
    const original = Element.prototype.scrollIntoView; // jsdom has none
    Element.prototype.scrollIntoView = scrolled;
    const { fixture, el } = await open(false, String(block.id)).finally(() => (Element.prototype.scrollIntoView = original));
    const focused = el.querySelectorAll('[data-testid="open-incidents"] tr.focused');
    expect(focused.length).toBe(1);
    expect(focused[0].id).toBe(`incident-${block.id}`);
    expect(el.querySelectorAll('[data-testid="recent-incidents"] tr.focused').length).toBe(1);
    expect(scrolled).toHaveBeenCalledTimes(1);
    fixture.destroy();
  });

  it('adds a rule for a group of agents as the form says', async () => {
    const { fixture, el } = await open(true);
    const form = el.querySelector('[data-testid="add-rule"]') as HTMLFormElement;
    const set = (name: string, value: string) => fill(form, name, value);
    set('name', ' Tokyo lossy ');
    set('metric', 'loss_percent');
    fixture.detectChanges();
    set('threshold', '5');
    set('windowSeconds', '600');
    set('agentGroup', 'tokyo');
    fixture.detectChanges();
    (form.querySelector('button[type="submit"]') as HTMLButtonElement).click();
    await api.settle();
    const create = api.expectOne((r) => r.method === 'POST' && r.path === '/api/alert-rules');
    expect(create.body).toEqual({
      name: 'Tokyo lossy',
      metric: 'loss_percent',
      threshold: 5,
      windowSeconds: 600,
      percentile: null,
      scope: 'group',
      agentGroup: 'tokyo',
      targetGroup: null,
      fireAfter: 2,
      resolveAfter: 3,
      severity: 'warning',
      paths: false,
    });
    create.flush({ ...unreachable, id: 5, name: 'Tokyo lossy' }, 201);
    await api.settle();
    await api.settle();
    api.expectOne((r) => r.method === 'GET' && r.path === '/api/alert-rules').flush([unreachable]);
    await api.settle();
    fixture.destroy();
  });

  it('adds a signed webhook channel, and tells how its test went', async () => {
    const { fixture, el } = await open(true);
    const form = el.querySelector('[data-testid="add-channel"]') as HTMLFormElement;
    const set = (name: string, value: string) => fill(form, name, value);
    set('name', 'ops');
    set('url', ' https://hooks.example/x ');
    set('secret', 'sixteen or more chars');
    fixture.detectChanges();
    (form.querySelector('button[type="submit"]') as HTMLButtonElement).click();
    await api.settle();
    const create = api.expectOne((r) => r.method === 'POST' && r.path === '/api/notification-channels');
    expect(create.body).toEqual({ name: 'ops', kind: 'webhook', minSeverity: 'warning', url: 'https://hooks.example/x', secret: 'sixteen or more chars' });
    const channel = { id: 3, name: 'ops', kind: 'webhook', enabled: true, minSeverity: 'warning', urlHint: 'https://hooks.example/…', signed: true, emailTo: [], createdAt: 1 };
    create.flush(channel, 201);
    await reloadChannels([channel]);
    fixture.detectChanges();
    expect(el.querySelector('[data-testid="channel-ops"]')?.textContent).toContain('https://hooks.example/…');
    (el.querySelector('[data-testid="channel-ops"] button') as HTMLButtonElement).click();
    await api.settle();
    api.expectOne((r) => r.method === 'POST' && r.path === '/api/notification-channels/3/test').flush({ id: 9, channelId: 3, incidentId: null, event: 'test', state: 'failed', attempts: 1, nextAttemptAt: null, lastError: 'HTTP 404', createdAt: 2, deliveredAt: null });
    await reloadChannels([channel]);
    fixture.detectChanges();
    expect(el.querySelector('[data-testid="test-result"]')?.textContent).toBe('Test to "ops" failed: HTTP 404.');
    fixture.destroy();
  });

  it('words every kind of condition', () => {
    expect(describeRule({ ...unreachable, metric: 'latency_percentile', threshold: null, percentile: 95, windowSeconds: 300, scope: 'target', targetId: 4 })).toBe(
      "p95 RTT over the target's threshold over 300 s, target 4",
    );
    expect(describeRule({ ...unreachable, metric: 'agent_silent', threshold: 60, scope: 'group', agentGroup: 'tokyo' })).toBe('silent for 60 s, agents in tokyo');
    expect(describeRule({ ...unreachable, metric: 'agent_silent', threshold: 60 })).toBe('silent for 60 s, every agent');
  });
});
