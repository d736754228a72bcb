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
import { DynamoPredictionRepository, type StoredPredictions } from '../../src/predictions/predictions.repository.ts';
import { DynamoAssignmentRepository } from '../../src/segments/segments.repository.ts';
import { DynamoJobRepository } from '../../src/insights/jobs.repository.ts';
import { DynamoLedgerRepository } from '../../src/insights/ledger.repository.ts';
import { DynamoBatchRepository } from '../../src/insights/batches.repository.ts';
import { InsightsPersonalData } from '../../src/insights/insights.personal-data.ts';
import { jobIdFor } from '../../src/residency/jurisdiction.ts';
import type { PredictionsView } from '../../src/predictions/predictions.schemas.ts';

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

  it('writes a bulk of lines in batches and reads them back consistently, the last content winning', async () => {
    const repo = new DynamoPurchaseRepository(eu(), tables.purchases);
    const id = newCustomerId('EU');
    const lines = Array.from({ length: 60 }, (_, n) => line(id, n, n % 28));
    await repo.putAll(lines);
    await repo.putAll([{ ...line(id, 0, 0), quantity: 3 }]);
    const found = await repo.find(lines, true);
    expect(found.size).toBe(60);
    expect(found.get(`${id}#o-0#sku-1`)?.quantity).toBe(3);
    expect((await repo.allOf(id)).length).toBe(60);
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

  it('keeps the predictions computed from more lines when two recomputes overlap', async () => {
    const repo = new DynamoPredictionRepository(eu(), tables.predictions);
    const id = newCustomerId('EU');
    const stored = (lineCount: number): StoredPredictions => ({ customerId: id, etag: `"e${lineCount}"`, computedAt: '2026-01-01T00:00:00.000Z', lineCount, lastPurchase: '2026-01-01', body: JSON.stringify(view(id)) });
    expect(await repo.putIfNotOlder(stored(5))).toBe(true);
    expect(await repo.putIfNotOlder(stored(3))).toBe(false);
    expect(await repo.putIfNotOlder(stored(5))).toBe(true);
    expect((await repo.get(id))?.etag).toBe('"e5"');
    // The body is served as stored, byte for byte; an item written before bodies were stored still reads.
    expect((await repo.get(id))?.body).toBe(JSON.stringify(view(id)));
    const old = newCustomerId('EU');
    await stores.put('EU', 'predictions', { customerId: old, etag: '"o"', computedAt: '2026-01-01T00:00:00.000Z', lineCount: 1, view: { ...view(old), data: { firstPurchase: '2026-01-01', lastPurchase: '2026-01-01', purchaseDays: 1, purchaseLines: 1, totalSpend: 1 } } });
    expect(JSON.parse((await repo.get(old))!.body).data).toMatchObject({ currency: 'XXX', spendByCurrency: {} });
    expect([...(await repo.many([id, newCustomerId('EU')])).keys()]).toEqual([id]);
  });

  it('lets an assignment be replaced only by the run that wrote it', async () => {
    const repo = new DynamoAssignmentRepository(eu(), tables.segments);
    const id = newCustomerId('EU');
    const a = { customerId: id, segmentId: 'seg_1', distance: 1, runId: 'eu-r1', assignedAt: '2026-01-01T00:00:00.000Z' };
    expect(await repo.putIfSameRun(a)).toBe(true);
    expect(await repo.putIfSameRun({ ...a, segmentId: 'seg_2' })).toBe(true);
    await repo.putMany([{ ...a, runId: 'eu-r2', segmentId: 'seg_3' }]);
    expect(await repo.putIfSameRun({ ...a, segmentId: 'seg_4' })).toBe(false);
    expect((await repo.get(id))?.segmentId).toBe('seg_3');
    expect((await repo.all()).get(id)).toBe('seg_3');
  });

  it('claims a job once, lets an expired lease be taken over, and finishes only under the live claim', async () => {
    const jobs = new DynamoJobRepository(eu(), tables.insights);
    const id = newCustomerId('EU');
    const jobId = jobIdFor(id);
    const at = Date.parse('2026-01-01T00:00:00Z');
    expect((await jobs.markPending(id, jobId, at, at - 1)).marked).toBe(true);
    expect(await jobs.markPending(id, jobIdFor(id), at, at - 1)).toEqual({ marked: false, jobId });
    await jobs.create({ jobId, customerId: id, kind: 'insights.analyze', reason: 'on_demand', status: 'queued', attempts: 0, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' });
    const first = await jobs.claim(id, jobId, at, 1000);
    expect(first.claimed && first.job.attempts).toBe(1);
    expect((await jobs.claim(id, jobId, at + 500, 1000)).claimed).toBe(false);
    const second = await jobs.claim(id, jobId, at + 1500, 1000); // the first worker's lease ran out
    expect(second.claimed && second.job.attempts).toBe(2);
    expect(await jobs.finish(id, jobId, 1, at + 1600, { source: 'statistical', costUsd: 0 })).toBe(false);
    expect(await jobs.finish(id, jobId, 2, at + 1600, { source: 'statistical', costUsd: 0 })).toBe(true);
    await jobs.fail(id, jobId, at + 2000, 'late dead letter');
    expect((await jobs.get(id, jobId))?.status).toBe('done');
    await jobs.clearPending(id, jobId);
    expect((await jobs.markPending(id, jobIdFor(id), at, at - 1)).marked).toBe(true);
  });

  it('records a ledger line once per job, and counts each period once', async () => {
    const ledger = new DynamoLedgerRepository(eu(), tables.insights);
    const id = newCustomerId('EU');
    const line = { customerId: id, jobId: jobIdFor(id), at: '2026-01-01T00:00:00.000Z', modelId: 'm', region: 'eu-central-1', calls: 1, inputTokens: 10, outputTokens: 5, pricePerMillion: { input: 1, output: 5 }, costUsd: 0.000035, outcome: 'answer' as const };
    expect(await ledger.put(line)).toBe(true);
    expect(await ledger.put({ ...line, costUsd: 1 })).toBe(false);
    await ledger.markCounted(id, line.jobId, 'day');
    expect((await ledger.get(id, line.jobId))?.counted).toEqual({ day: true, month: false });
    expect((await ledger.of(id)).map((l) => l.costUsd)).toEqual([0.000035]);
  });

  it('sums a batch from its pages, each page stored once', async () => {
    const batches = new DynamoBatchRepository(eu(), tables.insights);
    const counts = { customers: 10, enqueued: 3, unchanged: 6, inactive: 1, noConsent: 0, alreadyPending: 1 };
    await batches.putPage('eu-contract', 0, counts, 2, '2026-01-01T00:00:00.000Z');
    await batches.putPage('eu-contract', 0, { ...counts, customers: 99 }, 2, '2026-01-01T00:00:00.000Z');
    expect(await batches.report('eu-contract')).toMatchObject({ pages: 1, finished: false, customers: 10 });
    await batches.putPage('eu-contract', 1, counts, 2, '2026-01-01T00:00:00.000Z');
    expect(await batches.report('eu-contract')).toMatchObject({ pages: 2, finished: true, customers: 20, enqueued: 6, unchanged: 12, unchangedShare: 0.6 });
  });

  it("exports and erases a customer's partition of every personal table with one query each", async () => {
    const doc = eu();
    const id = newCustomerId('EU');
    const purchases = new DynamoPurchaseRepository(doc, tables.purchases);
    for (let n = 0; n < 30; n++) await purchases.putIfAbsent(line(id, n, n));
    await new DynamoJobRepository(doc, tables.insights).markPending(id, jobIdFor(id), 1, 0);
    const insights = new InsightsPersonalData(doc, tables.insights);
    let exported = 0;
    for await (const _ of purchases.exportOf(id)) exported++;
    expect(exported).toBe(30);
    expect(await purchases.eraseOf(id)).toBe(30);
    expect(await insights.eraseOf(id)).toBe(1);
    expect(await purchases.allOf(id)).toEqual([]);
  });
});

function view(customerId: string): PredictionsView {
  const day = '2026-01-01';
  const range = { from: day, to: day };
  return {
    customerId,
    computedAt: '2026-01-01T00:00:00.000Z',
    modelVersion: 'x',
    population: { source: 'default', customers: 0 },
    data: { firstPurchase: day, lastPurchase: day, purchaseDays: 1, purchaseLines: 1, currency: 'EUR', totalSpend: 1, spendByCurrency: { EUR: 1 } },
    customer: { probabilityAlive: 1, expectedPurchases30: 0, expectedPurchases90: 0, probabilityOfPurchase30: 0, probabilityOfPurchase90: 0, nextPurchaseDate: day, nextPurchaseRange: range, typicalIntervalDays: 30, churnRisk: 'low', churnEvidence: [], flags: [] },
    products: [],
    productsOmitted: 0,
    categories: [],
  };
}
