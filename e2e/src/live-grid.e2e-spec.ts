import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from './browser';
import { ARTIFACTS, MeshpingProcess } from './meshping-process';

describe('README first command: the live grid with the local agent (server + agent + Chromium)', () => {
  let meshping: MeshpingProcess;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    meshping = await MeshpingProcess.start();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    if (meshping) expect(await meshping.stop()).toBe(0);
  });

  it('shows the local agent as a row whose cells for 127.0.0.1 and ::1 turn green', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${meshping.url}/`);

    const row = page.locator('[data-testid^="row-"]').first();
    await row.waitFor({ timeout: 20_000 });
    await row.getByText('local', { exact: true }).waitFor();

    const headers = await page.locator('th.target').allTextContents();
    expect(headers.map((h) => h.trim())).toEqual(['127.0.0.1', '::1']);

    // Probes run every 5 s on the interval boundary, results flow every second: green within ~12 s.
    const cells = row.locator('td.cell');
    expect(await cells.count()).toBe(2);
    for (let i = 0; i < 2; i++) {
      await row.locator(`td.cell:nth-of-type(${i + 1})[data-status="ok"]`).waitFor({ timeout: 20_000 });
    }
    expect(await cells.first().getAttribute('title')).toMatch(/→ 127\.0\.0\.1: \d+\.\d\d ms/);
    await page.screenshot({ path: join(ARTIFACTS, 'live-grid-desktop.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
