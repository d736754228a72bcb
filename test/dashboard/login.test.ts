import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EDGE_REGION_HEADER } from '../../src/hosting/edge-router.ts';
import { SESSION_COOKIE } from '../../src/dashboard/session.ts';
import { EXPERIMENT_KEY, HOSTILE_NAME, startDashboardStack, type DashboardStack } from './stack.ts';

/** The operator page over HTTP (no browser): login, session cookie, bad input, escaping, jurisdictions. */
describe('operator page: login and session (Node entry, dynalite)', () => {
  let s: DashboardStack;
  beforeAll(async () => {
    s = await startDashboardStack();
  }, 180_000);
  afterAll(async () => s?.close());

  const form = (body: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${s.url}/dashboard/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: s.url, ...headers }, body: new URLSearchParams(body) });
  const cookieOf = (res: Response) => res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  async function login(key: string): Promise<string> {
    const res = await form({ key });
    expect(res.status).toBe(303);
    return cookieOf(res)!.split(';')[0]!;
  }

  it('redirects to the login form without a session, and with a forged one', async () => {
    for (const cookie of [undefined, `${SESSION_COOKIE}=${encodeURIComponent('{"keyId":"x","scopes":["admin"],"exp":9999999999}.c2lnbmF0dXJl')}`]) {
      const res = await fetch(`${s.url}/dashboard`, { redirect: 'manual', headers: cookie ? { cookie } : {} });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/dashboard/login');
    }
    const page = await fetch(`${s.url}/dashboard/login`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post" action="/dashboard/login">');
  });

  it('refuses a wrong key, a customer token and a key without ops:read, each with its message', async () => {
    const wrong = await form({ key: 'cad_aaaaaaaaaaaa_' + 'x'.repeat(40) });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('That key is not valid');
    const token = await s.api.call('POST', `/v1/customers/${s.customers.EU[0]}/tokens`, { key: s.stores.adminKey, body: { ttlSeconds: 600 } });
    expect(token.status).toBe(201);
    const customer = await form({ key: token.body.token });
    expect(customer.status).toBe(403);
    expect(await customer.text()).toContain('A customer token cannot open the operator page');
    const narrow = await form({ key: await s.stores.key(['segments:read', 'experiments:read']) });
    expect(narrow.status).toBe(403);
    expect(await narrow.text()).toContain('lacks the ops:read scope');
    for (const res of [wrong, customer, narrow]) expect(cookieOf(res)).toBeUndefined();
  });

  it('answers bad bodies with 4xx: an HTML form error, or problem+json for what is not a form', async () => {
    const empty = await form({});
    expect(empty.status).toBe(400);
    expect(empty.headers.get('content-type')).toContain('text/html');
    expect(await empty.text()).toContain('Enter an API key');
    const extra = await form({ key: 'cad_x', admin: 'true' });
    expect(extra.status).toBe(400);
    const json = await fetch(`${s.url}/dashboard/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: s.url }, body: '{"key":"cad_x"}' });
    expect(json.status).toBe(415);
    expect(json.headers.get('content-type')).toBe('application/problem+json');
    const huge = await form({ key: 'x'.repeat(10_000) });
    expect(huge.status).toBe(413);
    const broken = await fetch(`${s.url}/dashboard/login`, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=nope', origin: s.url }, body: '--nope\r\ngarbage' });
    expect(broken.status).toBe(400);
  });

  it('refuses a cross-site login or logout post (CSRF), and changes nothing', async () => {
    const res = await form({ key: s.stores.adminKey }, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' });
    expect(res.status).toBe(403);
    expect((await res.json()).code).toBe('dashboard.crossSite');
    expect(cookieOf(res)).toBeUndefined();
    const cookie = await login(s.stores.adminKey);
    const out = await fetch(`${s.url}/dashboard/logout`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' }, body: '' });
    expect(out.status).toBe(403);
    expect((await fetch(`${s.url}/dashboard`, { redirect: 'manual', headers: { cookie } })).status).toBe(200);
  });

  it('sets an HttpOnly, SameSite=Strict session cookie that carries no key, and ends it at logout', async () => {
    const key = await s.stores.key(['ops:read']);
    const res = await form({ key });
    const set = cookieOf(res)!;
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    expect(set).toMatch(/Path=\/dashboard/);
    expect(set).toMatch(/Max-Age=1800/);
    expect(set).not.toMatch(/Secure/); // plain http here; https sets it
    expect(decodeURIComponent(set)).not.toContain(key.split('_')[2]!);
    const cookie = set.split(';')[0]!;
    const page = await fetch(`${s.url}/dashboard`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const out = await fetch(`${s.url}/dashboard/logout`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', origin: s.url }, body: '' });
    expect(out.status).toBe(303);
    expect(cookieOf(out)).toMatch(/Max-Age=0/);
  });

  it('escapes shop-provided names in the markup and in the embedded JSON', async () => {
    const cookie = await login(s.stores.adminKey);
    const html = await (await fetch(`${s.url}/dashboard?jurisdiction=EU`, { headers: { cookie } })).text();
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<b>copy</b>');
    const json = /<script type="application\/json" id="dashboard-data">([^<]*)<\/script>/.exec(html);
    expect(json).not.toBeNull();
    const data = JSON.parse(json![1]!);
    const labels = Object.values(data.charts as Record<string, { data: { labels: string[] } }>).map((c) => c.data.labels);
    expect(labels).toContainEqual(['control', 'Short <b>copy</b>']);
    expect(json![1]).toContain('\\u003cb\\u003e');
    expect(html).toContain(HOSTILE_NAME.replace(/[<>&]/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[ch]!));
  });

  it("serves each jurisdiction's figures in that jurisdiction, whichever edge the request enters", async () => {
    const cookie = await login(s.stores.adminKey);
    for (const [edge, j, served] of [['us-east-1', 'EU', 'eu-central-1'], ['eu-central-1', 'ROW', 'us-east-1'], ['eu-west-1', undefined, 'eu-west-1']] as const) {
      const res = await fetch(`${s.url}/dashboard${j ? `?jurisdiction=${j}` : ''}`, { headers: { cookie, [EDGE_REGION_HEADER]: edge } });
      expect(res.status).toBe(200);
      expect(res.headers.get('cadence-served-by')).toBe(served);
      const html = await res.text();
      expect(html).toContain(`served by ${served}`);
      // Every section has its figures (none says "Not available").
      expect(html).not.toContain('Not available');
      // Accuracy in production: the weeks GET /v1/ops/accuracy serves for this jurisdiction, or the note that there are none.
      const accuracy = await fetch(`${s.url}/v1/ops/accuracy?jurisdiction=${j ?? 'EU'}`, { headers: { authorization: `Bearer ${s.stores.adminKey}` } });
      expect(accuracy.status).toBe(200);
      const weeks = ((await accuracy.json()) as { weeks: { week: string }[] }).weeks;
      if (weeks.length === 0) expect(html).toContain('Accuracy in production: no scored snapshot yet');
      for (const w of weeks.slice(-8)) expect(html).toContain(w.week);
    }
    const bad = await fetch(`${s.url}/dashboard?jurisdiction=MARS`, { headers: { cookie } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
  });

  it('answers the experiment sums only with a session', async () => {
    const none = await fetch(`${s.url}/dashboard/experiments/${EXPERIMENT_KEY}/stats?jurisdiction=ROW&phase=1`);
    expect(none.status).toBe(401);
    const cookie = await login(s.stores.adminKey);
    const ok = await fetch(`${s.url}/dashboard/experiments/${EXPERIMENT_KEY}/stats?jurisdiction=ROW&phase=1`, { headers: { cookie } });
    expect(ok.status).toBe(200);
    expect((await ok.json()).jurisdiction).toBe('ROW');
  });
});
