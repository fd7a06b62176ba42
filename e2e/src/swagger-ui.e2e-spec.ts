import { getSettings } from '@meshping/api-client';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { ApiSession } from './api';
import { launchChromium } from './browser';
import { ARTIFACTS, MeshpingProcess } from './meshping-process';

/**
 * The OpenAPI document's security schemes work from Swagger UI (/api/docs): "Try it out" on
 * completeSetup signs the browser in (session cookie), and a write tried out afterwards carries the
 * CSRF token by itself (the page's request interceptor copies the XSRF-TOKEN cookie); nothing to
 * paste under Authorize.
 */
describe('Swagger UI, the API docs page (built server, Chromium)', () => {
  let server: MeshpingProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    server = await MeshpingProcess.start({}, 'dist/server/main.js');
    browser = await launchChromium();
    page = await (await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } })).newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** Opens an operation, presses "Try it out", puts the body in, executes it; the status Swagger UI shows. */
  async function tryOut(operation: string, body: unknown): Promise<string> {
    const op: Locator = page.locator(`#operations-${operation}`);
    await op.locator('.opblock-summary').click();
    await op.getByRole('button', { name: 'Try it out' }).click();
    await op.locator('textarea.body-param__text').fill(JSON.stringify(body));
    await op.getByRole('button', { name: 'Execute' }).click();
    return ((await op.locator('.live-responses-table tbody .response-col_status').first().textContent()) ?? '').trim();
  }

  it('signs in with "Try it out" and then makes a write without pasting the CSRF token', async () => {
    // The docs page (HTML), not a REST call.
    // eslint-disable-next-line no-restricted-syntax
    await page.goto(`${server.url}/api/docs`);
    expect(await tryOut('auth-completeSetup', { setupCode: await server.setupCode(), username: 'admin', password: 'admin password 1' })).toBe('200');
    expect(await tryOut('settings-updateSettings', { latencyThresholdMs: 150 })).toBe('200');
    await page.screenshot({ path: join(ARTIFACTS, 'swagger-ui-write.png') });
    // The write reached the server.
    const admin = await ApiSession.logIn(server);
    expect((await getSettings({ client: admin.client })).latencyThresholdMs).toBe(150);
  }, 60_000);
});
