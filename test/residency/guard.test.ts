import { describe, expect, it } from 'vitest';
import { FEATURES } from '../../src/app.ts';
import { useApi } from '../support/api.ts';

const SERVED_BY = 'cadence-served-by';

/**
 * The residency guard is mounted once, in front of every feature: whatever the order the features are
 * mounted in, a request about an EU customer that enters a ROW deployment is served by the EU.
 */
describe('the residency guard', () => {
  // Predictions, segments and insights mounted before customers: the old guard lived in customers' routes.
  const reversed = [...FEATURES].reverse();
  const t = useApi({ features: reversed });

  const order = (customerId: string, orderId: string) => ({ orderId, customerId, purchasedAt: '2026-11-01T10:00:00Z', lines: [{ productId: 'tea', quantity: 1, unitPrice: 3, currency: 'EUR' }] });

  it('forwards every customer-scoped route to the customer\'s jurisdiction, whatever the mount order', async () => {
    const eu = await t.newCustomer({ country: 'DE' });
    await t.api.call('POST', '/v1/purchases', { key: t.admin, body: order(eu, 'o1') });
    for (const path of ['', '/purchases', '/predictions', '/segment', '/insights']) {
      const res = await t.api.call('GET', `/v1/customers/${eu}${path}`, { key: t.admin, region: 'us-east-1' });
      expect([path, res.status === 404 ? res.body.code : res.status]).not.toEqual([path, 'request.notFound']);
      const served = await t.api.fetch(new Request(`http://cadence.test/v1/customers/${eu}${path}`, { headers: { authorization: `Bearer ${t.admin}`, 'cadence-edge-region': 'ap-southeast-2' } }));
      expect([path, served.headers.get(SERVED_BY)]).toEqual([path, 'eu-central-1']);
    }
  });

  it('forwards a job by the customer its id names, and a ?jurisdiction= request to that jurisdiction', async () => {
    const eu = await t.newCustomer({ country: 'FR' });
    await t.api.call('POST', '/v1/purchases', { key: t.admin, body: order(eu, 'o2') });
    const job = await t.api.call('POST', `/v1/customers/${eu}/insights/refresh`, { key: t.admin, region: 'us-east-1' });
    expect(job.status).toBe(202);
    const read = await t.api.fetch(new Request(`http://cadence.test/v1/jobs/${job.body.jobId}`, { headers: { authorization: `Bearer ${t.admin}`, 'cadence-edge-region': 'us-east-1' } }));
    expect([read.status, read.headers.get(SERVED_BY)]).toEqual([200, 'eu-central-1']);
    const segments = await t.api.fetch(new Request('http://cadence.test/v1/segments?jurisdiction=EU', { headers: { authorization: `Bearer ${t.admin}`, 'cadence-edge-region': 'us-east-1' } }));
    expect(segments.headers.get(SERVED_BY)).toBe('eu-central-1');
  });

  it('splits a mixed purchase batch and answers in request order, and refuses the whole batch when a customer is unknown', async () => {
    const eu = await t.newCustomer({ country: 'DE' });
    const row = await t.newCustomer({ country: 'US' });
    const mixed = await t.api.call('POST', '/v1/purchases', { key: t.admin, body: { orders: [order(row, 'm1'), order(eu, 'm2'), order(row, 'm3')] } });
    expect(mixed.status).toBe(200);
    expect(mixed.body.results.map((r: { customerId: string; orderId: string }) => [r.customerId, r.orderId])).toEqual([[row, 'm1'], [eu, 'm2'], [row, 'm3']]);
    const before = (await t.stores.scanAll('EU')).length + (await t.stores.scanAll('ROW')).length;
    const unknown = 'cus_row_zzzzzzzzzzzzzzzzzzzz';
    const refused = await t.api.call('POST', '/v1/purchases', { key: t.admin, body: { orders: [order(eu, 'm4'), order(unknown, 'm5')] }, region: 'eu-central-1' });
    expect([refused.status, refused.body.code]).toEqual([422, 'purchases.unknownCustomer']);
    expect((await t.stores.scanAll('EU')).length + (await t.stores.scanAll('ROW')).length).toBe(before);
  });

  it('answers 400 for a path id that is not a customer id, before any feature runs', async () => {
    const res = await t.api.call('GET', '/v1/customers/not-an-id/predictions', { key: t.admin });
    expect([res.status, res.body.code]).toEqual([400, 'request.invalidId']);
  });
});
