import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAccuracyStore } from '../../src/accuracy/accuracy.repository.ts';
import { AccuracyService, type RefitOutcome } from '../../src/accuracy/accuracy.service.ts';
import { homeRegion, localConnection } from '../../src/local/bootstrap.ts';
import { documentClient } from '../../src/storage/client.ts';
import { formatDay } from '../../src/shared/days.ts';
import { startDynaliteStores, type TestStores } from '../support/stores.ts';

/** Decision 130: each refit page snapshots its own customers; the end of the refit scores from what they stored. */
const DAY = 20_000;
const prediction = (next: number) => ({ next: { nextDay: next, lowDay: next - 3, highDay: next + 3 }, probabilityOfPurchase30: 0.5, expectedPurchases30: 1 });
const page = (asOfDay: number, p: number, pages: number, customers: [string, number[], number][]): RefitOutcome => ({
  kind: 'page', asOfDay, modelVersion: 'v1', page: p, pages,
  customers: customers.map(([customerId, purchaseDays, next]) => ({ customerId, purchaseDays, prediction: prediction(next) })),
});

describe('production accuracy from refit pages', () => {
  let stores: TestStores;
  let service: AccuracyService;

  beforeAll(async () => {
    stores = await startDynaliteStores();
    const doc = documentClient(localConnection(stores.endpoints.EU));
    const now = () => (DAY + 2) * 86_400_000;
    service = new AccuracyService({ region: { jurisdiction: 'EU' }, store: new DynamoAccuracyStore(doc, homeRegion('EU').tables.predictions, now), hash: async (id) => `ref-${id}`.padEnd(16, '0'), now });
  });
  afterAll(async () => stores?.close());

  it('scores an earlier snapshot against the days the pages of a later refit stored, page by page', async () => {
    // Day 1: two pages of customers a, b (page 0) and c (page 1).
    await service.afterRefit(page(DAY, 0, 2, [['a', [DAY - 30], DAY + 5], ['b', [DAY - 40], DAY + 20]]));
    await service.afterRefit(page(DAY, 1, 2, [['c', [DAY - 10], DAY + 2]]));
    await service.afterRefit({ kind: 'finished', asOfDay: DAY, modelVersion: 'v1', pages: 2 });
    // Day 2, three pages now (customers land on other pages): a bought on day DAY.
    await service.afterRefit(page(DAY + 1, 0, 3, [['c', [DAY - 10], DAY + 3]]));
    await service.afterRefit(page(DAY + 1, 1, 3, [['a', [DAY - 30, DAY], DAY + 25]]));
    await service.afterRefit(page(DAY + 1, 2, 3, [['b', [DAY - 40], DAY + 19]]));
    const r = await service.afterRefit({ kind: 'finished', asOfDay: DAY + 1, modelVersion: 'v1', pages: 3 });
    expect(r).toEqual({ snapshot: formatDay(DAY), scored: 1 });
    const report = await service.report(formatDay(DAY - 1), formatDay(DAY));
    const total = report.weeks.reduce((s, w) => ({ customers: s.customers + w.customers, scored: s.scored + w.nextDate.scored }), { customers: 0, scored: 0 });
    // Day 1's three rows (one scored: a bought on DAY, 5 days before its predicted DAY + 5) and day 2's three.
    expect(total).toEqual({ customers: 6, scored: 1 });
    const week = report.weeks.find((w) => w.nextDate.scored === 1)!;
    expect(week.nextDate.maeDays).toBe(5);
    // What the pages stored for the scoring is gone once it is done.
    const items = await stores.scanAll('EU');
    expect(items.filter((i) => String(i.customerId).startsWith('accuracy#days#'))).toEqual([]);
  });

  it('scores nothing when a page stored nothing (rather than count its customers as gone)', async () => {
    await service.afterRefit(page(DAY + 2, 0, 2, [['a', [DAY - 30, DAY], DAY + 25]]));
    await expect(service.afterRefit({ kind: 'finished', asOfDay: DAY + 2, modelVersion: 'v1', pages: 2 })).rejects.toThrow(/stored no snapshot/);
    const report = await service.report(formatDay(DAY - 1), formatDay(DAY + 1));
    expect(report.weeks.reduce((s, w) => s + w.customers, 0)).toBe(6);
  });
});
