import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccuracyPersonalData } from '../../src/accuracy/accuracy.personal-data.ts';
import { DynamoAccuracyStore } from '../../src/accuracy/accuracy.repository.ts';
import { AccuracyService, keptDays } from '../../src/accuracy/accuracy.service.ts';
import { vouches } from '../../src/accuracy/model/directory.ts';
import { homeRegion, localConnection } from '../../src/local/bootstrap.ts';
import { formatDay } from '../../src/shared/days.ts';
import { documentClient } from '../../src/storage/client.ts';
import { countReads } from '../support/store-reads.ts';
import { motoAvailable, startDynaliteStores, startMotoStores, type TestStores } from '../support/stores.ts';

/** Decision 151: an erasure or an export finds a customer's snapshot rows through each day's directory. */
const DAY = 20_000;
const now = () => DAY * 86_400_000;
const hash = async (id: string) => createHash('sha256').update(`accuracy\u0000${id}`).digest('hex');
const refOf = async (id: string) => (await hash(id)).slice(0, 16);
const prediction = (next: number) => ({ next: { nextDay: next, lowDay: next - 3, highDay: next + 3 }, probabilityOfPurchase30: 0.5, expectedPurchases30: 1 });
const all = async <T>(it: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};

/** One jurisdiction's accuracy service, and its privacy owner on a client whose reads are counted. */
function jurisdiction(endpoint: string, table: string) {
  const store = new DynamoAccuracyStore(documentClient(localConnection(endpoint)), table, now);
  const counted = documentClient(localConnection(endpoint));
  const service = new AccuracyService({ region: { jurisdiction: 'EU' }, store, hash, now });
  return { store, service, owner: new AccuracyPersonalData({ store: new DynamoAccuracyStore(counted, table, now), hash, now }), reads: countReads(counted) };
}
type J = ReturnType<typeof jurisdiction>;

async function page(j: J, asOfDay: number, p: number, pages: number, ids: readonly string[]) {
  const customers = ids.map((customerId) => ({ customerId, purchaseDays: [asOfDay - 30], prediction: prediction(asOfDay + 5) }));
  await j.service.afterRefit({ kind: 'page', asOfDay, modelVersion: 'v1', page: p, pages, customers });
}
async function refit(j: J, asOfDay: number, pages: readonly (readonly string[])[]) {
  for (const [p, ids] of pages.entries()) await page(j, asOfDay, p, pages.length, ids);
  await j.service.afterRefit({ kind: 'finished', asOfDay, modelVersion: 'v1', pages: pages.length });
}
/** Three refit days of `pages` pages, two customers a page, and customer `a` on another page each day. */
const DAYS = [DAY - 20, DAY - 10, DAY - 3];
const layout = (pages: number, d: number) => Array.from({ length: pages }, (_, p) => [`c-${d}-${p}-0`, `c-${d}-${p}-1`, ...(p === (d * 3 + 1) % pages ? ['a'] : [])]);

// On every DynamoDB-compatible server we have (moto where installed: the update expressions and conditions are its own).
const backends: [string, () => Promise<TestStores>][] = [['dynalite', startDynaliteStores]];
/** Each refit scores its hundred open days, a read each: moto answers slower than dynalite, on two shared cores slower still. */
const TIMEOUT = 120_000;
if (motoAvailable) backends.push(['moto', startMotoStores]);

