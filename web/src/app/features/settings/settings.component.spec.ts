import { TestBed } from '@angular/core/testing';
import { AuthStore } from '../../core/auth.store';
import { SettingsComponent } from './settings.component';
import { FakeApi } from '../../../testing/fake-api';
import type { Settings } from './settings.store';

const settings: Settings = { fullMesh: false, latencyThresholdMs: 100, retentionHours: 24, targetDenyRanges: ['169.254.0.0/16', 'fe80::/10'], targetAllowRanges: [], dormantAfterSeconds: 600 };

describe(SettingsComponent.name, () => {
  let api: FakeApi;

  beforeEach(() => {
    api = new FakeApi();
    jest.spyOn(TestBed.inject(AuthStore), 'can').mockReturnValue(true);
  });

  afterEach(() => api.verify());

  /** The screen as an admin sees it once the settings are loaded. */
  const open = async () => {
    const fixture = TestBed.createComponent(SettingsComponent);
    await api.settle();
    api.expectOne((r) => r.method === 'GET' && r.path === '/api/settings').flush(settings);
    await api.settle();
    await fixture.whenStable();
    fixture.detectChanges();
    return { fixture, el: fixture.nativeElement as HTMLElement };
  };

  it('shows the target address ranges one per line and saves only the list that changed, as a list', async () => {
    const { fixture, el } = await open();
    const deny = el.querySelector('[data-testid="deny-ranges"]') as HTMLTextAreaElement;
    expect(deny.value).toBe('169.254.0.0/16\nfe80::/10');
    deny.value = '169.254.0.0/16\n\n 10.0.0.0/8 \n';
    deny.dispatchEvent(new Event('input'));
    fixture.detectChanges();
    (el.querySelector('button[type="submit"]') as HTMLButtonElement).click();
    await api.settle();
    const patch = api.expectOne((r) => r.method === 'PATCH' && r.path === '/api/settings');
    expect(patch.headers.get('x-xsrf-token')).toBe('test-csrf'); // writes echo the session's CSRF token
    expect(patch.body).toEqual({ targetDenyRanges: ['169.254.0.0/16', '10.0.0.0/8'] });
    patch.flush({ ...settings, targetDenyRanges: ['169.254.0.0/16', '10.0.0.0/8'] });
  });

  it('shows the back-off in minutes and saves it in seconds; refuses a fraction', async () => {
    const { fixture, el } = await open();
    const minutes = el.querySelector('input[formControlName="dormantAfterMinutes"]') as HTMLInputElement;
    expect(minutes.value).toBe('10');
    minutes.value = '2.5';
    minutes.dispatchEvent(new Event('input'));
    fixture.detectChanges();
    expect((el.querySelector('button[type="submit"]') as HTMLButtonElement).disabled).toBe(true);
    minutes.value = '30';
    minutes.dispatchEvent(new Event('input'));
    fixture.detectChanges();
    (el.querySelector('button[type="submit"]') as HTMLButtonElement).click();
    await api.settle();
    const patch = api.expectOne((r) => r.method === 'PATCH' && r.path === '/api/settings');
    expect(patch.body).toEqual({ dormantAfterSeconds: 1_800 });
    patch.flush({ ...settings, dormantAfterSeconds: 1_800 });
  });

  it('does not save an empty retention (the server refuses null)', async () => {
    const { fixture, el } = await open();
    const hours = el.querySelector('input[formControlName="retentionHours"]') as HTMLInputElement;
    hours.value = '';
    hours.dispatchEvent(new Event('input'));
    fixture.detectChanges();
    expect((el.querySelector('button[type="submit"]') as HTMLButtonElement).disabled).toBe(true);
  });
});
