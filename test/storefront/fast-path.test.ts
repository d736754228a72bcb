import { describe, expect, it } from 'vitest';
import type { MinimalRequest } from '../../src/storefront/fast-path.ts';
import { useApi } from '../support/api.ts';

/**
 * The storefront fast path answers warm reads from serialized bytes: exactly what the full app answers,
 * only for whom the app would answer it, and never after the data changed.
 */
describe('the storefront fast path', () => {
  const t = useApi();
  const request = (path: string, key: string, headers: Record<string, string> = {}): MinimalRequest => {
    const all: Record<string, string> = { authorization: `Bearer ${key}`, ...headers };
    return { method: 'GET', url: path, header: (n) => all[n] };
  };
  const eu = () => t.api.regions.get('eu-central-1')!.fastPath;
  const order = (customerId: string, orderId: string, daysAgo: number, productId = 'coffee') => ({
    orderId,
    customerId,
    purchasedAt: new Date(Date.now() - daysAgo * 86_400_000).toISOString(),
    lines: [{ productId, quantity: 1, unitPrice: 8, currency: 'EUR' }],
  });
  const shopper = async () => {
    const id = await t.newCustomer({ country: 'DE', consents: { profiling: true } });
    await t.api.call('POST', '/v1/purchases', { key: t.admin, body: { orders: [order(id, 'a', 30), order(id, 'b', 16), order(id, 'c', 2)] } });
    const token = (await t.api.call('POST', `/v1/customers/${id}/tokens`, { key: t.admin, body: {} })).body.token as string;
    for (const q of new Set(t.api.queues.values())) await q.drain(); // the analysis job: a fresh analysis to serve
    return { id, token };
  };

  it('answers a warm read with the bytes and headers the full app gave, for an API key and for the own token', async () => {
    const { id, token } = await shopper();
    for (const key of [t.admin, token]) {
      for (const view of ['predictions', 'insights', 'intelligence']) {
        const path = `/v1/customers/${id}/${view}`;
        expect(eu()(request(path, key))).toBeUndefined(); // cold: the app answers and fills the cache
        const full = await t.api.fetch(new Request(`http://cadence.test${path}`, { headers: { authorization: `Bearer ${key}`, 'cadence-edge-region': 'eu-central-1' } }));
        const fullBody = await full.text();
        expect([view, full.status]).toEqual([view, 200]);
        const hit = eu()(request(path, key));
        expect(hit, view).toBeDefined();
        expect(new TextDecoder().decode(hit!.body)).toBe(fullBody);
        expect(hit!.headers.etag).toBe(full.headers.get('etag'));
        expect(eu()(request(path, key, { 'if-none-match': hit!.headers.etag! }))!.status).toBe(304);
      }
    }
    // The own token's analysis is the storefront variant: no household or socioeconomic reading.
    const asCustomer = JSON.parse(new TextDecoder().decode(eu()(request(`/v1/customers/${id}/insights`, token))!.body));
    expect(asCustomer.analysis.household).toBeUndefined();
  });

  it('leaves to the full app whatever it would refuse or forward', async () => {
    const { id } = await shopper();
    const other = await shopper();
    await t.api.call('GET', `/v1/customers/${id}/predictions`, { key: t.admin, region: 'eu-central-1' });
    const reader = await t.stores.key(['segments:read']);
    await t.api.call('GET', `/v1/customers/${id}/predictions`, { key: reader, region: 'eu-central-1' }); // 403, and the key is now verified
    expect(eu()(request(`/v1/customers/${id}/predictions`, reader))).toBeUndefined();
    expect(eu()(request(`/v1/customers/${id}/predictions`, other.token))).toBeUndefined();
    expect(eu()(request(`/v1/customers/${id}/predictions?x=1`, t.admin))).toBeUndefined();
    expect(eu()(request(`/v1/customers/${id}/predictions`, t.admin, { origin: 'https://shop.example' }))).toBeUndefined();
    expect(eu()(request(`/v1/customers/${id}/predictions`, 'cad_unknown_key'))).toBeUndefined();
    const row = t.api.regions.get('us-east-1')!.fastPath;
    expect(row(request(`/v1/customers/${id}/predictions`, t.admin))).toBeUndefined(); // an EU customer is forwarded by the app
  });

  it('forgets a customer at once when their data changes: a purchase, an objection, an erasure', async () => {
    const { id } = await shopper();
    const warm = async () => {
      await t.api.call('GET', `/v1/customers/${id}/predictions`, { key: t.admin, region: 'eu-central-1' });
      return eu()(request(`/v1/customers/${id}/predictions`, t.admin));
    };
    const before = await warm();
    await t.api.call('POST', '/v1/purchases', { key: t.admin, body: order(id, 'd', 0, 'tea') });
    expect(eu()(request(`/v1/customers/${id}/predictions`, t.admin))).toBeUndefined();
    const after = await warm();
    expect(after!.headers.etag).not.toBe(before!.headers.etag);
    await t.api.call('PATCH', `/v1/customers/${id}`, { key: t.admin, body: { consents: { profiling: false } } });
    expect(eu()(request(`/v1/customers/${id}/predictions`, t.admin))).toBeUndefined();
    expect((await t.api.call('GET', `/v1/customers/${id}/predictions`, { key: t.admin })).status).toBe(451);
    await t.api.call('PATCH', `/v1/customers/${id}`, { key: t.admin, body: { consents: { profiling: true } } });
    expect(await warm()).toBeDefined();
    await t.api.call('DELETE', `/v1/customers/${id}`, { key: t.admin, region: 'eu-central-1' });
    expect(eu()(request(`/v1/customers/${id}/predictions`, t.admin))).toBeUndefined();
  });
});

