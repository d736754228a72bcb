import { describe, expect, it } from 'vitest';
import { useApi } from '../support/api.ts';
import { homeStreaming, pollerOf, useKinesis } from './support.ts';

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
const PRODUCTS = ['stollen', 'lebkuchen', 'pumpkin-pie'];

describe("the recommendations' popular fallback blends in what is trending in the customer's jurisdiction", () => {
  const k = useKinesis();
  const t = useApi(() => ({ streaming: (region) => k.kinesis.connection(region) }));
  /** `buyers` customers of `country` each buying `productId`, the first of them `extra` more times, in the last half hour. */
  const buy = async (country: string, productId: string, buyers: number, extra = 0) => {
    const orders = [];
    for (let i = 0; i < buyers; i++) {
      const customerId = await t.newCustomer({ country });
      for (let o = 0; o < 1 + (i === 0 ? extra : 0); o++) {
        orders.push({ orderId: `${productId}-${i}-${o}`, customerId, purchasedAt: minutesAgo(5 + 5 * o), lines: [{ productId, quantity: 1, unitPrice: 4, currency: country === 'US' ? 'USD' : 'EUR' }] });
      }
    }
    expect((await t.api.call('POST', '/v1/purchases', { key: t.admin, body: { orders } })).status).toBe(200);
  };
  const popular = async (country: string) => {
    const id = await t.newCustomer({ country });
    const res = await t.api.call('GET', `/v1/customers/${id}/recommendations?limit=10`, { key: t.admin });
    expect(res.status).toBe(200);
    expect(res.body.personalised).toBe(false);
    return res.body.items as { productId: string; reason: string; evidence: string }[];
  };

  it("shows a new customer what at least five customers of their jurisdiction bought in the last hour, never another jurisdiction's trend", async () => {
    for (const id of PRODUCTS) {
      await t.api.call('PUT', `/v1/products/${id}`, { key: t.admin, body: { name: id, category: 'seasonal', price: 4, currency: 'EUR', packSize: 1, packUnit: 'item', consumable: true } });
    }
    await buy('DE', 'stollen', 5, 1); // 5 customers, 6 orders
    await buy('AT', 'lebkuchen', 4, 4); // 8 orders but only 4 customers: below the minimum support
    await buy('US', 'pumpkin-pie', 6); // trending in ROW only
    for (const id of ['eu-central-1', 'us-east-1'] as const) {
      await homeStreaming(t.api, id).producer.drain();
      await pollerOf(homeStreaming(t.api, id)).pollOnce();
    }

    const eu = await popular('FR');
    expect(eu.map((i) => i.productId)).toEqual(['stollen']);
    expect(eu[0]).toMatchObject({ reason: 'popular', evidence: 'trending now: 6 orders in the last hour' });
    const row = await popular('CA');
    expect(row.map((i) => i.productId)).toEqual(['pumpkin-pie']);
    expect(row[0]).toMatchObject({ reason: 'popular', evidence: 'trending now: 6 orders in the last hour' });
  });
});
