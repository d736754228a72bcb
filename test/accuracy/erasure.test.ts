import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccuracyPersonalData } from '../../src/accuracy/accuracy.personal-data.ts';
import { DynamoAccuracyStore } from '../../src/accuracy/accuracy.repository.ts';
import { AccuracyService, type RefitOutcome } from '../../src/accuracy/accuracy.service.ts';
import { homeRegion, localConnection } from '../../src/local/bootstrap.ts';
import { formatDay } from '../../src/shared/days.ts';
import { documentClient } from '../../src/storage/client.ts';
import { startDynaliteStores, type TestStores } from '../support/stores.ts';

/** Decision 141: the accuracy snapshots' rows are personal data, exported and erased with the customer. */
const DAY = 20_000;
const prediction = (next: number) => ({ next: { nextDay: next, lowDay: next - 3, highDay: next + 3 }, probabilityOfPurchase30: 0.5, expectedPurchases30: 1 });
const page = (asOfDay: number, p: number, pages: number, customers: [string, number[], number][]): RefitOutcome => ({
  kind: 'page', asOfDay, modelVersion: 'v1', page: p, pages,
  customers: customers.map(([customerId, purchaseDays, next]) => ({ customerId, purchaseDays, prediction: prediction(next) })),
});
const all = async <T>(it: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};

describe('the accuracy snapshots as an owner of personal data', () => {
  let stores: TestStores;
  let service: AccuracyService;
  let store: DynamoAccuracyStore;
  let owner: AccuracyPersonalData;
  let today = DAY + 1;

  beforeAll(async () => {
    stores = await startDynaliteStores();
    const doc = documentClient(localConnection(stores.endpoints.EU));
    const now = () => today * 86_400_000;
    const hash = async (id: string) => `hash-of-${id}-in-the-deployment`;
    store = new DynamoAccuracyStore(doc, homeRegion('EU').tables.predictions, now);
    service = new AccuracyService({ region: { jurisdiction: 'EU' }, store, hash, now });
    owner = new AccuracyPersonalData({ store, hash, now });
  });
  afterAll(async () => stores?.close());

  it("exports the customer's rows of every kept snapshot, erases them there, and the next scoring no longer counts them", async () => {
    // Two snapshots, a week apart, each of two pages; customer a is on a different page each time.
    for (const [asOf, pages] of [[DAY - 7, [[['a', [DAY - 30], DAY + 5]], [['b', [DAY - 40], DAY + 20], ['c', [DAY - 10], DAY + 2]]]], [DAY, [[['b', [DAY - 40], DAY + 19]], [['c', [DAY - 10], DAY + 3], ['a', [DAY - 30], DAY + 4]]]]] as const) {
      for (const [p, customers] of pages.entries()) await service.afterRefit(page(asOf, p, 2, customers.map(([id, d, n]) => [id, [...d], n])));
      await service.afterRefit({ kind: 'finished', asOfDay: asOf, modelVersion: 'v1', pages: 2 });
    }
    // A refit under way: its first page holds a's row and kept a's purchase days for the scoring at its end.
    await service.afterRefit(page(DAY + 1, 0, 2, [['a', [DAY - 30, DAY], DAY + 25]]));

    const exported = await all(owner.exportOf('a'));
    expect(exported.filter((r) => r.kind === 'snapshotRow').map((r) => [r.day, r.kind === 'snapshotRow' && r.row.next])).toEqual([[formatDay(DAY), DAY + 25], [formatDay(DAY - 1), DAY + 4], [formatDay(DAY - 8), DAY + 5]]);
    expect(exported.filter((r) => r.kind === 'purchaseDays')).toEqual([{ kind: 'purchaseDays', day: formatDay(DAY), days: [DAY - 30, DAY] }]);
    // The rows carry the reference, never the id.
    expect(JSON.stringify(await stores.scanAll('EU'))).not.toContain('"a"');

    expect(await owner.eraseOf('a')).toBe(4);
    expect(await all(owner.exportOf('a'))).toEqual([]);
    // The other customers' rows stay.
    expect((await all(owner.exportOf('b'))).filter((r) => r.kind === 'snapshotRow')).toHaveLength(2);
    expect(await owner.eraseOf('a')).toBe(0);

    // The refit goes on with a still on its second page (a purchase in flight): the erased rows are not scored.
    await service.afterRefit(page(DAY + 1, 1, 2, [['a', [DAY - 30, DAY], DAY + 25], ['b', [DAY - 40], DAY + 19]]));
    await service.afterRefit({ kind: 'finished', asOfDay: DAY + 1, modelVersion: 'v1', pages: 2 });
    const [week, day] = await store.tallies([formatDay(DAY - 8), formatDay(DAY - 1)]);
    // Only b is counted (c left the refit); without the erasure a's rows would count too, and its purchase on DAY would score.
    expect([week!.tally.customers, day!.tally.customers]).toEqual([1, 1]);
    expect(week!.tally.dateScored + day!.tally.dateScored).toBe(0);
  });
});