describe('experiment lookups on the fast path', () => {
  const t = useApi();
  it('answers a warm lookup from memory exactly as the full app does, and leaves an unrecorded exposure to it', async () => {
    await t.api.call('PUT', '/v1/experiments/fast-banner', { key: t.admin, body: { name: 'Fast banner', variations: [{ key: 'control' }, { key: 'warm' }], status: 'running' } });
    const id = await t.newCustomer({ country: 'DE' });
    const eu = t.api.regions.get('eu-central-1')!.fastPath;
    const all: Record<string, string> = { authorization: `Bearer ${t.admin}` };
    const req = (url: string) => ({ method: 'GET', url, header: (n: string) => all[n] });
    expect(eu(req(`/v1/customers/${id}/experiments/fast-banner`))).toBeUndefined(); // no exposure recorded yet
    const full = await t.api.call('GET', `/v1/customers/${id}/experiments/fast-banner`, { key: t.admin, region: 'eu-central-1' });
    expect(full.status).toBe(200);
    const hit = eu(req(`/v1/customers/${id}/experiments/fast-banner`));
    expect(JSON.parse(new TextDecoder().decode(hit!.body))).toEqual(full.body);
    const list = await t.api.call('GET', `/v1/customers/${id}/experiments`, { key: t.admin, region: 'eu-central-1' });
    expect(JSON.parse(new TextDecoder().decode(eu(req(`/v1/customers/${id}/experiments`))!.body))).toEqual(list.body);
    expect(eu(req(`/v1/customers/${id}/experiments/fast-banner?expose=false`))).toBeDefined();
    // A device in the customer's recorded variation adds nothing to record; one in the other variation is a crossing the app must write.
    const devices = await Promise.all(Array.from({ length: 16 }, async (_, i) => {
      const look = await t.api.call('GET', `/v1/customers/${id}/experiments/fast-banner?unit=device:d${i}&expose=false`, { key: t.admin, region: 'eu-central-1' });
      return { unit: `device:d${i}`, same: look.body.variationId === full.body.variationId };
    }));
    const same = devices.find((d) => d.same)!;
    const crossing = devices.find((d) => !d.same)!;
    expect(eu(req(`/v1/customers/${id}/experiments/fast-banner?unit=${same.unit}`))).toBeDefined();
    expect(eu(req(`/v1/customers/${id}/experiments/fast-banner?unit=${crossing.unit}`))).toBeUndefined();
    expect(eu(req(`/v1/customers/${id}/experiments/fast-banner?other=1`))).toBeUndefined();
    expect(eu(req(`/v1/customers/${id}/experiments/no-such`))).toBeUndefined();
    // A malformed escape in the key is left to the app, which answers it with a 4xx problem.
    expect(eu(req(`/v1/customers/${id}/experiments/%E0`))).toBeUndefined();
    const malformed = await t.api.call('GET', `/v1/customers/${id}/experiments/%E0`, { key: t.admin, region: 'eu-central-1' });
    expect(malformed.status).toBeGreaterThanOrEqual(400);
    expect(malformed.status).toBeLessThan(500);
  });

  it('serves a warm lookup as the same bytes until the definition or the customer changes, then as the app answers', async () => {
    const put = (coverage: number, phase = 1) => t.api.call('PUT', '/v1/experiments/memo-banner', { key: t.admin, region: 'eu-central-1', body: { name: 'Memo banner', variations: [{ key: 'control' }, { key: 'memo' }], coverage, phase, status: 'running', targeting: { countries: ['DE'] } } });
    expect((await put(1)).status).toBeLessThan(300);
    const id = await t.newCustomer({ country: 'DE' });
    const eu = t.api.regions.get('eu-central-1')!.fastPath;
    const all: Record<string, string> = { authorization: `Bearer ${t.admin}` };
    const path = `/v1/customers/${id}/experiments/memo-banner`;
    const look = () => eu({ method: 'GET', url: path, header: (n) => all[n] });
    const full = await t.api.call('GET', path, { key: t.admin, region: 'eu-central-1' });
    expect(full.body.inExperiment).toBe(true);
    const first = look()!;
    expect(look()!.body).toBe(first.body); // the memo: serialized once
    // A new phase with coverage 0: the customer drops out at once in this isolate, not when the memo expires.
    expect((await put(0, 2)).status).toBe(200);
    await t.api.call('GET', path, { key: t.admin, region: 'eu-central-1' });
    expect(JSON.parse(new TextDecoder().decode(look()!.body)).inExperiment).toBe(false);
    expect((await put(1, 3)).status).toBe(200);
    await t.api.call('GET', path, { key: t.admin, region: 'eu-central-1' });
    expect(JSON.parse(new TextDecoder().decode(look()!.body)).inExperiment).toBe(true);
    // The customer moves out of the targeted country: their facts are read again, the memo is not served.
    expect((await t.api.call('PATCH', `/v1/customers/${id}`, { key: t.admin, region: 'eu-central-1', body: { country: 'FR' } })).status).toBe(200);
    const moved = await t.api.call('GET', path, { key: t.admin, region: 'eu-central-1' });
    expect(moved.body.inExperiment).toBe(false);
    expect(JSON.parse(new TextDecoder().decode(look()!.body))).toEqual(moved.body);
  });
});

