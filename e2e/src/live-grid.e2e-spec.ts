import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './browser';
import { ARTIFACTS, MeshpingProcess } from './meshping-process';

/**
 * README's first command, as a new user meets it: HTTPS with a self-signed certificate, first-run
 * setup with the code from the log, the live grid with the local agent, then users and roles.
 */
describe('Meshping in Chromium: setup, live grid, users and roles', () => {
  let meshping: MeshpingProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    meshping = await MeshpingProcess.start();
    browser = await launchChromium();
    context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 720 } });
    page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
  });

  afterAll(async () => {
    await browser?.close();
    if (meshping) expect(await meshping.stop()).toBe(0);
  });

  const expect_text = async (locator: { textContent(): Promise<string | null> }, pattern: RegExp) =>
    expect((await locator.textContent())?.replace(/\s+/g, ' ')).toMatch(pattern);
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  it('serves HTTPS and sends a first visitor to the login page, which points to setup', async () => {
    expect(meshping.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    await page.goto(`${meshping.url}/`);
    await page.waitForURL(/\/login/);
    await page.getByRole('link', { name: 'Create the first admin' }).waitFor();
    await shot('login-first-run');
  });

  it('creates the first admin with the setup code from the log and lands on the grid', async () => {
    await page.goto(`${meshping.url}/setup`);
    await page.getByLabel('Setup code').fill(meshping.setupCode);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel(/^Password/).fill('admin password 1');
    await shot('setup');
    await page.getByRole('button', { name: 'Create admin and log in' }).click();
    await page.waitForURL(`${meshping.url}/`);
    await page.getByTestId('who').getByText('admin · admin').waitFor();
  });

  it('shows the local agent as a row whose cells for 127.0.0.1 and ::1 turn green', async () => {
    const row = page.locator('[data-testid^="row-"]').first();
    await row.waitFor({ timeout: 20_000 });
    await row.getByText('local', { exact: true }).waitFor();
    const headers = await page.locator('th.target').allTextContents();
    expect(headers.map((h) => h.trim())).toEqual(['127.0.0.1', '::1']);
    // Probes run every 5 s on the interval boundary, results flow every second: green within ~12 s.
    expect(await row.locator('td.cell').count()).toBe(2);
    for (let i = 1; i <= 2; i++) await row.locator(`td.cell:nth-of-type(${i})[data-status="ok"]`).waitFor({ timeout: 20_000 });
    expect(await row.locator('td.cell').first().getAttribute('aria-label')).toMatch(/→ 127\.0\.0\.1: \d+(\.\d\d)? ms/);
    await shot('live-grid-desktop');
  });

  it("shows a pair's last hour on hover (chart and stats), pinned by a click with a 24 h choice", async () => {
    const cell = page.locator('[data-testid^="row-"]').first().locator('td.cell').first();
    await cell.hover();
    const chart = page.locator('mp-pair-chart');
    await chart.getByText(/→ 127\.0\.0\.1/).waitFor();
    await chart.locator('[data-testid="pair-chart"] canvas').waitFor();
    expect(Number(await chart.getByTestId('pair-count').textContent())).toBeGreaterThanOrEqual(1);
    await expect_text(chart.getByTestId('pair-stats'), /loss\s*0 %/);
    await cell.click();
    await chart.getByRole('button', { name: '24 h' }).click();
    await chart.getByTestId('pair-count').waitFor();
    expect(Number(await chart.getByTestId('pair-count').textContent())).toBeGreaterThanOrEqual(1);
    await shot('live-grid-hover-pinned');
    await chart.getByRole('button', { name: 'Close' }).click();
    await chart.waitFor({ state: 'detached' });
  });

  it('adds a target on the targets screen; its column appears in the grid within 2 s and turns green', async () => {
    await page.getByRole('link', { name: 'Targets' }).click();
    const form = page.getByTestId('add-target');
    await form.getByLabel(/^Address/).fill('127.0.0.3');
    await form.getByLabel(/^Name/).fill('loop three');
    await form.getByRole('button', { name: 'Add target' }).click();
    await page.getByTestId('target-127.0.0.3').waitFor();
    const bad = page.getByTestId('add-target');
    await bad.getByLabel(/^Address/).fill('1.2.3.999');
    await bad.getByRole('button', { name: 'Add target' }).click();
    await page.getByRole('alert').getByText('address must be an IPv4 address, an IPv6 address or a hostname.').waitFor();
    await shot('targets');

    await page.getByRole('link', { name: 'Grid' }).click();
    await page.locator('th.target', { hasText: 'loop three' }).waitFor({ timeout: 2000 });
    const row = page.locator('[data-testid^="row-"]').first();
    await row.locator('td.cell:nth-of-type(3)[data-status="ok"]').waitFor({ timeout: 20_000 });
  });

  it('lets the admin create a viewer', async () => {
    await page.getByRole('link', { name: 'Users' }).click();
    const form = page.getByTestId('create-user');
    await form.getByLabel('Username').fill('vera');
    await form.getByLabel('Password').fill('viewer password 1');
    await form.getByLabel('Role').selectOption('viewer');
    await form.getByRole('button', { name: 'Create user' }).click();
    await page.getByTestId('user-vera').waitFor();
    expect(await page.getByTestId('user-admin').getByLabel('Role').inputValue()).toBe('admin');
    expect(await page.getByTestId('user-vera').getByLabel('Role').inputValue()).toBe('viewer');
    await shot('users');
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByTestId('audit').getByText('user.created').waitFor();
    await page.getByTestId('audit').getByText('target.created').waitFor();
    await shot('audit');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login/);
  });

  it('logs the viewer in, refuses them a write, and logs them out', async () => {
    await page.getByLabel('Username').fill('vera');
    await page.getByLabel('Password').fill('viewer password 1');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByTestId('who').getByText('vera · viewer').waitFor();
    expect(await page.getByRole('link', { name: 'Users' }).count()).toBe(0);

    // The users screen is not theirs: the router sends them back to the grid ...
    await page.goto(`${meshping.url}/users`);
    await page.waitForURL(`${meshping.url}/`);
    // ... and the API refuses the write itself, CSRF token and all.
    const refused = await page.evaluate(async () => {
      const csrf = /XSRF-TOKEN=([^;]+)/.exec(document.cookie)?.[1] ?? '';
      const res = await fetch('/api/users', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-xsrf-token': csrf },
        body: JSON.stringify({ username: 'mallory', password: 'mallory password', role: 'admin' }),
      });
      return { status: res.status, body: await res.json() };
    });
    expect(refused).toEqual({ status: 403, body: expect.objectContaining({ message: 'This needs the admin role.' }) });

    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByTestId('account-username').getByText('vera').waitFor();
    await shot('account');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login/);
    expect(await page.evaluate(async () => (await fetch('/api/grid')).status)).toBe(401);
    expect(errors).toEqual([]);
  });
});
