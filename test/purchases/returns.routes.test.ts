import { beforeAll, describe, expect, it } from 'vitest';
import { useApi } from '../support/api.ts';

/** Returns and cancellations through POST /v1/purchases, against real dynalite stores. */
let writer: string;
let reader: string;
const t = useApi();
beforeAll(async () => {
  writer = await t.stores.key(['purchases:write']);
  reader = await t.stores.key(['purchases:read']);
});

const newCustomer = async (country: string) => (await t.api.call('POST', '/v1/customers', { key: t.stores.adminKey, body: { country } })).body.id as string;
const at = (day: number) => new Date(Date.UTC(2026, 5, day, 9)).toISOString();
const order = (customerId: string, orderId: string, day: number, lines: [string, number][] = [['coffee', 1]]) => ({
  orderId,
  customerId,
  purchasedAt: at(day),
  lines: lines.map(([productId, quantity]) => ({ productId, quantity, unitPrice: 10, currency: 'EUR' })),
});
const returnOf = (customerId: string, orderId: string, day: number, of: [string, string, number][]) => ({
  orderId,
  customerId,
  purchasedAt: at(day),
  lines: of.map(([o, lineId, quantity]) => ({ type: 'return', returnOf: { orderId: o, lineId }, quantity })),
});
const cancel = (customerId: string, orderId: string, day: number, lineIds?: string[]) => ({ type: 'cancellation', customerId, orderId, cancelledAt: at(day), ...(lineIds ? { lineIds } : {}) });

const post = (body: unknown, region?: string) => t.api.call('POST', '/v1/purchases', { key: writer, body, ...(region ? { region } : {}) });
const items = async (id: string) => (await t.api.call('GET', `/v1/customers/${id}/purchases?limit=100`, { key: reader })).body.items as Record<string, unknown>[];
const predictions = async (id: string) => t.api.call('GET', `/v1/customers/${id}/predictions`, { key: t.stores.adminKey });
const statuses = (res: { body: { results: { status: string }[] } }) => res.body.results.map((r) => r.status);

describe('returns', () => {
  it('reduce spend and quantity, are idempotent, and may come in parts up to what was bought', async () => {
    const c = await newCustomer('DE');
    await post({ orders: [order(c, 'O1', 1, [['coffee', 4], ['milk', 1]]), order(c, 'O2', 15), order(c, 'O3', 29)] });
    const before = (await predictions(c)).body;
    expect(before.data.totalSpend).toBe(70);

    const r1 = await post(returnOf(c, 'R1', 3, [['O1', 'coffee', 3]]));
    expect([r1.status, statuses(r1), r1.body.results[0].type]).toEqual([200, ['created'], 'return']);
    const again = await post(returnOf(c, 'R1', 3, [['O1', 'coffee', 3]]));
    expect(statuses(again)).toEqual(['duplicate']);
    const after = (await predictions(c)).body;
    expect(after.data.totalSpend).toBe(40);
    expect(after.data.purchaseDays).toBe(before.data.purchaseDays);

    // The rest of the line, in a second return; then nothing more can come back.
    expect(statuses(await post(returnOf(c, 'R2', 4, [['O1', 'coffee', 1]])))).toEqual(['created']);
    const tooMany = await post(returnOf(c, 'R3', 5, [['O1', 'coffee', 1]]));
    expect([tooMany.status, tooMany.body.code]).toEqual([422, 'purchases.returnExceedsLine']);
    expect((await predictions(c)).body.data.totalSpend).toBe(30);
    const stored = await items(c);
    expect(stored.filter((i) => i.type === 'return').map((i) => [i.orderId, i.productId, i.quantity, i.unitPrice])).toEqual([['R2', 'coffee', 1, 10], ['R1', 'coffee', 3, 10]]);
  });

  it('refuse unknown lines, too much at once, lines of cancelled orders and returns before the purchase, storing nothing', async () => {
    const c = await newCustomer('US');
    await post({ orders: [order(c, 'P1', 10, [['tea', 2]]), order(c, 'P2', 12)] });
    await post(cancel(c, 'P2', 13));
    const cases: [unknown, string][] = [
      [returnOf(c, 'X1', 11, [['P9', 'tea', 1]]), 'purchases.unknownLine'],
      [returnOf(c, 'X2', 11, [['P1', 'tea', 3]]), 'purchases.returnExceedsLine'],
      [{ orders: [returnOf(c, 'X3', 11, [['P1', 'tea', 2]]), returnOf(c, 'X4', 11, [['P1', 'tea', 1]])] }, 'purchases.returnExceedsLine'],
      [returnOf(c, 'X5', 14, [['P2', 'coffee', 1]]), 'purchases.lineCancelled'],
      [returnOf(c, 'X6', 9, [['P1', 'tea', 1]]), 'purchases.returnBeforePurchase'],
      // A mixed request: the good purchase is not stored either.
      [{ orders: [order(c, 'P3', 14), returnOf(c, 'X7', 14, [['P1', 'nope', 1]])] }, 'purchases.unknownLine'],
    ];
    for (const [body, code] of cases) {
      const res = await post(body);
      expect([code, res.status, res.body.code, res.type]).toEqual([code, 422, code, 'application/problem+json']);
    }
    expect((await items(c)).map((i) => i.orderId).sort()).toEqual(['P1', 'P2', 'P2']);
  });

  it("of another customer's line are unknown lines", async () => {
    const a = await newCustomer('FR');
    const b = await newCustomer('FR');
    await post(order(a, 'A1', 2));
    const res = await post(returnOf(b, 'B-R1', 3, [['A1', 'coffee', 1]]));
    expect([res.status, res.body.code]).toEqual([422, 'purchases.unknownLine']);
  });

  it('may name a purchase sent in the same request, and a return in full leaves the cadence', async () => {
    const c = await newCustomer('DE');
    const res = await post({ orders: [order(c, 'S1', 1), order(c, 'S2', 10), returnOf(c, 'SR', 11, [['S2', 'coffee', 1]])] });
    expect(statuses(res)).toEqual(['created', 'created', 'created']);
    const p = (await predictions(c)).body;
    expect([p.data.purchaseDays, p.data.lastPurchase, p.data.totalSpend]).toEqual([1, '2026-06-01', 10]);
  });
});

