import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboardStack, type DashboardStack } from './stack.ts';

/** Debian's chromium (`apt-get install -y chromium`; `.ci/run` installs it). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`SKIPPED: the operator page's browser test needs Chromium at ${CHROMIUM} (apt-get install -y chromium; .ci/run installs it)`);

const root = resolve(new URL('../../', import.meta.url).pathname);
const SCREENSHOT = join(root, 'test-output', 'dashboard.png');
/** `npm run screenshot:dashboard` sets this: the README's picture is taken by this test. */
const README_SCREENSHOT = process.env.DASHBOARD_SCREENSHOT;

/** What Chromium needs to run here: no sandbox (root), no GPU, and no background connections (refused here). */
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

describe.skipIf(!haveChromium)('operator page in headless Chromium', () => {
  let s: DashboardStack;
  let browser: BrowserContext;
  let profile: string;
  beforeAll(async () => {
    s = await startDashboardStack();
    profile = mkdtempSync(join(tmpdir(), 'cadence-chromium-'));
    // A fresh profile directory per run (playwright passes it as --user-data-dir).
    browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: FLAGS, headless: true, viewport: { width: 1360, height: 1000 }, deviceScaleFactor: 1 });
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await s?.close();
  });

  /** Console errors, failed requests and error answers of the page's own loads, collected from here on. */
  function watch(page: Page) {
    const problems: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && problems.push(`console: ${m.text()}`)));
    page.on('pageerror', (e) => void problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => void problems.push(`failed: ${r.url()} ${r.failure()?.errorText}`));
    page.on('response', (r) => void (r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`)));
    return problems;
  }

  async function login(page: Page, key: string) {
    await page.fill('#key', key);
    const [res] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/dashboard/login')), page.click('button[type=submit]')]);
    await page.waitForLoadState('load');
    return res.status();
  }

  /** Every canvas drawn by Chart.js and with visible pixels; returns how many. */
  async function chartsDrawn(page: Page): Promise<number> {
    await page.waitForSelector('body[data-charts-drawn]', { timeout: 20_000 });
    const canvases = await page.$$eval('canvas[data-chart]', (els) =>
      els.map((el) => {
        const c = el as HTMLCanvasElement;
        const pixels = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) painted++;
        return { name: c.dataset.chart, width: c.width, height: c.height, painted };
      }),
    );
    const drawn = Number(await page.getAttribute('body', 'data-charts-drawn'));
    expect(drawn).toBe(canvases.length);
    for (const c of canvases) {
      expect(c.width * c.height, c.name).toBeGreaterThan(0);
      expect(c.painted, `${c.name} has drawn pixels`).toBeGreaterThan(500);
    }
    return canvases.length;
  }

  it('requires a login: redirect, a bad key, a customer token and a key without ops:read are refused visibly', async () => {
    const page = await browser.newPage();
    await page.goto(`${s.url}/dashboard`);
    expect(new URL(page.url()).pathname).toBe('/dashboard/login');
    expect(await login(page, 'cad_nosuchkey000_' + 'A'.repeat(40))).toBe(401);
    expect(await page.textContent('#login-error')).toContain('That key is not valid');
    const token = await s.api.call('POST', `/v1/customers/${s.customers.ROW[0]}/tokens`, { key: s.stores.adminKey, body: { ttlSeconds: 600 } });
    expect(token.status).toBe(201);
    expect(await login(page, token.body.token)).toBe(403);
    expect(await page.textContent('#login-error')).toContain('customer token cannot open');
    expect(await login(page, await s.stores.key(['segments:read']))).toBe(403);
    expect(await page.textContent('#login-error')).toContain('lacks the ops:read scope');
    expect(await browser.cookies()).toEqual([]);
    await page.goto(`${s.url}/dashboard`);
    expect(new URL(page.url()).pathname).toBe('/dashboard/login');
    await page.close();
  });

  it('logs in through the form; every chart renders with no console error or failed request, in both jurisdictions', async () => {
    const page = await browser.newPage();
    await page.goto(`${s.url}/dashboard/login`);
    const problems = watch(page);
    const key = await s.stores.key(['ops:read']);
    expect(await login(page, key)).toBe(303);
    await page.waitForURL(`${s.url}/dashboard`);
    const [cookie] = await browser.cookies();
    expect(cookie).toMatchObject({ name: 'cadence_ops', httpOnly: true, sameSite: 'Strict', path: '/dashboard' });
    expect(cookie!.value).not.toContain(key.split('_')[2]!);
    expect(await page.textContent('#jurisdiction')).toBe('ROW');
    // segments, spend, cache, accuracy, live, and two experiments.
    expect(await chartsDrawn(page)).toBe(7);

    await Promise.all([page.waitForNavigation(), page.click('nav a[href="/dashboard?jurisdiction=EU"]')]);
    expect(await page.textContent('#jurisdiction')).toBe('EU');
    expect(await page.textContent('.who')).toContain('served by eu-central-1');
    expect(await chartsDrawn(page)).toBe(7);
    expect(await page.locator('.unavailable').count()).toBe(0);
    expect(problems).toEqual([]);

    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    if (README_SCREENSHOT) await page.screenshot({ path: resolve(root, README_SCREENSHOT), fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);

    await Promise.all([page.waitForNavigation(), page.click('form.logout button')]);
    expect(new URL(page.url()).pathname).toBe('/dashboard/login');
    await page.goto(`${s.url}/dashboard`);
    expect(new URL(page.url()).pathname).toBe('/dashboard/login');
    await page.close();
  });
});
