import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { homeRegion, localConnection } from '../../src/local/bootstrap.ts';
import { startLocalStores } from '../../src/local/dynamo-stores.ts';
import { documentClient } from '../../src/storage/client.ts';
import { client, type Client } from '../support/app.ts';
import { startStoreProcess, type StoreProcess } from '../support/dynalite-process.ts';
import { withTables, type TestStores } from '../support/stores.ts';

/**
 * The EU store's process is frozen (SIGSTOP): the kernel still accepts its connections, nothing answers, as
 * with a hung server or a black-holed route. Every request that needs it must still get an answer (503, not
 * a wait as long as the socket lives), and what it answered must be true once the store is back.
 */
describe('a personal store that stops answering', () => {
  let eu: StoreProcess;
  let stores: TestStores;
  let api: Client;
  const clock = Date.parse('2026-11-30T12:00:00Z');
  beforeAll(async () => {
    eu = await startStoreProcess();
    const local = await startLocalStores();
    stores = await withTables({ EU: eu.endpoint, ROW: local.endpoints.ROW, GLOBAL: local.endpoints.GLOBAL }, async () => {
      eu.resume();
      await local.close();
      await eu.stop();
    });
    // The product's own client: each attempt bounded (STORE_ATTEMPT_TIMEOUTS), a failure that is not
    // throttling retried once (decision 157).
    api = client(stores, { now: () => clock });
  });
  afterAll(async () => stores?.close());

  const order = (customerId: string, orderId: string, daysAgo: number) => ({
    orderId,
    customerId,
    purchasedAt: new Date(clock - daysAgo * 86_400_000).toISOString(),
    lines: [0, 1].map((i) => ({ lineId: `l${i}`, productId: `p-${i}`, quantity: 1, unitPrice: 4.5, currency: 'EUR' })),
  });
  const linesOf = async (customerId: string) => {
    const res = await documentClient(localConnection(eu.endpoint)).send(
      new QueryCommand({ TableName: homeRegion('EU').tables.purchases, KeyConditionExpression: 'customerId = :c', ExpressionAttributeValues: { ':c': customerId }, ProjectionExpression: 'orderId, lineId' }),
    );
    return (res.Items ?? []).map((i) => `${i.orderId}#${i.lineId}`).sort();
  };

  it('answers 503 with Retry-After instead of waiting, keeps serving what it holds, and a resend after it is back stores each line once', async () => {
    const customers: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = (await api.call('POST', '/v1/customers', { key: stores.adminKey, body: { country: 'DE' } })).body.id as string;
      expect((await api.call('POST', '/v1/purchases', { key: stores.adminKey, body: { orders: [order(id, 'a', 30), order(id, 'b', 16)] } })).status).toBe(200);
      expect((await api.call('GET', `/v1/customers/${id}/predictions`, { key: stores.adminKey, region: 'eu-central-1' })).status).toBe(200);
      customers.push(id);
    }
    const neverRead = (await api.call('POST', '/v1/customers', { key: stores.adminKey, body: { country: 'FR' } })).body.id as string;

    eu.pause();
    const writes = customers.map((id) => ({ orders: [order(id, 'hung', 1)] }));
    const [written, uncached, cached, ready] = await Promise.all([
      Promise.all(writes.map(async (body) => {
        const res = await api.fetch(new Request('http://cadence.test/v1/purchases', { method: 'POST', headers: { authorization: `Bearer ${stores.adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }));
        return { status: res.status, headers: res.headers, body: (await res.json()) as { code?: string } };
      })),
      api.call('GET', `/v1/customers/${neverRead}`, { key: stores.adminKey, region: 'eu-central-1' }),
      api.call('GET', `/v1/customers/${customers[0]}/predictions`, { key: stores.adminKey, region: 'eu-central-1' }),
      api.call('GET', '/health/ready', { region: 'eu-central-1' }),
    ]);
    for (const res of written) {
      expect([res.status, res.body.code]).toEqual([503, 'storage.unavailable']);
      expect(res.headers.get('retry-after')).not.toBeNull();
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect([uncached.status, uncached.body.code]).toEqual([503, 'storage.unavailable']);
    expect(cached.status).toBe(200); // the storefront's entry is still fresh: the store is not asked
    expect([ready.status, ready.body.checks['dynamodb:eu']]).toEqual([503, expect.stringMatching(/^unavailable/)]);

    eu.resume();
    for (let i = 0; (await api.call('GET', '/health/ready', { region: 'eu-central-1' })).status !== 200; i++) {
      if (i > 100) throw new Error('the store did not come back');
      await new Promise((r) => setTimeout(r, 50));
    }
    // A 503 after a timeout cannot say whether the frozen store applied the write when it woke: the sender
    // resends (the same ids), and each line is then stored exactly once, as a duplicate or as new.
    for (const [i, body] of writes.entries()) {
      const again = await api.call('POST', '/v1/purchases', { key: stores.adminKey, body });
      expect(again.status).toBe(200);
      expect(again.body.created + again.body.duplicates).toBe(2);
      expect(await linesOf(customers[i]!)).toEqual(['a#l0', 'a#l1', 'b#l0', 'b#l1', 'hung#l0', 'hung#l1']);
    }
  }, 60_000);
});