describe.each(backends)('the snapshot directory on %s', (_name, start) => {
  let stores: TestStores;
  let eu: J;
  let row: J;
  const rowsIn = async (store: 'EU' | 'ROW') =>
    (await stores.scanAll(store)).filter((i) => String(i.customerId).startsWith('accuracy#snapshot#')).flatMap((i) => JSON.parse(String(i.rows)) as { ref: string }[]);
  const itemsNaming = async (store: 'EU' | 'ROW', ref: string) => (await stores.scanAll(store)).filter((i) => JSON.stringify(i).includes(ref)).map((i) => String(i.customerId));

  beforeAll(async () => {
    stores = await start();
    eu = jurisdiction(stores.endpoints.EU, homeRegion('EU').tables.predictions);
    row = jurisdiction(stores.endpoints.ROW, homeRegion('ROW').tables.predictions);
  });
  afterAll(async () => stores?.close());

  it("finds a customer's rows through it: an export and an erasure read as much with 8 pages a day as with 2", async () => {
    const figures: Record<string, { export: ReturnType<J['reads']['take']>; erase: ReturnType<J['reads']['take']> }> = {};
    for (const [name, j, pages] of [['EU', eu, 2], ['ROW', row, 8]] as const) {
      for (const [d, asOf] of DAYS.entries()) await refit(j, asOf, layout(pages, d));
      const heads = await j.store.directories(DAYS.map((d) => formatDay(d - 1)));
      expect([...heads.values()].every(vouches)).toBe(true);
      j.reads.take();
      const exported = await all(j.owner.exportOf('a'));
      const exportReads = j.reads.take();
      expect(exported.map((r) => r.kind === 'snapshotRow' && r.day)).toEqual(DAYS.map((d) => formatDay(d - 1)).reverse());
      expect(await j.owner.eraseOf('a')).toBe(3);
      figures[name] = { export: exportReads, erase: j.reads.take() };
      expect(await all(j.owner.exportOf('a'))).toEqual([]);
      // Nothing names the customer any more (rows and directory entries), and every other row stays.
      expect(await itemsNaming(name, await refOf('a'))).toEqual([]);
      expect(await rowsIn(name)).toHaveLength(DAYS.length * pages * 2);
    }
    // Each kept day costs its directory head, and each day that holds the customer one bucket and the page it names.
    expect(figures.ROW).toEqual(figures.EU);
    const kept = keptDays(DAY).length;
    const empty = kept - DAYS.length;
    expect(figures.EU!.erase.keys).toBe(kept + 2 * empty + 2 * DAYS.length);
    // A page rewrite and a bucket entry removed per day holding the customer; an export writes nothing.
    expect([figures.EU!.erase.writes, figures.EU!.export.writes]).toEqual([2 * DAYS.length, 0]);
    console.log(`${_name}: erasure reads, ${kept} kept days, ${DAYS.length} with a snapshot: ${JSON.stringify(figures)}`);
  }, TIMEOUT);

  it('an erasure while the refit still runs (no directory yet) reads the pages, and the directory written after holds nothing of the customer', async () => {
    const asOf = DAY;
    await page(eu, asOf, 0, 2, ['e', 'f']);
    eu.reads.take();
    // The refit's first page holds e's row and e's purchase days for the scoring at its end.
    expect(await eu.owner.eraseOf('e')).toBe(2);
    await page(eu, asOf, 1, 2, ['g']);
    await eu.service.afterRefit({ kind: 'finished', asOfDay: asOf, modelVersion: 'v1', pages: 2 });
    expect(vouches((await eu.store.directories([formatDay(asOf - 1)])).get(formatDay(asOf - 1)))).toBe(true);
    expect(await all(eu.owner.exportOf('e'))).toEqual([]);
    expect(await itemsNaming('EU', await refOf('e'))).toEqual([]);
    // The next refit still has e on a page (a purchase in flight): the erased row is not scored.
    await refit(eu, asOf + 1, [['e', 'f', 'g']]);
    const [t] = await eu.store.tallies([formatDay(asOf - 1)]);
    expect(t!.tally.customers).toBe(2);
  }, TIMEOUT);

  it('a page written after the directory is read through the pages until the next scoring indexes it again', async () => {
    const asOf = DAYS[2]!;
    const day = formatDay(asOf - 1);
    // A late run of page 3 (a duplicate delivery) adds a customer the directory does not name.
    await page(row, asOf, 3, 8, [...layout(8, 2)[3]!, 'z']);
    expect(vouches((await row.store.directories([day])).get(day))).toBe(false);
    expect((await all(row.owner.exportOf('z'))).map((r) => r.kind === 'snapshotRow' && r.day)).toEqual([day]);
    // The next refit's scoring reads that snapshot anyway and writes its directory again.
    await refit(row, DAY - 1, [['y']]);
    expect(vouches((await row.store.directories([day])).get(day))).toBe(true);
    row.reads.take();
    expect((await all(row.owner.exportOf('z'))).map((r) => r.kind === 'snapshotRow' && r.day)).toEqual([day]);
    const viaDirectory = row.reads.take();
    expect(await row.owner.eraseOf('z')).toBe(1);
    expect(await itemsNaming('ROW', await refOf('z'))).toEqual([]);
    // The day now costs one bucket and one page, not its eight pages (four days have a directory now: four buckets).
    const kept = keptDays(DAY).length;
    expect(viaDirectory.keys).toBe(kept + 2 * (kept - 4) + 4 + 1);
  }, TIMEOUT);

  it('a snapshot kept from before directories is read through its pages, and gets one at the next scoring', async () => {
    const day = formatDay(DAYS[1]! - 1);
    // As a snapshot written before this change: no directory items.
    const doc = documentClient(localConnection(stores.endpoints.EU));
    const dir = (await stores.scanAll('EU')).filter((i) => String(i.customerId).startsWith(`accuracy#dir#${day}`));
    expect(dir.length).toBeGreaterThan(1);
    const { DeleteCommand } = await import('@aws-sdk/lib-dynamodb');
    for (const i of dir) await doc.send(new DeleteCommand({ TableName: homeRegion('EU').tables.predictions, Key: { customerId: i.customerId } }));
    const ref = await refOf('c-1-0-0');
    expect((await all(eu.owner.exportOf('c-1-0-0'))).map((r) => r.kind === 'snapshotRow' && r.row.ref)).toEqual([ref]);
    await refit(eu, DAY + 2, [['y']]);
    expect(vouches((await eu.store.directories([day])).get(day))).toBe(true);
    expect(await eu.owner.eraseOf('c-1-0-0')).toBe(1);
    expect(await itemsNaming('EU', ref)).toEqual([]);
  }, TIMEOUT);

  it('goes with its snapshot once the snapshot is settled', async () => {
    // A snapshot is scored up to 100 days after it was taken and settled 90 days after: two refits settle all three.
    await refit(row, DAY + 80, [['y']]);
    await refit(row, DAY + 90, [['y']]);
    const left = (await stores.scanAll('ROW')).map((i) => String(i.customerId)).filter((k) => DAYS.some((d) => k.includes(formatDay(d - 1))) && !k.startsWith('accuracy#tally#'));
    expect(left).toEqual([]);
  }, TIMEOUT);
});
