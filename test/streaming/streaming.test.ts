import { describe, expect, it } from 'vitest';
import { useApi } from '../support/api.ts';
import { allRecords, drainAndPoll as drainAll, homeStreaming, liveOf, pollerOf, streamNames, useKinesis } from './support.ts';
import type { LiveRepository } from '../../src/streaming/live.repository.ts';
import { LiveConsumer } from '../../src/streaming/consumer.ts';

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

/** A mixed workload: orders of several lines, in two currencies, spread over the last half hour. */
function workload(eu: string[], row: string[], tag: string) {
  const orders = [];
  let i = 0;
  for (const customerId of [...eu, ...row]) {
    for (let o = 0; o < 3; o++, i++) {
      orders.push({
        orderId: `${tag}-${i}`,
        customerId,
        purchasedAt: minutesAgo(1 + ((i * 7) % 30)),
        lines: [
          { productId: 'coffee', quantity: 2, unitPrice: 9.5, currency: 'EUR' },
          { productId: o === 1 ? 'tea' : 'filters', quantity: 1, unitPrice: 3.25, currency: customerId.includes('_eu_') ? 'EUR' : 'USD' },
        ],
      });
    }
  }
  return orders;
}

/** What the live figures must say about a set of orders, computed independently of the consumer. */
function expected(orders: ReturnType<typeof workload>) {
  const revenue: Record<string, number> = {};
  for (const o of orders) for (const l of o.lines) revenue[l.currency] = (revenue[l.currency] ?? 0) + l.quantity * l.unitPrice;
  return { orders: orders.length, lines: orders.reduce((s, o) => s + o.lines.length, 0), revenue: Object.fromEntries(Object.entries(revenue).map(([c, v]) => [c, Math.round(v * 1e4) / 1e4])) };
}

