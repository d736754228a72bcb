import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { homeRegion, localConnection } from '../../src/local/bootstrap.ts';
import { startLocalStores } from '../../src/local/dynamo-stores.ts';
import { mapLimit } from '../../src/shared/map-limit.ts';
import { REVALIDATE_WINDOW_MS } from '../../src/shared/ttl-cache.ts';
import { documentClient } from '../../src/storage/client.ts';
import { client, type Client } from '../support/app.ts';
import { startStoreProcess, type StoreProcess } from '../support/dynalite-process.ts';
import { withTables, type TestStores } from '../support/stores.ts';

/**
 * The EU store is a process of its own that the test kills under a mixed read/write load and starts
 * again: no answer is a 500, writes are refused with 503 and Retry-After, cached reads keep answering
 * (marked stale), and after the restart every write that was accepted is there.
 */
describe('a personal store that goes away under load', () => {
  let eu: StoreProcess;
  let stores: TestStores;
  let api: Client;
  let clock = Date.parse('2026-11-30T12:00:00Z');
  beforeAll(async () => {
    eu = await startStoreProcess();
    const local = await startLocalStores();
    stores = await withTables({ EU: eu.endpoint, ROW: local.endpoints.ROW, GLOBAL: local.endpoints.GLOBAL }, async () => {
      await local.close();
      await eu.stop();
    });
    // The product's own client: a refused connection is retried once (decision 157), not five times.
    api = client(stores, { now: () => clock });
  });
  afterAll(async () => stores?.close());

  const at = (daysAgo: number) => new Date(clock - daysAgo * 86_400_000).toISOString();
  const order = (customerId: string, orderId: string, daysAgo: number, lines = 1) => ({
    orderId,
    customerId,
    purchasedAt: at(daysAgo),
    lines: Array.from({ length: lines }, (_, i) => ({ lineId: `l${i}`, productId: `p-${i % 7}`, quantity: 1, unitPrice: 4.5, currency: 'EUR' })),
  });
  const linesOf = async (customerId: string) => {
    const res = await documentClient(localConnection(eu.endpoint)).send(
      new QueryCommand({ TableName: homeRegion('EU').tables.purchases, KeyConditionExpression: 'customerId = :c', ExpressionAttributeValues: { ':c': customerId }, ProjectionExpression: 'orderId, lineId' }),
    );
    return new Set((res.Items ?? []).map((i) => `${i.orderId}#${i.lineId}`));
  };

  it('answers 503 with Retry-After for writes, stale 200s for cached reads, no 500, and loses no accepted write', async () => {
    const customers: string[] = [];
    for (let i = 0; i < 8; i++) {
      const id = (await api.call('POST', '/v1/customers', { key: stores.adminKey, body: { country: 'DE' } })).body.id as string;
      await api.call('POST', '/v1/purchases', { key: stores.adminKey, body: { orders: [order(id, 'a', 30), order(id, 'b', 16), order(id, 'c', 2)] } });
      expect((await api.call('GET', `/v1/customers/${id}/predictions`, { key: stores.adminKey })).status).toBe(200);
      customers.push(id);
    }
    const neverRead = (await api.call('POST', '/v1/customers', { key: stores.adminKey, body: { country: 'FR' } })).body.id as string;

    await eu.stop();
    // Just past its minute a read is still answered: through the app, stale (the key is verified again
    // there), then from the isolate's bytes while their re-read fails.
    clock += 61_000;
    for (let i = 0; i < 2; i++) expect((await api.call('GET', `/v1/customers/${customers[0]}/predictions`, { key: stores.adminKey, region: 'eu-central-1' })).status).toBe(200);
    clock += REVALIDATE_WINDOW_MS; // past that window too: every read goes to the store
    const outcomes: { kind: string; status: number; retryAfter: string | null; warning: string | null; code?: string; order?: string; customer?: string }[] = [];
    const request = async (kind: string, method: string, path: string, body?: unknown, extra: { order?: string; customer?: string } = {}) => {
      const res = await api.fetch(new Request(`http://cadence.test${path}`, {
        method,
        headers: { authorization: `Bearer ${stores.adminKey}`, 'content-type': 'application/json', 'cadence-edge-region': kind === 'read' ? 'eu-central-1' : 'us-east-1' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      }));
      const json = (await res.json().catch(() => ({}))) as { code?: string };
      outcomes.push({ kind, status: res.status, retryAfter: res.headers.get('retry-after'), warning: res.headers.get('warning'), ...(json.code ? { code: json.code } : {}), ...extra });
    };
    await mapLimit(Array.from({ length: 120 }, (_, i) => i), 12, async (i) => {
      const id = customers[i % customers.length]!;
      if (i % 3 === 0) await request('write', 'POST', '/v1/purchases', order(id, `down-${i}`, 0), { order: `down-${i}`, customer: id });
      else if (i % 10 === 1) await request('write', 'POST', '/v1/customers', { country: 'AT' });
      else await request('read', 'GET', `/v1/customers/${id}/predictions`);
    });
    await request('uncached', 'GET', `/v1/customers/${neverRead}`);

    expect(outcomes.filter((o) => o.status >= 500 && o.status !== 503)).toEqual([]);
    const writes = outcomes.filter((o) => o.kind === 'write');
    expect(writes.every((o) => o.status === 503 && o.retryAfter !== null && o.code === 'storage.unavailable')).toBe(true);
    const reads = outcomes.filter((o) => o.kind === 'read');
    expect(reads.every((o) => o.status === 200 && o.warning?.startsWith('110'))).toBe(true);
    expect(outcomes.find((o) => o.kind === 'uncached')).toMatchObject({ status: 503, code: 'storage.unavailable' });
    const ready = await api.call('GET', '/health/ready', { region: 'eu-central-1' });
    expect([ready.status, ready.body.checks['dynamodb:eu']]).toEqual([503, expect.stringMatching(/^unavailable/)]);

    await eu.start();
    for (let i = 0; (await api.call('GET', '/health/ready', { region: 'eu-central-1' })).status !== 200; i++) {
      if (i > 100) throw new Error('the store did not come back');
      await new Promise((r) => setTimeout(r, 50));
    }
    // Right after the restart: writes go through again, and nothing answers 500.
    const after: { status: number; order: string; customer: string }[] = [];
    await mapLimit(Array.from({ length: 24 }, (_, i) => i), 12, async (i) => {
      const id = customers[i % customers.length]!;
      const res = await api.call('POST', '/v1/purchases', { key: stores.adminKey, body: order(id, `up-${i}`, 0) });
      after.push({ status: res.status, order: `up-${i}`, customer: id });
    });
    expect(after.every((o) => o.status === 200)).toBe(true);
    for (const o of after) expect(await linesOf(o.customer)).toContain(`${o.order}#l0`);
    for (const o of writes.filter((w) => w.order)) expect(await linesOf(o.customer!)).not.toContain(`${o.order}#l0`);
  }, 90_000);

  it('says line by line what was stored when the store goes away in the middle of a batch, and a resend completes it', async () => {
    const id = (await api.call('POST', '/v1/customers', { key: stores.adminKey, body: { country: 'DE' } })).body.id as string;
    const batch = { orders: Array.from({ length: 16 }, (_, n) => order(id, `big-${n}`, 1 + n, 50)) }; // 800 lines
    const sent = api.call('POST', '/v1/purchases', { key: stores.adminKey, body: batch });
    while ((await linesOf(id).catch(() => new Set())).size < 40) await new Promise((r) => setTimeout(r, 5));
    await eu.stop();
    const res = await sent;
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('purchases.partiallyStored');
    const results = res.body.results as { orderId: string; lineId: string; status: string }[];
    expect(results).toHaveLength(800);
    const created = results.filter((r) => r.status === 'created');
    expect(created.length).toBeGreaterThan(0);
    expect(results.filter((r) => r.status === 'unconfirmed').length).toBeGreaterThan(0);
    await eu.start();
    for (const r of created) expect(await linesOf(id)).toContain(`${r.orderId}#${r.lineId}`);
    const again = await api.call('POST', '/v1/purchases', { key: stores.adminKey, body: batch });
    expect(again.status).toBe(200);
    expect(again.body.created + again.body.duplicates).toBe(800);
    expect((await linesOf(id)).size).toBe(800);
  }, 90_000);

  it('says the same of a bulk sync written in batches: what the store acknowledged is created, the rest unconfirmed', async () => {
    const ids = await Promise.all(Array.from({ length: 25 }, async () => (await api.call('POST', '/v1/customers', { key: stores.adminKey, body: { country: 'DE' } })).body.id as string));
    const batch = { orders: ids.map((id, n) => order(id, `bulk-${n}`, 1 + n, 80)) }; // 2,000 lines, customer by customer
    const sent = api.call('POST', '/v1/purchases', { key: stores.adminKey, body: batch });
    while ((await linesOf(ids[0]!).catch(() => new Set())).size < 50) await new Promise((r) => setTimeout(r, 5));
    await eu.stop();
    const res = await sent;
    expect([res.status, res.body.code]).toEqual([503, 'purchases.partiallyStored']);
    const results = res.body.results as { customerId: string; orderId: string; lineId: string; status: string }[];
    expect(results).toHaveLength(2000);
    expect(results.filter((r) => r.status === 'unconfirmed').length).toBeGreaterThan(0);
    await eu.start();
    for (const r of results.filter((x) => x.status === 'created')) expect(await linesOf(r.customerId)).toContain(`${r.orderId}#${r.lineId}`);
    const again = await api.call('POST', '/v1/purchases', { key: stores.adminKey, body: batch });
    expect(again.status).toBe(200);
    expect(again.body.created + again.body.duplicates).toBe(2000);
    for (const id of ids) expect((await linesOf(id)).size).toBe(80);
  }, 90_000);
});

describe('an erasure when the store goes away half-way', () => {
  let eu: StoreProcess;
  let stores: TestStores;
  let api: Client;
  beforeAll(async () => {
    eu = await startStoreProcess();
    const local = await startLocalStores();
    stores = await withTables({ EU: eu.endpoint, ROW: local.endpoints.ROW, GLOBAL: local.endpoints.GLOBAL }, async () => {
      await local.close();
      await eu.stop();
    });
    api = client(stores);
  });
  afterAll(async () => stores?.close());

  it('never claims completed while an item remains, and finishes when asked again after the store is back', async () => {
    const id = (await api.call('POST', '/v1/customers', { key: stores.adminKey, body: { country: 'DE', contact: { email: 'dora@example.com' } } })).body.id as string;
    await api.call('POST', '/v1/purchases', { key: stores.adminKey, body: { orderId: 'e1', customerId: id, purchasedAt: new Date().toISOString(), lines: [{ productId: 'tea', quantity: 1, unitPrice: 3, currency: 'EUR' }] } });
    const erase = await api.call('DELETE', `/v1/customers/${id}`, { key: stores.adminKey });
    expect(erase.status).toBe(202);
    await eu.stop();
    const queue = api.queues.get('eu-central-1')!;
    await queue.drain(); // every delivery fails: the store is down
    await eu.start();
    const status = await api.call('GET', `/v1/privacy-requests/${erase.body.id}`, { key: stores.adminKey });
    expect(status.body.status).not.toBe('completed');
    const again = await api.call('DELETE', `/v1/customers/${id}`, { key: stores.adminKey });
    expect([again.status, again.body.id]).toEqual([202, erase.body.id]);
    await queue.drain();
    const done = await api.call('GET', `/v1/privacy-requests/${erase.body.id}`, { key: stores.adminKey });
    expect(done.body.status).toBe('completed');
    const left = (await stores.scanAll('EU')).filter((i) => JSON.stringify(i).includes(id) || JSON.stringify(i).includes('dora@example.com'));
    expect(left).toEqual([]);
  }, 90_000);
});
