import { afterAll, beforeAll, expect, it } from 'vitest';
import { homeRegion, localConnection } from '../../src/local/bootstrap.ts';
import { newCustomerId } from '../../src/shared/ids.ts';
import { batchGetAll, batchWriteAll } from '../../src/storage/batch.ts';
import { documentClient } from '../../src/storage/client.ts';
import { startDynaliteStores, type TestStores } from '../support/stores.ts';
import { startThrottlingProxy } from '../support/throttling-proxy.ts';

let stores: TestStores;
beforeAll(async () => {
  stores = await startDynaliteStores();
});
afterAll(async () => stores.close());

const table = homeRegion('EU').tables.purchases;

it('re-sends UnprocessedItems until every item is written, and re-asks UnprocessedKeys until every item is read', async () => {
  const proxy = await startThrottlingProxy(stores.endpoints.EU, 6);
  try {
    const doc = documentClient(localConnection(proxy.endpoint));
    const id = newCustomerId('EU');
    const items = Array.from({ length: 60 }, (_, n) => ({ customerId: id, lineKey: `o-${n}#x`, timeKey: `2026-01-01T00:00:00.000Z#o-${n}#x` }));
    await batchWriteAll(doc, table, items);
    // 60 items = 3 calls of 25 at least; every throttled call adds a retry.
    expect(proxy.batchCalls()).toBeGreaterThan(3);

    // Read straight from the store (not through the proxy): all 60 are there.
    const direct = documentClient(localConnection(stores.endpoints.EU));
    const stored = await batchGetAll(direct, table, items.map(({ customerId, lineKey }) => ({ customerId, lineKey })));
    expect(stored).toHaveLength(60);

    const before = proxy.batchCalls();
    const read = await batchGetAll(doc, table, items.map(({ customerId, lineKey }) => ({ customerId, lineKey })));
    expect(read.map((i) => i.lineKey).sort()).toEqual(items.map((i) => i.lineKey).sort());
    expect(proxy.batchCalls() - before).toBeGreaterThan(1);
  } finally {
    await proxy.close();
  }
});
