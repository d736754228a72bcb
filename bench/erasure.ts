/**
 * npm run bench:erasure — the store reads of one customer's erasure from the accuracy snapshots
 * (decision 151), through the days' directories and, in the same run, with the directories removed (every
 * page read, as before them). BENCH_DAYS (default 95, at most 99) kept snapshot days of each of BENCH_PAGES (default
 * "1,10,50") pages; the customer is on one page a day. Rows per page do not change the counts: pages hold
 * BENCH_ROWS (default 3) customers so that the store stays small.
 */
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoAccuracyStore } from '../src/accuracy/accuracy.repository.ts';
import { keptDays, referenceOf } from '../src/accuracy/accuracy.service.ts';
import { homeRegion, localConnection } from '../src/local/bootstrap.ts';
import { formatDay } from '../src/shared/days.ts';
import { documentClient } from '../src/storage/client.ts';
import { countReads } from '../test/support/store-reads.ts';
import { startDynaliteStores } from '../test/support/stores.ts';

const DAYS = Math.min(99, Number(process.env.BENCH_DAYS ?? 95));
const PAGES = (process.env.BENCH_PAGES ?? '1,10,50').split(',').map(Number);
const ROWS = Number(process.env.BENCH_ROWS ?? 3);
const TODAY = 20_500;
const now = () => TODAY * 86_400_000;
const hash = async (id: string) => Buffer.from(id).toString('hex').padEnd(16, '0');
const row = (ref: string) => ({ ref, next: TODAY + 5, low: TODAY + 2, high: TODAY + 8, p30: 0.5, e30: 1 });

const results: { pages: number; days: number; through: string; calls: number; keys: number; writes: number; ms: number }[] = [];
for (const pages of PAGES) {
  const stores = await startDynaliteStores();
  try {
    const table = homeRegion('EU').tables.predictions;
    const doc = documentClient(localConnection(stores.endpoints.EU));
    const store = new DynamoAccuracyStore(doc, table, now);
    const counted = documentClient(localConnection(stores.endpoints.EU));
    const reads = countReads(counted);
    const owner = new DynamoAccuracyStore(counted, table, now);
    // The days a snapshot is kept on, yesterday back (a snapshot expires 100 days after its day; settled ones go after 91).
    const days = Array.from({ length: DAYS }, (_, i) => formatDay(TODAY - 1 - i));
    for (const [d, day] of days.entries()) {
      const refsByPage: string[][] = [];
      await store.touchDirectory(day);
      for (let p = 0; p < pages; p++) {
        const refs = await Promise.all(Array.from({ length: ROWS }, (_, r) => referenceOf(hash, `c${p}-${r}`)));
        // The two customers erased below are on one page a day, another each day.
        if (p === d % pages) refs.push(await referenceOf(hash, 'a'), await referenceOf(hash, 'b'));
        await store.putSnapshotPart({ day, modelVersion: 'v1', rows: refs.map(row) }, p, pages);
        refsByPage.push(refs);
      }
      await store.touchDirectory(day);
      await store.putDirectory(day, refsByPage, (await store.directories([day])).get(day));
    }
    const erase = async (id: string, through: string) => {
      reads.take();
      const t0 = performance.now();
      const erased = await owner.eraseRef(await referenceOf(hash, id), keptDays(TODAY));
      const ms = performance.now() - t0;
      if (erased !== DAYS) throw new Error(`erased ${erased} rows, expected ${DAYS}`);
      results.push({ pages, days: DAYS, through, ...reads.take(), ms: Math.round(ms) });
    };
    await erase('a', 'directory');
    // The same store without its directories: every kept page is read.
    for (const i of await stores.scanAll('EU')) if (String(i.customerId).startsWith('accuracy#dir#')) await doc.send(new DeleteCommand({ TableName: table, Key: { customerId: i.customerId } }));
    await erase('b', 'pages');
  } finally {
    await stores.close();
  }
}
console.table(results);
for (const pages of PAGES) {
  const [dir, all] = [results.find((r) => r.pages === pages && r.through === 'directory')!, results.find((r) => r.pages === pages && r.through === 'pages')!];
  console.log(`${pages} pages a day: keys read ${dir.keys} vs ${all.keys} (${(all.keys / dir.keys).toFixed(1)}x), calls ${dir.calls} vs ${all.calls}, time ratio ${(all.ms / dir.ms).toFixed(1)}x`);
}
