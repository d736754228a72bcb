import { describe, expect, it } from 'vitest';
import { useApi } from '../support/api.ts';
import { coffeeOrder, drainQueues } from '../support/queues.ts';

/**
 * Export, erasure with suppression and objection, through the API as a shop would use them, checked by
 * scanning every table of every store.
 */
describe('privacy requests', () => {
  const t = useApi();
  const drain = () => drainQueues(t.api.queues);
  const order = coffeeOrder;
  const workload = async (email: string) => {
    const id = await t.newCustomer({ country: 'DE', displayName: 'Anna', contact: { email }, consents: { profiling: true } });
    await t.api.call('POST', '/v1/purchases', { key: t.admin, body: { orders: [order(id, 'o1', 40), order(id, 'o2', 26), order(id, 'o3', 12)] } });
    await t.api.call('POST', `/v1/customers/${id}/insights/refresh`, { key: t.admin });
    await drain();
    await t.stores.put('EU', 'segments', { customerId: id, segmentId: 'seg_1', distance: 0.4, runId: 'eu-x', assignedAt: new Date().toISOString() });
    expect((await t.api.call('GET', `/v1/customers/${id}/predictions`, { key: t.admin })).status).toBe(200); // now cached
    return id;
  };
  const mentions = async (needle: string) =>
    (await Promise.all((['EU', 'ROW', 'GLOBAL'] as const).map((s) => t.stores.scanAll(s)))).flat().filter((i) => JSON.stringify(i).includes(needle));

  it('exports every section, erases everything in minutes, suppresses the id and email, and leaves others alone', async () => {
    const id = await workload('anna@example.com');
    const other = await workload('bert@example.com');
    const otherBefore = (await mentions(other)).length;

    const exported = await t.api.call('GET', `/v1/customers/${id}/export`, { key: t.admin, region: 'us-east-1' });
    expect(exported.status).toBe(200);
    const sections = exported.body.sections as Record<string, unknown[]>;
    expect(Object.fromEntries(Object.entries(sections).map(([k, v]) => [k, v.length > 0]))).toEqual({ purchases: true, predictions: true, segments: true, insights: true, recommendations: true, exposures: false, events: false, customers: true, privacyRequests: false });
    expect(JSON.stringify(sections.customers)).toContain('anna@example.com');
    expect(JSON.stringify(sections.insights)).toContain('"kind":"analysis"');

    const started = Date.now();
    const erase = await t.api.call('DELETE', `/v1/customers/${id}`, { key: t.admin, region: 'us-east-1' });
    expect(erase.status).toBe(202);
    expect(erase.body).toMatchObject({ id: expect.stringMatching(/^prq_eu_/), status: 'received' });
    // Already refused while the erasure runs: the suppression list is written first.
    expect((await t.api.call('POST', '/v1/purchases', { key: t.admin, body: order(id, 'late', 0) })).body.code).toBe('customers.erased');
    await drain();
    const done = await t.api.call('GET', `/v1/privacy-requests/${erase.body.id}`, { key: t.admin, region: 'ap-southeast-2' });
    expect(done.body).toMatchObject({ status: 'completed', remaining: { purchases: 0, predictions: 0, segments: 0, insights: 0, recommendations: 0, exposures: 0, events: 0, customers: 0 } });
    expect(done.body.erased.purchases).toBe(3);
    expect(done.body.erased.recommendations).toBe(1);
    const took = Date.now() - started;
    expect(took).toBeLessThan(60_000);

    expect(await mentions(id)).toEqual([]);
    expect(await mentions('anna@example.com')).toEqual([]);
    expect((await mentions(other)).length).toBe(otherBefore);
    const scanned = (await Promise.all((['EU', 'ROW', 'GLOBAL'] as const).map((s) => t.stores.scanAll(s)))).flat().length;
    console.log(`erasure completed in ${took} ms (queue drained in-process); ${scanned} items scanned in the three stores, 0 name the customer or the email`);
    // No cache answers for the erased customer, and nothing of them is accepted again.
    for (const path of ['', '/predictions', '/segment', '/insights', '/recommendations']) {
      const res = await t.api.call('GET', `/v1/customers/${id}${path}`, { key: t.admin, region: 'eu-central-1' });
      expect([path, res.status]).not.toEqual([path, 200]);
    }
    expect((await t.api.call('GET', `/v1/customers/${id}`, { key: t.admin })).body.code).toBe('customers.erased');
    expect((await t.api.call('POST', '/v1/purchases', { key: t.admin, body: order(id, 'again', 0) })).status).toBe(410);
    expect((await t.api.call('POST', '/v1/customers', { key: t.admin, body: { country: 'DE', contact: { email: 'ANNA@example.com' } } })).body.code).toBe('customers.erased');
    // A second request answers the first one's record; the audit names no one.
    const again = await t.api.call('DELETE', `/v1/customers/${id}`, { key: t.admin });
    expect([again.status, again.body.id, again.body.status]).toEqual([202, erase.body.id, 'completed']);
    const audit = await t.api.call('GET', '/v1/privacy-requests?status=completed&jurisdiction=EU', { key: t.admin, region: 'us-east-1' });
    expect(audit.body.items.map((r: { id: string }) => r.id)).toContain(erase.body.id);
    expect(JSON.stringify(audit.body)).not.toMatch(new RegExp(`${id}|anna@example.com`));
  });

  it('stops every derived output on an objection, keeps the purchases, and recomputes when consent is given again', async () => {
    const id = await workload('carl@example.com');
    expect((await t.api.call('PATCH', `/v1/customers/${id}`, { key: t.admin, body: { consents: { profiling: false } } })).body.profilingObjectedAt).toBeDefined();
    await drain();
    for (const path of ['/predictions', '/segment', '/insights']) {
      const res = await t.api.call('GET', `/v1/customers/${id}${path}`, { key: t.admin });
      expect([path, res.status, res.body.code]).toEqual([path, 451, 'privacy.profilingObjected']);
    }
    await t.api.call('POST', '/v1/purchases', { key: t.admin, body: order(id, 'o4', 1) });
    expect((await t.api.call('GET', `/v1/customers/${id}/purchases`, { key: t.admin })).body.items).toHaveLength(4);
    expect((await t.api.call('GET', `/v1/customers/${id}/predictions`, { key: t.admin })).status).toBe(451);
    // Recommendations stay available, but nothing personal: best sellers, and the customer's entry is gone.
    const recs = await t.api.call('GET', `/v1/customers/${id}/recommendations`, { key: t.admin });
    expect([recs.status, recs.body.personalised, recs.body.notPersonalised]).toEqual([200, false, 'profiling_objected']);
    const derived = (await t.stores.scanAll('EU')).filter((i) => i.customerId === id && /-(predictions|segments|recommendations)$/.test(String(i._table)));
    expect(derived).toEqual([]);
    await t.api.call('PATCH', `/v1/customers/${id}`, { key: t.admin, body: { consents: { profiling: true } } });
    const back = await t.api.call('GET', `/v1/customers/${id}/predictions`, { key: t.admin });
    expect([back.status, back.body.data?.purchaseLines]).toEqual([200, 4]);
    expect((await t.api.call('GET', `/v1/customers/${id}/recommendations`, { key: t.admin })).body.personalised).toBe(true);
  });

  it('answers problems for bad ids, unknown customers and another customer\'s token', async () => {
    expect((await t.api.call('DELETE', '/v1/customers/not-an-id', { key: t.admin })).body.code).toBe('request.invalidId');
    expect((await t.api.call('DELETE', '/v1/customers/cus_eu_zzzzzzzzzzzzzzzzzzzz', { key: t.admin })).body.code).toBe('customers.notFound');
    expect((await t.api.call('GET', '/v1/privacy-requests/prq_eu_000000000000000000000000', { key: t.admin })).body.code).toBe('privacy.requestNotFound');
    expect((await t.api.call('GET', '/v1/privacy-requests/nope', { key: t.admin })).status).toBe(400);
    const a = await t.newCustomer({ country: 'FR' });
    const b = await t.newCustomer({ country: 'US' });
    const token = (await t.api.call('POST', `/v1/customers/${a}/tokens`, { key: t.admin, body: {} })).body.token as string;
    expect((await t.api.call('GET', `/v1/customers/${b}/export`, { key: token })).body.code).toBe('customers.notFound');
    expect((await t.api.call('GET', `/v1/customers/${a}/export`, { key: token })).status).toBe(200);
    const reader = await t.stores.key(['customers:read']);
    expect((await t.api.call('DELETE', `/v1/customers/${a}`, { key: reader })).body.code).toBe('auth.forbidden');
  });
});
