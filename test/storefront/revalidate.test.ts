import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setMetricsSink } from '../../src/ops/metrics.ts';
import type { MinimalRequest } from '../../src/storefront/fast-path.ts';
import { REVALIDATE_WINDOW_MS } from '../../src/shared/ttl-cache.ts';
import { useApi } from '../support/api.ts';

/**
 * A busy storefront entry that expires is served on while one request re-reads it through the app
 * (stale-while-revalidate), so no page view waits for the store and no wave of requests reaches it; a
 * change made elsewhere (another isolate, another region) still arrives within the TTL plus that re-read.
 */
describe('stale-while-revalidate on the storefront fast path', () => {
  let clock = Date.now();
  const t = useApi(() => ({ now: () => clock }));
  const eu = () => t.api.regions.get('eu-central-1')!;
  /** Isolate cache reads by cache and outcome, as the metrics record them. */
  const reads = new Map<string, number>();
  beforeAll(() => setMetricsSink({ record: (metric, labels) => void (metric.name === 'cadence_cache_reads_total' && reads.set(`${labels.cache} ${labels.outcome}`, (reads.get(`${labels.cache} ${labels.outcome}`) ?? 0) + 1)) }));
  afterAll(() => setMetricsSink(undefined));
  const verifyKeyAgain = async (id: string) => expect((await t.api.call('GET', `/v1/customers/${id}`, { key: t.admin, region: 'eu-central-1' })).status).toBe(200);
  const get = (path: string): MinimalRequest => ({ method: 'GET', url: path, header: (n) => (n === 'authorization' ? `Bearer ${t.admin}` : undefined) });

  it("serves an expired entry once more, re-reads it in the background, and then serves the store's newer content", async () => {
    const id = await t.newCustomer({ country: 'DE', consents: { profiling: true } });
    const day = (d: number) => new Date(clock - d * 86_400_000).toISOString();
    const lines = [{ productId: 'coffee', quantity: 1, unitPrice: 8, currency: 'EUR' }];
    await t.api.call('POST', '/v1/purchases', { key: t.admin, body: { orders: [30, 16, 2].map((d, i) => ({ orderId: `o${i}`, customerId: id, purchasedAt: day(d), lines })) } });
    const path = `/v1/customers/${id}/predictions`;
    expect((await t.api.call('GET', path, { key: t.admin, region: 'eu-central-1' })).status).toBe(200);
    const first = eu().fastPath(get(path))!;
    expect(first.status).toBe(200);
    expect(first.revalidate).toBeUndefined(); // fresh: nothing to re-read

    // Another isolate recomputes the predictions: this one does not hear of it, its entry simply ages.
    const stored = (await t.stores.scanAll('EU')).find((i) => i.customerId === id && typeof i.body === 'string' && typeof i.etag === 'string')!;
    const { _table, ...item } = stored;
    const newer = { ...JSON.parse(item.body as string), recomputedElsewhere: true };
    await t.stores.put('EU', 'predictions', { ...item, body: JSON.stringify(newer), etag: '"elsewhere"' });
    expect(eu().fastPath(get(path))!.headers.etag).toBe(first.headers.etag);

    clock += 61_000; // past the entry's minute
    await verifyKeyAgain(id); // the key's own minute is over too: any other request re-verifies it
    const stale = eu().fastPath(get(path))!;
    expect(stale.status).toBe(200);
    expect(stale.headers.etag).toBe(first.headers.etag); // answered at once, from the old bytes
    expect(stale.revalidate).toBe(true); // and this request took on the re-read
    expect(eu().fastPath(get(path))!.revalidate).toBeUndefined(); // one re-read, not one per request
    await eu().settled();
    const fresh = eu().fastPath(get(path))!;
    expect(fresh.headers.etag).toBe('"elsewhere"');
    expect(JSON.parse(new TextDecoder().decode(fresh.body)).recomputedElsewhere).toBe(true);
    expect(fresh.revalidate).toBeUndefined();
  });

  it('does not serve an entry nobody asked for within the window past its TTL', async () => {
    const id = await t.newCustomer({ country: 'DE', consents: { profiling: true } });
    await t.api.call('POST', '/v1/purchases', { key: t.admin, body: { orderId: 'x', customerId: id, purchasedAt: new Date(clock - 86_400_000).toISOString(), lines: [{ productId: 'tea', quantity: 1, unitPrice: 4, currency: 'EUR' }] } });
    const path = `/v1/customers/${id}/predictions`;
    await t.api.call('GET', path, { key: t.admin, region: 'eu-central-1' });
    expect(eu().fastPath(get(path))).toBeDefined();
    clock += 60_000 + REVALIDATE_WINDOW_MS + 1_000;
    await verifyKeyAgain(id);
    // Too old to serve: the app answers it (one store read) and the fast path serves the next.
    expect(eu().fastPath(get(path))).toBeUndefined();
    await t.api.call('GET', path, { key: t.admin, region: 'eu-central-1' });
    expect(eu().fastPath(get(path))?.status).toBe(200);
  });

  it('answers concurrent cold reads of one customer with one store read', async () => {
    const id = await t.newCustomer({ country: 'DE', consents: { profiling: true } });
    await t.api.call('POST', '/v1/purchases', { key: t.admin, body: { orderId: 'y', customerId: id, purchasedAt: new Date(clock - 86_400_000).toISOString(), lines: [{ productId: 'tea', quantity: 1, unitPrice: 4, currency: 'EUR' }] } });
    clock += 60_000 + REVALIDATE_WINDOW_MS + 1_000; // every cache of this isolate is cold for this customer and key
    reads.clear();
    const path = `/v1/customers/${id}/predictions`;
    const answers = await Promise.all(Array.from({ length: 20 }, () => t.api.call('GET', path, { key: t.admin, region: 'eu-central-1' })));
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([200]));
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    // One miss read the store; the other 19 joined its read, or, those that reached the cache after it
    // was answered (a loaded machine spreads 20 requests over several turns), found its entry. None read
    // the store again. The API key's lookup likewise.
    const count = (k: string) => reads.get(k) ?? 0;
    expect(count('predictions miss')).toBe(1);
    expect(count('predictions coalesced')).toBeGreaterThan(0);
    expect(count('predictions coalesced') + count('predictions hit')).toBe(19);
    expect(count('api-keys miss')).toBe(1);
  });

  it("serves experiment lookups past their definitions' TTL while one request re-reads them, then the change made elsewhere", async () => {
    const put = (status: string, region: string) => t.api.call('PUT', '/v1/experiments/swr-banner', { key: t.admin, region, body: { name: 'SWR banner', variations: [{ key: 'control' }, { key: 'swr' }], status } });
    expect((await put('running', 'eu-central-1')).status).toBeLessThan(300);
    const id = await t.newCustomer({ country: 'DE' });
    const path = `/v1/customers/${id}/experiments`;
    const listed = () => JSON.parse(new TextDecoder().decode(eu().fastPath(get(path))!.body)).experiments.map((e: { experimentKey: string }) => e.experimentKey);
    expect((await t.api.call('GET', path, { key: t.admin, region: 'eu-central-1' })).status).toBe(200);
    expect(listed()).toContain('swr-banner');
    // Stopped through another region: this isolate's definitions are not forgotten, they age.
    expect((await put('stopped', 'eu-west-1')).status).toBe(200);
    clock += 31_000; // past the definitions' 30 s
    await verifyKeyAgain(id);
    const stale = eu().fastPath(get(path))!;
    expect(stale.revalidate).toBe(true);
    expect(listed()).toContain('swr-banner'); // still the old definitions, and no second re-read
    expect(eu().fastPath(get(path))!.revalidate).toBeUndefined();
    await eu().settled();
    expect(listed()).not.toContain('swr-banner');
  });
});

