import { TestBed } from '@angular/core/testing';
import { TokenScope, type CreatedTokenDto, type TokenDto } from '@meshping/api-client';
import { FakeApi } from '../../../testing/fake-api';
import { TokensComponent } from './tokens.component';

const existing: TokenDto = {
  id: 1,
  name: 'rack-7 inventory',
  scopes: ['targets:read'],
  createdBy: 'admin',
  createdAt: 1_796_299_200_000,
  expiresAt: 1_804_075_200_000,
  lastUsedAt: null,
  revokedAt: null,
  state: 'active',
};

describe(TokensComponent.name, () => {
  let api: FakeApi;

  beforeEach(() => {
    api = new FakeApi();
  });
  afterEach(() => api.verify());

  const open = async () => {
    const fixture = TestBed.createComponent(TokensComponent);
    await api.settle();
    api.expectOne((r) => r.method === 'GET' && r.path === '/api/tokens').flush([existing]);
    await api.settle();
    await fixture.whenStable();
    fixture.detectChanges();
    return { fixture, el: fixture.nativeElement as HTMLElement };
  };
  const click = (el: HTMLElement, selector: string) => (el.querySelector(selector) as HTMLElement).click();

  it('lists tokens with their scopes and state, and offers every scope the API defines', async () => {
    const { el } = await open();
    const row = el.querySelector('[data-testid="token-rack-7 inventory"]') as HTMLElement;
    expect(row.textContent).toContain('targets:read');
    expect(row.textContent).toContain('active');
    expect(row.textContent).toContain('never');
    expect(el.querySelectorAll('[data-testid^="scope-"]').length).toBe(Object.values(TokenScope).length);
  });

  it('creates a token with the chosen scopes and expiry, shows its secret once, and forgets it on Done', async () => {
    const { fixture, el } = await open();
    const submit = el.querySelector('button[type="submit"]') as HTMLButtonElement;
    const name = el.querySelector('input[name="token-name"]') as HTMLInputElement;
    name.value = ' ci export ';
    name.dispatchEvent(new Event('input'));
    fixture.detectChanges();
    expect(submit.disabled).toBe(true); // no scope chosen yet
    click(el, '[data-testid="scope-monitoring:read"]');
    click(el, '[data-testid="scope-targets:write"]');
    fixture.detectChanges();
    expect(submit.disabled).toBe(false);
    submit.click();
    await api.settle();
    const create = api.expectOne((r) => r.method === 'POST' && r.path === '/api/tokens');
    expect(create.body).toEqual({ name: 'ci export', expiresInDays: 90, scopes: ['monitoring:read', 'targets:write'] });
    const created: CreatedTokenDto = { ...existing, id: 2, name: 'ci export', scopes: ['monitoring:read', 'targets:write'], token: 'mpt_secret-shown-once' };
    create.flush(created, 201);
    await api.settle();
    api.expectOne((r) => r.method === 'GET' && r.path === '/api/tokens').flush([existing, { ...created, token: undefined }]);
    await api.settle();
    await fixture.whenStable();
    fixture.detectChanges();
    expect(el.querySelector('[data-testid="token-secret"]')?.textContent).toBe('mpt_secret-shown-once');
    click(el, '[data-testid="created-token"] button:last-child');
    fixture.detectChanges();
    expect(el.textContent).not.toContain('mpt_secret-shown-once');
  });

  it('shows the server’s reason when it refuses a token', async () => {
    const { fixture, el } = await open();
    const name = el.querySelector('input[name="token-name"]') as HTMLInputElement;
    name.value = 'x';
    name.dispatchEvent(new Event('input'));
    click(el, '[data-testid="scope-audit:read"]');
    fixture.detectChanges();
    (el.querySelector('button[type="submit"]') as HTMLButtonElement).click();
    await api.settle();
    api.expectOne((r) => r.method === 'POST').flush({ statusCode: 400, message: ['expiresInDays must not be greater than 365'], error: 'Bad Request' }, 400);
    await api.settle();
    await fixture.whenStable();
    fixture.detectChanges();
    expect(el.querySelector('[role="alert"]')?.textContent).toBe('expiresInDays must not be greater than 365.');
  });
});
