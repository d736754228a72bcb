import { describe, expect, it } from 'vitest';
import type { MinimalRequest } from '../../src/storefront/fast-path.ts';
import { useApi } from '../support/api.ts';

/**
 * Recommendations on the storefront fast path: a warm read of the same query is the full app's bytes,
 * only for whom the app would answer it, and never after the customer's data or the experiment changed.
 */
describe('recommendations on the storefront fast path', () => {
  const t = useApi();
  const decode = (b: Uint8Array | undefined) => new TextDecoder().decode(b);
  const request = (path: string, key: string, headers: Record<string, string> = {}): MinimalRequest => {
    const all: Record<string, string> = { authorization: `Bearer ${key}`, ...headers };
    return { method: 'GET', url: path, header: (n) => all[n] };
  };
  const eu = () => t.api.regions.get('eu-central-1')!.fastPath;
  const full = (path: string, key: string) => t.api.fetch(new Request(`http://cadence.test${path}`, { headers: { authorization: `Bearer ${key}`, 'cadence-edge-region': 'eu-central-1' } }));
  const order = (customerId: string, orderId: string, daysAgo: number, productId: string) => ({
    orderId,
    customerId,
    purchasedAt: new Date(Date.now() - daysAgo * 86_400_000).toISOString(),
    lines: [{ productId, quantity: 1, unitPrice: 8, currency: 'EUR' }],
  });
  let catalogued = false;
  const shopper = async () => {
    if (!catalogued) {
      for (const [id, category] of [['sf-coffee', 'coffee'], ['sf-filters', 'coffee'], ['sf-tea', 'tea']]) {
        await t.api.call('PUT', `/v1/products/${id}`, { key: t.admin, body: { name: id, category, price: 8, currency: 'EUR', packSize: 1, packUnit: 'item', consumable: true } });
      }
      catalogued = true;
    }
    const id = await t.newCustomer({ country: 'DE', consents: { profiling: true } });
    const orders = [order(id, 'a', 45, 'sf-coffee'), order(id, 'b', 30, 'sf-coffee'), order(id, 'c', 15, 'sf-coffee'), order(id, 'd', 20, 'sf-filters')];
    await t.api.call('POST', '/v1/purchases', { key: t.admin, body: { orders } });
    const token = (await t.api.call('POST', `/v1/customers/${id}/tokens`, { key: t.admin, body: {} })).body.token as string;
    return { id, token };
  };

  it('answers a warm read of the same query with the bytes and ETag the full app gave, for a recommendations:read key and the own token', async () => {
    const { id, token } = await shopper();
    const reader = await t.stores.key(['recommendations:read']);
    for (const query of ['', '?limit=3', '?context=product&productId=sf-coffee&limit=2']) {
      const path = `/v1/customers/${id}/recommendations${query}`;
      expect(eu()(request(path, reader)), query).toBeUndefined(); // cold: the app answers and fills the cache
      const res = await full(path, reader);
      const body = await res.text();
      expect([query, res.status]).toEqual([query, 200]);
      expect(JSON.parse(body).personalised).toBe(true);
      // The list is the same whoever asks: one view, served to the key and to the customer's own token.
      expect(await (await full(path, token)).text()).toBe(body); // (and the token is now verified)
      for (const key of [reader, token]) {
        const hit = eu()(request(path, key));
        expect(hit, query).toBeDefined();
        expect(decode(hit!.body)).toBe(body);
        expect(hit!.headers.etag).toBe(res.headers.get('etag'));
        expect(eu()(request(path, key, { 'if-none-match': hit!.headers.etag! }))!.status).toBe(304);
      }
    }
    // Another spelling of a query is another variant: the app answers it first.
    expect(eu()(request(`/v1/customers/${id}/recommendations?limit=2&productId=sf-coffee&context=product`, reader))).toBeUndefined();
  });

  it('leaves to the full app whatever it would refuse or forward', async () => {
    const { id } = await shopper();
    const other = await shopper();
    const path = `/v1/customers/${id}/recommendations`;
    expect((await full(path, t.admin)).status).toBe(200);
    expect(eu()(request(path, t.admin))).toBeDefined();
    const predictionsOnly = await t.stores.key(['predictions:read']);
    expect((await full(path, predictionsOnly)).status).toBe(403); // and the key is now verified
    expect(eu()(request(path, predictionsOnly))).toBeUndefined();
    expect(eu()(request(path, other.token))).toBeUndefined();
    expect(eu()(request(path, t.admin, { origin: 'https://shop.example' }))).toBeUndefined();
    // A query the app refuses is never cached, so never answered here.
    const refused = await full(`${path}?limit=99`, t.admin);
    expect([refused.status, refused.headers.get('content-type')]).toEqual([400, 'application/problem+json']);
    expect(eu()(request(`${path}?limit=99`, t.admin))).toBeUndefined();
    const row = t.api.regions.get('us-east-1')!.fastPath;
    expect(row(request(path, t.admin))).toBeUndefined(); // an EU customer is forwarded by the app
  });

  it('forgets a customer at once when their data changes: a purchase, an objection, an erasure', async () => {
    const { id } = await shopper();
    const path = `/v1/customers/${id}/recommendations`;
    const warm = async () => {
      await full(path, t.admin);
      return eu()(request(path, t.admin));
    };
    const before = await warm();
    expect(before).toBeDefined();
    await t.api.call('POST', '/v1/purchases', { key: t.admin, body: order(id, 'e', 0, 'sf-coffee') });
    expect(eu()(request(path, t.admin))).toBeUndefined();
    const after = await warm();
    expect(after!.headers.etag).not.toBe(before!.headers.etag);
    await t.api.call('PATCH', `/v1/customers/${id}`, { key: t.admin, body: { consents: { profiling: false } } });
    expect(eu()(request(path, t.admin))).toBeUndefined();
    const objected = JSON.parse(decode((await warm())!.body));
    expect(objected).toMatchObject({ personalised: false, notPersonalised: 'profiling_objected', algorithm: 'popular-v1' });
    await t.api.call('PATCH', `/v1/customers/${id}`, { key: t.admin, body: { consents: { profiling: true } } });
    expect(eu()(request(path, t.admin))).toBeUndefined();
    expect(JSON.parse(decode((await warm())!.body)).personalised).toBe(true);
    await t.api.call('DELETE', `/v1/customers/${id}`, { key: t.admin, region: 'eu-central-1' });
    expect(eu()(request(path, t.admin))).toBeUndefined();
  });

  it('forgets the views when an experiment definition changes, so a new variant is served at once', async () => {
    const { id } = await shopper();
    const path = `/v1/customers/${id}/recommendations`;
    await full(path, t.admin);
    expect(JSON.parse(decode(eu()(request(path, t.admin))!.body)).algorithm).toBe('replenish-blend-v1');
    const put = (status: string) =>
      t.api.call('PUT', '/v1/experiments/sf-recs', {
        key: t.admin,
        region: 'eu-central-1',
        body: { name: 'Storefront recs', surface: 'recommendations', status, variations: [{ key: 'blend', value: { algorithm: 'replenish-blend-v1' } }, { key: 'replenish', value: { algorithm: 'replenish-v1' } }], weights: [0, 1] },
      });
    expect((await put('running')).status).toBe(201);
    expect(eu()(request(path, t.admin))).toBeUndefined();
    const variant = await full(path, t.admin);
    expect(JSON.parse(await variant.text())).toMatchObject({ algorithm: 'replenish-v1', experiment: { experimentKey: 'sf-recs', variationKey: 'replenish' } });
    expect(JSON.parse(decode(eu()(request(path, t.admin))!.body)).algorithm).toBe('replenish-v1');
    expect((await put('stopped')).status).toBe(200);
    expect(eu()(request(path, t.admin))).toBeUndefined();
  });

  it("carries the home recommendations in the intelligence view, as the recommendations endpoint answers them", async () => {
    const { id, token } = await shopper();
    const view = await t.api.call('GET', `/v1/customers/${id}/intelligence`, { key: token, region: 'eu-central-1' });
    expect(view.status).toBe(200);
    const alone = await t.api.call('GET', `/v1/customers/${id}/recommendations`, { key: token, region: 'eu-central-1' });
    expect(view.body.recommendations).toMatchObject({ stale: false, data: alone.body });
    expect(view.body.recommendations.data.items.length).toBeGreaterThan(0);
    // A purchase forgets the intelligence view too: its recommendations part changed.
    expect(eu()(request(`/v1/customers/${id}/intelligence`, token))).toBeDefined();
    await t.api.call('POST', '/v1/purchases', { key: t.admin, body: order(id, 'f', 0, 'sf-tea') });
    expect(eu()(request(`/v1/customers/${id}/intelligence`, token))).toBeUndefined();
  });
});