describe('streaming: purchases through Kinesis (kinesalite) to the live figures', () => {
  const k = useKinesis();
  const t = useApi(() => ({ streaming: (region) => k.kinesis.connection(region) }));
  const customers = { eu: [] as string[], row: [] as string[] };
  const sent: ReturnType<typeof workload> = [];
  const live = (jurisdiction: 'EU' | 'ROW') => liveOf(t.api, t.admin, jurisdiction);
  const drainAndPoll = () => drainAll(t.api);
  const byJurisdiction = (j: 'eu' | 'row') => sent.filter((o) => o.customerId.includes(`_${j}_`));

  it('every purchase of a mixed workload reaches its jurisdiction\'s live figures exactly once, EU events only in the EU stream', async () => {
    for (let i = 0; i < 4; i++) customers.eu.push(await t.newCustomer({ country: 'DE' }));
    for (let i = 0; i < 3; i++) customers.row.push(await t.newCustomer({ country: 'US' }));
    const orders = workload(customers.eu, customers.row, 'a');
    sent.push(...orders);
    const res = await t.api.call('POST', '/v1/purchases', { key: t.admin, body: { orders } });
    expect(res.status).toBe(200);
    expect(res.body.created).toBe(expected(orders).lines);
    // Sent again: the lines are duplicates, their events go out again, and the consumer drops them.
    const again = await t.api.call('POST', '/v1/purchases', { key: t.admin, body: { orders } });
    expect(again.body.duplicates).toBe(expected(orders).lines);
    await drainAndPoll();

    for (const [j, name] of [['EU', 'eu'], ['ROW', 'row']] as const) {
      const view = await live(j);
      const want = expected(byJurisdiction(name));
      expect(view.ordersLastHour).toBe(want.orders);
      expect(view.linesLastHour).toBe(want.lines);
      expect(view.revenueLastHour).toEqual(want.revenue);
      expect(view.activeCustomersLastHour).toBe(customers[name].length);
      // Trending is a sliding window of the last 15 minutes: only the orders bought in it.
      const recent = byJurisdiction(name).filter((o) => o.purchasedAt.slice(0, 16) >= view.window.trendingFrom).length;
      expect(recent).toBeGreaterThan(0);
      expect(view.trendingProducts[0]).toEqual({ productId: 'coffee', quantity: 2 * recent });
      expect(JSON.stringify(view)).not.toMatch(/cus_/);
    }
    const lines = (records: string[]) => records.filter((d) => JSON.parse(d).type === 'purchase.line');
    const eu = lines(await allRecords(homeStreaming(t.api, 'eu-central-1')));
    const row = await allRecords(homeStreaming(t.api, 'us-east-1'));
    expect(eu.length).toBe(2 * expected(byJurisdiction('eu')).lines); // published twice, counted once
    expect(eu.every((d) => d.includes('"customerId":"cus_eu_'))).toBe(true);
    expect(row.every((d) => !d.includes('cus_eu_'))).toBe(true);
    // The ROW stream region has no EU stream at all, and the reverse.
    expect(await streamNames(k.kinesis, 'us-east-1')).toEqual(['cadence-row-events']);
    expect(await streamNames(k.kinesis, 'eu-central-1')).toEqual(['cadence-eu-events']);
  });

  it('accepts purchases while Kinesis is down; they wait in the outbox and arrive once it is back', async () => {
    await k.kinesis.stop('eu-central-1');
    const orders = workload(customers.eu.slice(0, 2), [], 'down');
    const started = Date.now();
    const res = await t.api.call('POST', '/v1/purchases', { key: t.admin, body: { orders } });
    expect(res.status).toBe(200);
    expect(res.body.created).toBe(expected(orders).lines);
    expect(Date.now() - started).toBeLessThan(5000);
    // The purchases' lines wait there (a customer these orders made due may add its `customer.due` fact:
    // whether one does depends on the day the test runs, so only the lines are counted).
    const waiting = (await t.stores.scanAll('EU')).filter((i) => i.kind === 'outbox' && JSON.parse(String(i.event)).type === 'purchase.line');
    expect(waiting.length).toBe(expected(orders).lines);
    sent.push(...orders);

    await k.kinesis.start('eu-central-1');
    await drainAndPoll();
    expect((await t.stores.scanAll('EU')).filter((i) => i.kind === 'outbox')).toEqual([]);
    const want = expected(byJurisdiction('eu'));
    const view = await live('EU');
    expect(view.ordersLastHour).toBe(want.orders);
    expect(view.revenueLastHour).toEqual(want.revenue);
  });

  it('a consumer killed mid-batch and restarted continues from its checkpoint and counts nothing twice', async () => {
    const orders = workload(customers.eu, [], 'crash');
    sent.push(...orders);
    expect((await t.api.call('POST', '/v1/purchases', { key: t.admin, body: { orders } })).status).toBe(200);
    const parts = homeStreaming(t.api, 'eu-central-1');
    // The process "dies" at its third bucket write: some buckets of the batch are written, the checkpoint is not.
    let writes = 0;
    const dying = new Proxy(parts.live, {
      get(target, prop, receiver) {
        if (prop === 'saveBucket') {
          return (...args: Parameters<LiveRepository['saveBucket']>) => {
            if (++writes === 3) throw new Error('killed');
            return target.saveBucket(...args);
          };
        }
        return Reflect.get(target, prop, receiver);
      },
    });
    const crashing = new LiveConsumer({ jurisdiction: 'EU', live: dying, erasedCustomers: async () => new Set(), now: Date.now });
    await expect(pollerOf(parts, crashing).pollOnce()).rejects.toThrow('killed');
    expect(writes).toBe(3);
    await pollerOf(parts).pollOnce(); // a new process, from the checkpoint
    const want = expected(byJurisdiction('eu'));
    const view = await live('EU');
    expect(view.ordersLastHour).toBe(want.orders);
    expect(view.linesLastHour).toBe(want.lines);
    expect(view.revenueLastHour).toEqual(want.revenue);
  });

  it('publishes customers created, consent set, exposures and erasures to the jurisdiction\'s stream, each fact once however often it is told', async () => {
    await t.api.call('PUT', '/v1/experiments/stream-banner', { key: t.admin, body: { name: 'Stream banner', variations: [{ key: 'control' }, { key: 'new' }], status: 'running' } });
    const created = await t.api.call('POST', '/v1/customers', { key: t.admin, body: { country: 'DE' }, headers: { 'idempotency-key': 'stream-facts' } });
    const id = created.body.id as string;
    // Told twice: a create retried with its key, a consent PATCH sent again.
    await t.api.call('POST', '/v1/customers', { key: t.admin, body: { country: 'DE' }, headers: { 'idempotency-key': 'stream-facts' } });
    for (let i = 0; i < 2; i++) expect((await t.api.call('PATCH', `/v1/customers/${id}`, { key: t.admin, body: { consents: { profiling: true } } })).status).toBe(200);
    const look = await t.api.call('GET', `/v1/customers/${id}/experiments/stream-banner`, { key: t.admin });
    expect(look.status).toBe(200);
    expect((await t.api.call('DELETE', `/v1/customers/${id}`, { key: t.admin })).status).toBeLessThan(300);
    const eu = (await allRecords(homeStreaming(t.api, 'eu-central-1'))).map((d) => JSON.parse(d)).filter((e) => e.customerId === id);
    const ids = new Set(eu.map((e) => e.id));
    const byType = (type: string) => [...new Set(eu.filter((e) => e.type === type).map((e) => e.id))];
    expect(byType('customer.created')).toHaveLength(1);
    expect(byType('consent.changed')).toHaveLength(1);
    expect(eu.find((e) => e.type === 'consent.changed').profiling).toBe(true);
    expect(byType('experiment.exposure')).toHaveLength(1);
    expect(eu.find((e) => e.type === 'experiment.exposure')).toMatchObject({ experimentKey: 'stream-banner', phase: 1, variationId: look.body.variationId, variationKey: look.body.key });
    expect(byType('customer.erased')).toHaveLength(1);
    expect(ids.size).toBe(4);
    expect((await allRecords(homeStreaming(t.api, 'us-east-1'))).some((d) => d.includes(id))).toBe(false);
  });

  it('answers bad live queries with problems', async () => {
    const bad = await t.api.call('GET', '/v1/ops/live?jurisdiction=MARS', { key: t.admin });
    expect(bad.status).toBe(400);
    expect(bad.type).toContain('application/problem+json');
    const unknown = await t.api.call('GET', '/v1/ops/live?window=5', { key: t.admin });
    expect(unknown.status).toBe(400);
    const noScope = await t.api.call('GET', '/v1/ops/live?jurisdiction=EU', { key: await t.stores.key(['purchases:write']) });
    expect(noScope.status).toBe(403);
    expect(noScope.body.code).toBe('auth.forbidden');
  });
});