describe('cancellations', () => {
  it('leave the predictions exactly as if the order had never been sent', async () => {
    const plain = await newCustomer('DE');
    const cancelled = await newCustomer('DE');
    const orders = (c: string) => [order(c, 'K1', 1, [['coffee', 1]]), order(c, 'K2', 11, [['coffee', 1], ['milk', 2]]), order(c, 'K3', 21, [['coffee', 1]])];
    await post({ orders: orders(plain).filter((o) => o.orderId !== 'K2') });
    await post({ orders: [...orders(cancelled), order(cancelled, 'K4', 25, [['milk', 1]])] });
    const res = await post({ orders: [cancel(cancelled, 'K2', 12), cancel(cancelled, 'K4', 26, ['milk'])] });
    expect(res.body.results.map((r: { lineId: string; type: string; status: string }) => `${r.lineId}:${r.type}:${r.status}`)).toEqual(['*:cancellation:created', 'milk:cancellation:created']);
    const strip = (v: Record<string, unknown>) => ({ ...(v.customer as object), ...(v.data as object), products: v.products, purchaseLines: undefined });
    expect(strip((await predictions(cancelled)).body)).toEqual(strip((await predictions(plain)).body));
    const listed = (await items(cancelled)).filter((i) => i.type === 'cancellation').map((i) => `${i.orderId}.${i.lineId}`);
    expect(listed.sort()).toEqual(['K2.*', 'K4.milk']);
  });

  it('of an already cancelled order is an idempotent duplicate; of an unknown order or line, a 422 that stores nothing', async () => {
    const c = await newCustomer('AU');
    await post(order(c, 'Q1', 3, [['coffee', 1]]));
    expect(statuses(await post(cancel(c, 'Q1', 4)))).toEqual(['created']);
    expect(statuses(await post(cancel(c, 'Q1', 5)))).toEqual(['duplicate']);
    for (const body of [cancel(c, 'Q9', 4), cancel(c, 'Q1', 4, ['tea'])]) {
      const res = await post(body);
      expect([res.status, res.body.code]).toEqual([422, 'purchases.unknownOrder']);
    }
    // Everything bought was cancelled: no history, no predictions.
    expect((await predictions(c)).body.code).toBe('predictions.notFound');
    expect(await items(c)).toHaveLength(2);
  });

  it('and returns go to the customer\'s jurisdiction from any region, in a mixed batch', async () => {
    const eu = await newCustomer('DE');
    const row = await newCustomer('US');
    await post({ orders: [order(eu, 'J1', 1), order(row, 'J2', 1)] }, 'us-east-1');
    const res = await post({ orders: [cancel(eu, 'J1', 2), returnOf(row, 'JR', 2, [['J2', 'coffee', 1]])] }, 'eu-central-1');
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { customerId: string; status: string }) => [r.customerId, r.status])).toEqual([[eu, 'created'], [row, 'created']]);
    expect((await items(eu)).some((i) => i.type === 'cancellation')).toBe(true);
    expect((await items(row)).some((i) => i.type === 'return')).toBe(true);
  });

  it('are validated: a cancellation with lines, or a return without returnOf, is a 400', async () => {
    const c = await newCustomer('DE');
    for (const body of [{ ...cancel(c, 'V1', 1), lines: [] }, { orderId: 'V2', customerId: c, purchasedAt: at(1), lines: [{ type: 'return', quantity: 1 }] }, { orderId: 'V3', customerId: c, purchasedAt: at(1), lines: [{ productId: 'x', quantity: -1, unitPrice: 1, currency: 'EUR' }] }]) {
      const res = await post(body);
      expect([res.status, res.type]).toEqual([400, 'application/problem+json']);
    }
  });
});
