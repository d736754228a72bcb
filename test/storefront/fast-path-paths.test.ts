import { describe, expect, it } from 'vitest';
import { regions } from '../../regions/index.ts';
import { CredentialCache } from '../../src/http/credentials.ts';
import { RateLimiter } from '../../src/ratelimit/limiter.ts';
import { storefrontFastPath, type MinimalRequest } from '../../src/storefront/fast-path.ts';
import { ViewCache } from '../../src/storefront/view-cache.ts';

/** The fast path's reading of a request line and its headers, on its own parts (no store is involved). */
describe('the storefront fast path, on its own', () => {
  const region = regions.find((r) => r.id === 'eu-central-1')!;
  const clock = { now: Date.parse('2026-12-01T10:00:00Z') };
  const now = () => clock.now;
  const views = new ViewCache(60_000, 1000, now);
  const credentials = new CredentialCache(now);
  credentials.set('key-1', { kind: 'apiKey', keyId: 'k1', scopes: new Set(['admin']), limit: { tier: 'unlimited' } });
  const fast = storefrontFastPath({ region, views, credentials, limiter: new RateLimiter({ region: region.id }), now });
  const id = 'cus_eu_0123456789abcdefghjk';
  const body = new TextEncoder().encode('{"ok":true}');
  views.put(id, 'predictions', '', { body, etag: '"e1"', computedAt: clock.now - 5_000 });
  const get = (url: string, method = 'GET'): MinimalRequest => ({ method, url, header: (n) => (n === 'authorization' ? 'Bearer key-1' : undefined) });

  it('answers the cached view, with an Age that moves with the clock', () => {
    const first = fast(get(`/v1/customers/${id}/predictions`))!;
    expect([first.status, first.headers.age, first.headers.etag, first.headers['content-type'], first.body]).toEqual([200, '5', '"e1"', 'application/json', body]);
    clock.now += 2_000;
    expect(fast(get(`/v1/customers/${id}/predictions`))!.headers.age).toBe('7');
    clock.now -= 2_000;
  });

  it('answers HEAD without a body', () => {
    const head = fast(get(`/v1/customers/${id}/predictions`, 'HEAD'))!;
    expect([head.status, head.body]).toEqual([200, undefined]);
  });

  it.each([
    `/v1/customers/${id}/predictions/`,
    `/v1/customers/${id}/predictions/extra`,
    `/v1/customers/${id}/constructor`,
    `/v1/customers/${id}/__proto__`,
    `/v1/customers//predictions`,
    `/v1/customers/${id}`,
    `/v1/customers/${id}/predictions?limit=1`,
    `/v1/customers/cus_row_0123456789abcdefghjk/predictions`,
    `/v2/customers/${id}/predictions`,
  ])('leaves %s to the app', (url) => {
    expect(fast(get(url))).toBeUndefined();
  });
});
