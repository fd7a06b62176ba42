import { ApiError, createUser, getGrid, listAgents } from '@meshping/api-client';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ApiSession } from './api';
import { launchChromium } from './browser';
import { GridPage } from './grid-page';
import { ARTIFACTS, MeshpingProcess } from './meshping-process';
import { TestNetwork } from './test-network';

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
  let grid: GridPage;
  /** The local agent's hostname (this machine's). */
  let local = '';
  /** A namespace of this test's own whose address never answers (the red cell); removed in afterAll. */
  let network: TestNetwork | undefined;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    network = await TestNetwork.create();
    meshping = await MeshpingProcess.start();
    browser = await launchChromium();
    context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 720 } });
    page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    grid = new GridPage(page);
  });

  afterAll(async () => {
    try {
      await browser?.close();
      if (meshping) expect(await meshping.stop()).toBe(0);
    } finally {
      await network?.remove();
    }
  });

  const expect_text = async (locator: { textContent(): Promise<string | null> }, pattern: RegExp) =>
    expect((await locator.textContent())?.replace(/\s+/g, ' ')).toMatch(pattern);
  const addTarget = async (address: string, name: string) => {
    await page.getByRole('link', { name: 'Targets' }).click();
    const form = page.getByTestId('add-target');
    await form.getByLabel(/^Address/).fill(address);
    await form.getByLabel(/^Name/).fill(name);
    await form.getByRole('button', { name: 'Add target' }).click();
    await page.getByTestId(`target-${address}`).waitFor();
  };
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
    await page.getByLabel('Setup code').fill(await meshping.setupCode());
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel(/^Password/).fill('admin password 1');
    await shot('setup');
    await page.getByRole('button', { name: 'Create admin and log in' }).click();
    await page.waitForURL(`${meshping.url}/`);
    await page.getByTestId('who').getByText('admin · admin').waitFor();
  });

  it('shows the local agent as a row whose cells for 127.0.0.1 and ::1 turn green', async () => {
    await grid.grid.waitFor({ timeout: 20_000 });
    local = (await listAgents({ client: (await ApiSession.ofBrowser(context, meshping)).client })).find((a) => a.local)?.hostname ?? '';
    expect(local).not.toBe('');
    await page.getByTestId('grid-summary').getByText(/1 agent × 2 targets/).waitFor({ timeout: 20_000 });
    // Probes run every 5 s on the interval boundary, results flow every second: green within ~12 s.
    await grid.focusCell(local, '127.0.0.1');
    expect(await grid.waitStatus('ok')).toMatch(/→ 127\.0\.0\.1: \d+\.\d\d ms, within the 100 ms threshold/);
    await grid.focusCell(local, '::1');
    await grid.waitStatus('ok');
    await grid.filter('');
    await shot('live-grid-desktop');
  });

  it("shows a pair's last hour on hover (chart and stats), pinned by a click with a 24 h choice", async () => {
    await grid.filter('127.0.0.1');
    const point = await grid.cellPoint(0, 0);
    await page.mouse.move(point.x, point.y);
    const chart = page.locator('mp-pair-chart');
    await chart.getByText(/→ 127\.0\.0\.1/).waitFor();
    await chart.locator('[data-testid="pair-chart"] canvas').waitFor();
    expect(Number(await chart.getByTestId('pair-count').textContent())).toBeGreaterThanOrEqual(1);
    await expect_text(chart.getByTestId('pair-stats'), /loss\s*0 %/);
    await shot('live-grid-hover');
    await page.mouse.click(point.x, point.y);
    await chart.getByRole('button', { name: '24 h' }).click();
    await chart.getByTestId('pair-count').waitFor();
    const shownCount = Number(await chart.getByTestId('pair-count').textContent());
    expect(shownCount).toBeGreaterThanOrEqual(1);
    await shot('live-grid-hover-pinned');
    // The shown window's samples as a file, streamed by the server through the generated client.
    const [pairFile] = await Promise.all([page.waitForEvent('download'), chart.getByTestId('pair-export-csv').click()]);
    expect(pairFile.suggestedFilename()).toMatch(/^meshping-.+-127\.0\.0\.1-\d{4}-\d{2}-\d{2}T\d{4}\.csv$/);
    const pairCsv = readFileSync(await pairFile.path(), 'utf8').trimEnd().split('\r\n');
    expect(pairCsv[0]).toBe('at_iso,at_ms,rtt_us,status');
    expect(pairCsv.length - 1).toBeGreaterThanOrEqual(shownCount);
    expect(pairCsv.slice(1).every((row) => row.endsWith(',reply'))).toBe(true); // loopback answers every probe
    await chart.getByRole('button', { name: 'Close' }).click();
    await chart.waitFor({ state: 'detached' });
    // From the keyboard: arrows move without opening charts, Enter pins one, Escape closes it.
    await page.mouse.move(0, 0);
    await grid.focusCell(local, '127.0.0.1');
    expect(await chart.count()).toBe(0);
    await page.keyboard.press('Enter');
    await chart.getByText(/→ 127\.0\.0\.1/).waitFor();
    await chart.getByRole('button', { name: '24 h' }).waitFor();
    await page.keyboard.press('Escape');
    await chart.waitFor({ state: 'detached' });
    await grid.filter('');
  });

  it('adds a target on the targets screen; its column appears in the grid within 2 s and turns green', async () => {
    await addTarget('127.0.0.3', 'loop three');
    const bad = page.getByTestId('add-target');
    await bad.getByLabel(/^Address/).fill('1.2.3.999');
    await bad.getByRole('button', { name: 'Add target' }).click();
    await page.getByRole('alert').getByText('address must be an IPv4 address, an IPv6 address or a hostname.').waitFor();
    await bad.getByLabel(/^Address/).fill('');
    await shot('targets');

    await page.getByRole('link', { name: 'Grid' }).click();
    await page.getByTestId('grid-summary').getByText(/1 agent × 3 targets/).waitFor({ timeout: 2000 });
    await grid.focusCell(local, 'loop three');
    await grid.waitStatus('ok');
  });

  it('turns a target that does not answer red, on the canvas and in words', async () => {
    // The far end of this test's veth pair: on-link and up, but its namespace ignores echo requests,
    // so the probes stay on this machine and get no reply. (An address without any route would get
    // a send error instead: grey, not red.)
    if (!network) throw new Error('the test network was not set up');
    await addTarget(network.silentAddress, 'nobody home');
    await page.getByRole('link', { name: 'Grid' }).click();
    await grid.focusCell(local, 'nobody home');
    expect(await grid.waitStatus('down', 30_000)).toBe(`${local} → nobody home: no reply`);
    // And the canvas paints it red: the grid filtered to that column, its one cell's corner.
    await grid.filter('nobody home');
    const [r, g] = await grid.pixel(0, 0);
    expect(r > 180 && g < 110).toBe(true);
    await grid.filter('');
    await page.getByTestId('grid-summary').getByText(/1 slow or unanswered/).waitFor();
    await shot('live-grid-red');

    // The default "Unreachable" rule opens an incident for it (3 no-replies in a row): the grid names
    // it above the cells, outlines the cell, and the pair's line links to it on the Alerts screen.
    const banner = page.getByTestId('grid-incidents');
    await banner.getByText(/1 open incident/).waitFor({ timeout: 45_000 });
    await banner.getByRole('link', { name: /nobody home .*unreachable for 1 agent/ }).waitFor();
    await grid.focusCell(local, 'nobody home');
    const link = page.getByTestId('cell-incident');
    await link.waitFor();
    expect(await link.textContent()).toMatch(/nobody home .*unreachable for 1 agent/);
    await grid.filter('nobody home');
    const [ir, , ib] = await grid.pixel(0, 0, 'edge');
    expect(ir > 120 && ib > 140).toBe(true); // the incident's purple outline, not the cell's red
    await grid.filter('');
    await shot('live-grid-incident');
    await link.click();
    await page.waitForURL(/\/alerts\?incident=\d+$/);
    const row = page.getByTestId('open-incidents').locator('tr.focused');
    await row.getByText(/nobody home .*unreachable for 1 agent/).waitFor();
    expect(await row.count()).toBe(1);
    await shot('alerts-incident-linked');
  });

  it("colours a reply over the target's own threshold yellow, and the global threshold is set on the settings screen", async () => {
    await page.getByRole('link', { name: 'Targets' }).click();
    const row = page.getByTestId('target-127.0.0.3');
    await row.getByRole('button', { name: 'Edit' }).click();
    await row.getByLabel('Threshold (ms)').fill('0.001'); // 1 µs: no reply is that fast
    await row.getByRole('button', { name: 'Save' }).click();
    await row.getByText('0.001 ms').waitFor();
    await page.getByRole('link', { name: 'Grid' }).click();
    await grid.focusCell(local, 'loop three');
    expect(await grid.waitStatus('slow')).toMatch(/loop three: \d+\.\d\d ms, over the 0\.001 ms threshold/);
    await grid.filter('');
    await shot('live-grid-yellow');

    await page.getByRole('link', { name: 'Settings' }).click();
    const settings = page.getByTestId('settings');
    await settings.getByLabel('Latency threshold (ms)').fill('5000');
    await settings.getByText(/between 0\.001 and 3000/).waitFor();
    expect(await settings.getByRole('button', { name: 'Save settings' }).isDisabled()).toBe(true);
    await settings.getByLabel('Latency threshold (ms)').fill('0.001');
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await settings.getByRole('status').getByText('Saved.', { exact: false }).waitFor();
    await shot('settings');
    // Every loopback reply is now over the global threshold: 127.0.0.1 turns yellow without a reload.
    await page.getByRole('link', { name: 'Grid' }).click();
    await grid.focusCell(local, '127.0.0.1');
    await grid.waitStatus('slow');
    await page.getByRole('link', { name: 'Settings' }).click();
    await settings.getByLabel('Latency threshold (ms)').fill('100');
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await settings.getByRole('status').waitFor();
    await page.getByRole('link', { name: 'Grid' }).click();
  });

  it('draws every screen at desktop and phone sizes, light and dark (screenshots for review)', async () => {
    // Each screen with what shows that its data has arrived (not just its heading).
    const screens: [string, string, (p: Page) => Promise<void>][] = [
      // The layout, then the cells' state: loop three is yellow (its own threshold), nobody home red.
      ['grid', '/', async (p) => {
        await p.getByTestId('grid-summary').getByText(/1 agent × 4 targets/).waitFor();
        await p.getByTestId('grid-summary').getByText(/2 slow or unanswered/).waitFor();
      }],
      ['agents', '/agents', async (p) => {
        await p.getByRole('tab', { name: /approved \(1\)/ }).click();
        await p.getByTestId(`agent-${local}`).waitFor();
      }],
      ['registration', '/registration', (p) => p.getByTestId('agent-command').waitFor()],
      ['targets', '/targets', (p) => p.getByTestId('target-127.0.0.3').waitFor()],
      ['alerts', '/alerts', async (p) => {
        await p.getByTestId('alert-rules').getByText('Unreachable').waitFor();
        await p.getByTestId('channels').waitFor();
      }],
      // The log has the red target's column and its pair (silent -> down).
      ['state-changes', '/state-changes', (p) => p.getByTestId('state-changes').getByText('nobody home', { exact: true }).first().waitFor()],
      ['users', '/users', (p) => p.getByTestId('user-admin').waitFor()],
      ['audit', '/audit', (p) => p.getByTestId('audit').getByText('target.created').first().waitFor()],
      ['tokens', '/tokens', (p) => p.getByTestId('create-token').getByText('monitoring:read').waitFor()],
      ['settings', '/settings', async (p) => {
        await p.getByTestId('settings').getByLabel('Keep samples for (hours)').waitFor();
        expect(Number(await p.getByLabel('Keep samples for (hours)').inputValue())).toBeGreaterThanOrEqual(1);
      }],
      ['account', '/account', (p) => p.getByTestId('account-username').getByText('admin').waitFor()],
    ];
    const sizes = [
      { name: 'desktop', width: 1280, height: 800 },
      { name: 'phone', width: 390, height: 844 },
    ];
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      for (const size of sizes) {
        await page.setViewportSize({ width: size.width, height: size.height });
        for (const [name, path, ready] of screens) {
          await page.goto(`${meshping.url}${path}`);
          await page.locator('main h1, main h2').first().waitFor();
          await ready(page);
          expect(await page.getByText('Loading…').count()).toBe(0);
          if (name === 'grid') {
            // The canvas follows the page's colours: its background is the theme's, not the other one.
            const bg = await page.evaluate(() => {
              const c = document.querySelector('mp-grid-canvas canvas') as HTMLCanvasElement;
              const pixel = c.getContext('2d')?.getImageData(c.width - 2, c.height - 2, 1, 1).data ?? [];
              return pixel[0] + pixel[1] + pixel[2];
            });
            expect(colorScheme === 'dark' ? bg < 200 : bg > 600).toBe(true);
          }
          await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
          await page.screenshot({ path: join(ARTIFACTS, `screen-${name}-${size.name}-${colorScheme}.png`), fullPage: true });
          if (name === 'grid') {
            // The hover chart of the silent target (columns by name: ::1, 127.0.0.1, loop three, nobody home).
            const cell = await grid.cellPoint(0, 3);
            await page.mouse.move(cell.x, cell.y);
            const chart = page.locator('mp-pair-chart');
            await chart.getByText(/→ nobody home/).waitFor();
            await chart.locator('[data-testid="pair-chart"] canvas').waitFor();
            await expect_text(chart.getByTestId('pair-stats'), /last\s*no reply\s*loss\s*100 %/);
            await expect_text(chart.getByTestId('pair-changes'), /Last changes.*silent → down/);
            await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
            await page.screenshot({ path: join(ARTIFACTS, `screen-grid-chart-${size.name}-${colorScheme}.png`), fullPage: true });
            await page.mouse.move(0, 0);
          }
        }
      }
      const anonymous = await browser.newContext({ ignoreHTTPSErrors: true, colorScheme, viewport: { width: 390, height: 844 } });
      const login = await anonymous.newPage();
      await login.goto(`${meshping.url}/login`);
      await login.getByRole('button', { name: 'Log in' }).waitFor();
      await login.screenshot({ path: join(ARTIFACTS, `screen-login-phone-${colorScheme}.png`), fullPage: true });
      await login.setViewportSize({ width: 1280, height: 800 });
      await login.screenshot({ path: join(ARTIFACTS, `screen-login-desktop-${colorScheme}.png`), fullPage: true });
      await anonymous.close();
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.goto(`${meshping.url}/`);
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
    await page.getByTestId('audit').getByText('target.created').first().waitFor();
    await shot('audit');
    const [auditFile] = await Promise.all([page.waitForEvent('download'), page.getByTestId('audit-export').getByRole('button', { name: 'JSON' }).click()]);
    expect(auditFile.suggestedFilename()).toMatch(/^meshping-audit-\d{4}-\d{2}-\d{2}-30d\.json$/);
    const exported = JSON.parse(readFileSync(await auditFile.path(), 'utf8')) as { action: string; subject: string | null }[];
    expect(exported.map((e) => e.action)).toEqual(expect.arrayContaining(['user.created', 'target.created']));
    expect(exported.find((e) => e.action === 'user.created' && e.subject === 'user:vera')).toBeDefined();
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
    // ... and the API refuses the write itself, with the browser's session, CSRF token and all.
    const vera = await ApiSession.ofBrowser(context, meshping);
    const refused = await createUser({ client: vera.client, body: { username: 'mallory', password: 'mallory password', role: 'admin' } }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ status: 403, body: expect.objectContaining({ message: 'This needs the admin role.' }) });

    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByTestId('account-username').getByText('vera').waitFor();
    await shot('account');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login/);
    const loggedOut = await ApiSession.ofBrowser(context, meshping);
    const refusedGrid = await getGrid({ client: loggedOut.client }).catch((e: unknown) => e);
    expect(refusedGrid).toBeInstanceOf(ApiError);
    expect(refusedGrid).toMatchObject({ status: 401 });
    expect(errors).toEqual([]);
  });
});
