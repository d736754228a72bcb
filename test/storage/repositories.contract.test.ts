import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { regions } from '../../regions/index.ts';
import { DynamoCustomerRepository, CustomerConflictError } from '../../src/customers/customers.repository.ts';
import { newCustomer } from '../../src/customers/customers.model.ts';
import { homeRegion, localConnection } from '../../src/local/bootstrap.ts';
import { DynamoProductRepository } from '../../src/products/products.repository.ts';
import { DynamoPurchaseRepository } from '../../src/purchases/purchases.repository.ts';
import type { PurchaseLine } from '../../src/purchases/purchases.model.ts';
import { batchGetAll, batchWriteAll } from '../../src/storage/batch.ts';
import { documentClient } from '../../src/storage/client.ts';
import { newCustomerId } from '../../src/shared/ids.ts';
import { motoAvailable, startDynaliteStores, startMotoStores, type TestStores } from '../support/stores.ts';

/**
 * The same contract against every DynamoDB-compatible server we have: dynalite always, moto where it is
 * installed (CI), so behaviour does not hang on one emulator's quirks.
 */
const backends: [string, () => Promise<TestStores>][] = [['dynalite', startDynaliteStores]];
if (motoAvailable) backends.push(['moto', startMotoStores]);

describe.each(backends)('repositories on %s', (_name, start) => {
  let stores: TestStores;
  beforeAll(async () => {
    stores = await start();
  });
  afterAll(async () => stores?.close());

  const eu = () => documentClient(localConnection(stores.endpoints.EU));
  const tables = homeRegion('EU').tables;
  const line = (customerId: string, n: number, day: number): PurchaseLine => ({
    customerId,
    orderId: `o-${n}`,
    lineId: 'sku-1',
    productId: 'sku-1',
    quantity: 1,
    unitPrice: 2.5,
    currency: 'EUR',
    purchasedAt: new Date(Date.UTC(2026, 0, 1 + day)).toISOString(),
  });

  it('creates a customer once, refuses a second create, and replaces only at the expected version', async () => {
    const repo = new DynamoCustomerRepository(eu(), tables.customers);
    const c = newCustomer(newCustomerId('EU'), 'EU', { displayName: 'A' }, '2026-01-01T00:00:00.000Z');
    await repo.create(c);
    await expect(repo.create(c)).rejects.toBeInstanceOf(CustomerConflictError);
    const v = await repo.getVersioned(c.id);
    expect(v?.version).toBe(1);
    await repo.replace({ ...c, displayName: 'B' }, 1);
    await expect(repo.replace({ ...c, displayName: 'C' }, 1)).rejects.toBeInstanceOf(CustomerConflictError);
    expect((await repo.get(c.id))?.displayName).toBe('B');
    const other = newCustomerId('EU');
    expect([...(await repo.existing([c.id, other, c.id]))]).toEqual([c.id]);
  });

  it('stores a purchase line once and pages a customer newest first, whatever the arrival order', async () => {
    const repo = new DynamoPurchaseRepository(eu(), tables.purchases);
    const id = newCustomerId('EU');
    const days = [5, 1, 9, 3, 7, 2, 8];
    for (const [n, d] of days.entries()) expect((await repo.putIfAbsent(line(id, n, d))).created).toBe(true);
    const again = await repo.putIfAbsent(line(id, 0, 5));
    expect(again).toEqual({ created: false, stored: expect.objectContaining({ orderId: 'o-0', quantity: 1 }) });

    const seen: string[] = [];
    let before: string | undefined;
    do {
      const page = await repo.newestFirst(id, 3, before);
      seen.push(...page.items.map((p) => p.purchasedAt.slice(0, 10)));
      before = page.lastTimeKey;
    } while (before);
    expect(seen).toEqual([...days].sort((a, b) => b - a).map((d) => new Date(Date.UTC(2026, 0, 1 + d)).toISOString().slice(0, 10)));

    const found = await repo.find([line(id, 0, 5), line(id, 99, 1)]);
    expect([...found.keys()]).toEqual([`${id}#o-0#sku-1`]);
  });

  it('lists the catalog by category with pagination', async () => {
    const repo = new DynamoProductRepository(documentClient(localConnection(stores.endpoints.GLOBAL)), regions[0]!.tables.catalog);
    for (let i = 0; i < 7; i++) {
      await repo.put({ id: `p-${i}`, name: `P${i}`, category: i % 2 ? 'tea' : 'coffee', price: 1, currency: 'EUR', packSize: 1, packUnit: 'item', consumable: true, updatedAt: '2026-01-01T00:00:00.000Z' });
    }
    const ids: string[] = [];
    let after: Record<string, unknown> | undefined;
    do {
      const page = await repo.list({ category: 'coffee', limit: 2, ...(after ? { after } : {}) });
      ids.push(...page.items.map((p) => p.id));
      after = page.last;
    } while (after);
    expect(ids.sort()).toEqual(['p-0', 'p-2', 'p-4', 'p-6']);
    expect([...(await repo.many(['p-1', 'p-404'])).keys()]).toEqual(['p-1']);
  });

  it('batch-writes and batch-reads more items than one call takes (25 / 100)', async () => {
    const doc = eu();
    const id = newCustomerId('EU');
    const items = Array.from({ length: 130 }, (_, n) => ({ customerId: id, lineKey: `b-${n}#x`, timeKey: `2026-01-01T00:00:00.000Z#b-${n}#x` }));
    await batchWriteAll(doc, tables.purchases, items);
    const got = await batchGetAll(doc, tables.purchases, items.map(({ customerId, lineKey }) => ({ customerId, lineKey })));
    expect(got).toHaveLength(130);
  });
});
