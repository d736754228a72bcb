import { describe, expect, it } from 'vitest';
import { regions } from '../../regions/index.ts';
import { deploymentDeps } from '../../src/deps.ts';
import { localConnection } from '../../src/local/bootstrap.ts';
import { uncoveredTables, type PersonalData } from '../../src/privacy/personal-data.ts';
import { PERSONAL_TABLE_KINDS } from '../../src/regions/region.schema.ts';
import { useApi } from '../support/api.ts';
import { JWT_SECRET, PRIVACY_KEY } from '../support/app.ts';

const collect = async (it: AsyncIterable<unknown>) => {
  const out: unknown[] = [];
  for await (const x of it) out.push(x);
  return out;
};

describe('the PersonalData port', () => {
  const t = useApi();
  const euHome = regions.find((r) => r.jurisdiction === 'EU' && r.home)!;
  const owners = (): readonly PersonalData[] =>
    deploymentDeps({
      region: euHome,
      personal: localConnection(t.stores.endpoints.EU, euHome.awsRegion),
      global: localConnection(t.stores.endpoints.GLOBAL, euHome.awsRegion),
      peers: {},
      jwtSecret: JWT_SECRET,
      privacyKey: PRIVACY_KEY,
    }).personalData;

  it('has an owner for every table the region schema marks personal, and the check fails without one', () => {
    expect(PERSONAL_TABLE_KINDS).toEqual(['customers', 'purchases', 'predictions', 'segments', 'insights', 'recommendations', 'exposures', 'events']);
    expect(uncoveredTables(owners())).toEqual([]);
    expect(uncoveredTables(owners().filter((o) => o.table !== 'segments'))).toEqual(['segments']);
  });

  it("exports every personal item of one customer and erases them all, one query per table, leaving others untouched", async () => {
    const order = (customerId: string, orderId: string, day: number) => ({
      orderId,
      customerId,
      purchasedAt: new Date(Date.UTC(2026, 9, day, 10)).toISOString(),
      lines: [{ productId: 'coffee', quantity: 1, unitPrice: 9.5, currency: 'EUR' }],
    });
    const [anna, other] = [await t.newCustomer({ country: 'DE', contact: { email: 'anna@example.com' } }), await t.newCustomer({ country: 'AT' })];
    for (const id of [anna, other]) {
      await t.api.call('POST', '/v1/purchases', { key: t.admin, body: { orders: [1, 8, 15].map((d) => order(id, `o-${d}`, d)) } });
      await t.api.call('POST', `/v1/customers/${id}/insights/refresh`, { key: t.admin });
    }
    await t.stores.put('EU', 'segments', { customerId: anna, segmentId: 'seg_1', distance: 0.5, runId: 'eu-x', assignedAt: '2026-11-01T00:00:00.000Z' });
    await t.stores.put('EU', 'exposures', { kind: 'exposure', customerId: anna, itemKey: 'exp#hero#1', experimentPhase: 'hero#1', experimentKey: 'hero', phase: 1, variationId: 1, variationKey: 'b', hashAttribute: 'deviceId', hashValue: 'device-of-anna', exposedAt: '2026-10-01T00:00:00.000Z' });

    const exported = Object.fromEntries(await Promise.all(owners().map(async (o) => [o.table, await collect(o.exportOf(anna))] as const)));
    expect(Object.fromEntries(Object.entries(exported).map(([k, v]) => [k, v.length]))).toEqual({ customers: 1, purchases: 3, predictions: 1, segments: 1, insights: expect.any(Number), recommendations: 1, exposures: 1, events: 0 });
    expect(exported.insights!.length).toBeGreaterThanOrEqual(2); // the job and its refresh marker at least
    expect(JSON.stringify(exported)).toContain('anna@example.com');

    const mentions = async (id: string) => (await t.stores.scanAll('EU')).filter((i) => JSON.stringify(i).includes(id)).length;
    const otherBefore = await mentions(other);
    const erased = await Promise.all(owners().map((o) => o.eraseOf(anna)));
    expect(erased.reduce((s, n) => s + n, 0)).toBeGreaterThanOrEqual(9);
    expect(await mentions(anna)).toBe(0);
    expect(await mentions(other)).toBe(otherBefore);
  });
});
