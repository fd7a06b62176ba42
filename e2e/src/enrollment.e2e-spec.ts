import { getEnrollment, listAgents, rotateEnrollment } from '@meshping/api-client';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { AgentProcess } from './agent-process';
import { ApiSession } from './api';
import { GridPage } from './grid-page';
import { launchChromium } from './browser';
import { ARTIFACTS, MeshpingProcess } from './meshping-process';
import { until as poll } from './wait';

/** A second, real agent process enrolls with the join passphrase, is approved, and reconnects by key. */
describe('Agent enrollment with the real agent and server', () => {
  let meshping: MeshpingProcess;
  let browser: Browser;
  let context: BrowserContext;
  let api: ApiSession;
  let stateDir: string;
  const agents: AgentProcess[] = [];

  const list = () => listAgents({ client: api.client });
  const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> =>
    poll(what, probe, timeoutMs, { intervalMs: 200, detail: () => `agent output:\n${agents.flatMap((a) => a.output).join('')}` });

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    meshping = await MeshpingProcess.start();
    browser = await launchChromium();
    context = await browser.newContext({ ignoreHTTPSErrors: true });
    stateDir = mkdtempSync(join(tmpdir(), 'meshping-agent-state-'));
    // The admin signs in through the API; the browser shares that session (the screens below need it).
    api = await ApiSession.setUp(meshping, await meshping.setupCode());
    expect(api.lastStatus).toBe(200);
    await context.addCookies(api.browserCookies());
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await browser?.close();
    if (meshping) await meshping.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('registers with the passphrase, waits as pending, probes once approved, and comes back by key alone', async () => {
    const enrollment = await getEnrollment({ client: api.client });
    expect(enrollment.passphrase).toMatch(/^mpj1\./);

    const first = AgentProcess.start({ MESHPING_PASSPHRASE: enrollment.passphrase, MESHPING_AGENT_STATE_DIR: stateDir, MESHPING_AGENT_HOSTNAME: 'remote-1' });
    agents.push(first);
    const pending = await until('a pending remote-1', async () => (await list()).find((a) => a.hostname === 'remote-1' && a.state === 'pending' && a.online));
    expect(statSync(join(stateDir, 'identity.json')).mode & 0o777).toBe(0o600);

    // An admin approves it on the agents screen; its row appears in the grid and turns green.
    const page = await context.newPage();
    await page.goto(`${meshping.url}/registration`);
    await page.getByTestId('agent-command').getByText(enrollment.passphrase).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'registration.png'), fullPage: true });
    await page.getByRole('link', { name: 'Agents' }).click();
    const row = page.getByTestId('agent-remote-1');
    await row.waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'agents-pending.png'), fullPage: true });
    await row.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('tab', { name: /approved/ }).click();
    await page.getByTestId('agent-remote-1').getByText('online').waitFor();
    await page.getByRole('link', { name: 'Grid' }).click();
    const grid = new GridPage(page);
    await page.getByTestId('grid-summary').getByText(/2 agents × 2 targets/).waitFor();
    await grid.focusCell('remote-1', '127.0.0.1');
    await grid.waitStatus('ok');
    await grid.filter('');
    await page.screenshot({ path: join(ARTIFACTS, 'live-grid-two-agents.png'), fullPage: true });

    await first.stop();
    await until('remote-1 offline', async () => ((await list()).find((a) => a.id === pending.id)?.online === false ? true : undefined));
    // The grid marks it: its cells go grey and say why (the row header carries an "offline" tag).
    await grid.focusCell('remote-1', '127.0.0.1');
    expect(await grid.waitStatus('unknown')).toBe('remote-1 → 127.0.0.1: no data (agent offline)');
    await grid.filter('');
    await page.screenshot({ path: join(ARTIFACTS, 'live-grid-agent-offline.png'), fullPage: true });
    // No passphrase, no URL, no fingerprint: the agent remembered its server and certificate.
    const second = AgentProcess.start({ MESHPING_AGENT_STATE_DIR: stateDir, MESHPING_AGENT_HOSTNAME: 'remote-1' });
    agents.push(second);
    const back = await until('remote-1 back online', async () => (await list()).find((a) => a.id === pending.id && a.online));
    expect(back.state).toBe('approved');
    expect((await list()).filter((a) => a.hostname === 'remote-1')).toHaveLength(1);
  });

  it('stops an agent at once, with a clear message, when the certificate does not match the pin', async () => {
    const wrong = 'AB'.repeat(32);
    const agent = AgentProcess.start({ MESHPING_SERVER_URL: meshping.url, MESHPING_SERVER_FINGERPRINT: wrong, MESHPING_AGENT_STATE_DIR: stateDir });
    agents.push(agent);
    expect(await agent.exited()).toBe(1);
    expect(agent.output.join('')).toContain('does not match MESHPING_SERVER_FINGERPRINT');
  });

  it('stops an agent whose passphrase was rotated away, saying so', async () => {
    const old = (await getEnrollment({ client: api.client })).passphrase;
    const rotated = await rotateEnrollment({ client: api.client });
    expect(api.lastStatus).toBe(200);
    expect(rotated.passphrase).not.toBe(old);
    const agent = AgentProcess.start({ MESHPING_PASSPHRASE: old, MESHPING_AGENT_STATE_DIR: mkdtempSync(join(tmpdir(), 'meshping-agent-state-')) });
    agents.push(agent);
    expect(await agent.exited()).toBe(1);
    expect(agent.output.join('')).toContain('the server refused the registration');
  });
});
