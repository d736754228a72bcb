import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStores } from '../../src/local/dynamo-stores.ts';
import { generateApiKey } from '../../src/auth/api-keys.ts';
import { client, type Client } from '../support/app.ts';
import { startStoreProcess, type StoreProcess } from '../support/dynalite-process.ts';
import { withTables, type TestStores } from '../support/stores.ts';

/** The global store (API keys, catalog, models) goes away: callers are told to retry, never a 500. */
describe('the global store going away', () => {
  let global: StoreProcess;
  let stores: TestStores;
  let api: Client;
  let clock = Date.parse('2026-11-30T12:00:00Z');
  beforeAll(async () => {
    global = await startStoreProcess();
    const local = await startLocalStores();
    stores = await withTables({ EU: local.endpoints.EU, ROW: local.endpoints.ROW, GLOBAL: global.endpoint }, async () => {
      await local.close();
      await global.stop();
    });
    api = client(stores, { now: () => clock });
  });
  afterAll(async () => stores?.close());

  it('answers an unknown key and a catalog read with 503, and a known key keeps working from its cached record', async () => {
    expect((await api.call('GET', '/v1/products?limit=1', { key: stores.adminKey })).status).toBe(200);
    const id = (await api.call('POST', '/v1/customers', { key: stores.adminKey, body: { country: 'DE' } })).body.id as string;
    await global.stop();
    clock += 61_000; // the key record and the verified credential have expired from the isolate caches
    const unknown = await api.call('GET', '/v1/products?limit=1', { key: generateApiKey() });
    expect([unknown.status, unknown.body.code]).toEqual([503, 'storage.unavailable']);
    const catalog = await api.call('GET', '/v1/products/p-1', { key: stores.adminKey });
    expect([catalog.status, catalog.body.code]).toEqual([503, 'storage.unavailable']);
    // The known key authenticates from its last known record: personal reads go on.
    expect((await api.call('GET', `/v1/customers/${id}`, { key: stores.adminKey })).status).toBe(200);
    const ready = await api.call('GET', '/health/ready');
    expect([ready.status, ready.body.checks['dynamodb:global']]).toEqual([503, expect.stringMatching(/^unavailable/)]);
    await global.start();
    expect((await api.call('GET', '/v1/products?limit=1', { key: stores.adminKey })).status).toBe(200);
  }, 60_000);
});