describe('the intelligence view', () => {
  const t = useApi();
  it("carries the customer's running variations without recording an exposure, and forgets them when a definition changes", async () => {
    const put = (status: string) => t.api.call('PUT', '/v1/experiments/intel-banner', { key: t.admin, region: 'eu-central-1', body: { name: 'Intel banner', variations: [{ key: 'control' }, { key: 'bold' }], status } });
    expect((await put('running')).status).toBeLessThan(300);
    const id = await t.newCustomer({ country: 'DE', consents: { profiling: true } });
    const path = `/v1/customers/${id}/intelligence`;
    const first = await t.api.call('GET', path, { key: t.admin, region: 'eu-central-1' });
    expect(first.status).toBe(200);
    expect(first.body.predictions).toEqual({ unavailable: 'predictions.notFound' });
    const lookup = await t.api.call('GET', `/v1/customers/${id}/experiments/intel-banner?expose=false`, { key: t.admin, region: 'eu-central-1' });
    const shown = first.body.experiments.data.find((e: { experimentKey: string }) => e.experimentKey === 'intel-banner');
    expect(shown).toEqual(lookup.body);
    const exposures = (await t.stores.scanAll('EU')).filter((i) => String(i._table).endsWith('-exposures') && i.customerId === id);
    expect(exposures).toEqual([]);
    const all: Record<string, string> = { authorization: `Bearer ${t.admin}` };
    const eu = t.api.regions.get('eu-central-1')!.fastPath;
    expect(eu({ method: 'GET', url: path, header: (n) => all[n] })).toBeDefined();
    await put('stopped'); // in this isolate (another one's views expire within their minute)
    expect(eu({ method: 'GET', url: path, header: (n) => all[n] })).toBeUndefined();
    const after = await t.api.call('GET', path, { key: t.admin, region: 'eu-central-1' });
    expect(after.body.experiments.data.some((e: { experimentKey: string }) => e.experimentKey === 'intel-banner')).toBe(false);
  });
});
