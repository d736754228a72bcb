import { describe, expect, it } from 'vitest';
import { useApi } from '../support/api.ts';

let clock = Date.parse('2026-11-20T09:00:00Z');
const t = useApi(() => ({ now: () => clock }));

const stats = async (key: string) => (await t.api.call('GET', `/v1/experiments/${key}/stats?jurisdiction=EU`, { key: t.admin })).body;
const conversionsOf = async (id: string) => (await t.stores.scanAll('EU')).filter((i) => String(i._table).endsWith('-exposures') && i.customerId === id && i.kind === 'conversion').map((i) => `${i.orderId}/${i.lineId}`).sort();

describe("a cancelled order's conversion", () => {
  it('no longer counts in the results; a re-sent cancellation or purchase changes nothing more', async () => {
    const put = await t.api.call('PUT', '/v1/experiments/cancel', {
      key: t.admin,
      body: { name: 'Cancel', variations: [{ key: 'control' }, { key: 'warm' }], status: 'running', coverage: 1, currency: 'EUR', metrics: [{ key: 'conversion', type: 'conversion' }, { key: 'orders', type: 'orders' }, { key: 'spend', type: 'revenue' }] },
    });
    expect(put.status).toBe(201);
    clock += 31_000;
    const id = await t.newCustomer({ country: 'DE' });
    const seen = (await t.api.call('GET', `/v1/customers/${id}/experiments/cancel`, { key: t.admin })).body;
    expect(seen.inExperiment).toBe(true);
    clock += 60_000;
    const at = new Date(clock).toISOString();
    const line = (lineId: string, unitPrice: number) => ({ lineId, productId: lineId, quantity: 1, unitPrice, currency: 'EUR' });
    const orders = [
      { orderId: 'kept', customerId: id, purchasedAt: at, lines: [line('coffee', 10)] },
      { orderId: 'gone', customerId: id, purchasedAt: at, lines: [line('tea', 5), line('milk', 2)] },
      { orderId: 'part', customerId: id, purchasedAt: at, lines: [line('soap', 3), line('salt', 1)] },
    ];
    expect((await t.api.call('POST', '/v1/purchases', { key: t.admin, body: { orders } })).status).toBe(200);
    expect(await conversionsOf(id)).toEqual(['gone/milk', 'gone/tea', 'kept/coffee', 'part/salt', 'part/soap']);
    expect((await stats('cancel')).variations[seen.variationId].metrics.spend.sum).toBe(21);

    clock += 60_000;
    const cancellations = [
      { type: 'cancellation', orderId: 'gone', customerId: id, cancelledAt: new Date(clock).toISOString() },
      { type: 'cancellation', orderId: 'part', customerId: id, cancelledAt: new Date(clock).toISOString(), lineIds: ['soap'] },
    ];
    expect((await t.api.call('POST', '/v1/purchases', { key: t.admin, body: { orders: cancellations } })).status).toBe(200);
    const after = async () => {
      expect(await conversionsOf(id)).toEqual(['kept/coffee', 'part/salt']);
      const v = (await stats('cancel')).variations[seen.variationId];
      expect(v.units).toBe(1);
      expect(v.metrics.orders.sum).toBe(2);
      expect(v.metrics.spend.sum).toBe(11);
    };
    await after();

    // Idempotent: the cancellation sent again, and the cancelled order's lines re-sent by the shop.
    expect((await t.api.call('POST', '/v1/purchases', { key: t.admin, body: { orders: cancellations } })).status).toBe(200);
    expect((await t.api.call('POST', '/v1/purchases', { key: t.admin, body: { orders } })).status).toBe(200);
    await after();
  });

  it('is withdrawn when the order and its cancellation arrive in one request', async () => {
    clock += 31_000;
    const id = await t.newCustomer({ country: 'FR' });
    expect((await t.api.call('GET', `/v1/customers/${id}/experiments/cancel`, { key: t.admin })).body.inExperiment).toBe(true);
    clock += 60_000;
    const at = new Date(clock).toISOString();
    const body = { orders: [{ orderId: 'both', customerId: id, purchasedAt: at, lines: [{ productId: 'coffee', quantity: 1, unitPrice: 10, currency: 'EUR' }] }, { type: 'cancellation', orderId: 'both', customerId: id, cancelledAt: at }] };
    expect((await t.api.call('POST', '/v1/purchases', { key: t.admin, body })).status).toBe(200);
    expect(await conversionsOf(id)).toEqual([]);
  });
});
