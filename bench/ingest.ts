/**
 * npm run bench:ingest — purchase ingestion through the Node entry (validation, customer checks, the
 * batched writes read back, the predictions queued) against raw BatchWriteItem of the same
 * lines to the same store from this process, in the same run: lines per second, and the ratio.
 * Raw first, so the API's queued recomputes do not slow it. BENCH_LINES (default 20,000) lines in requests of BENCH_BATCH (default 1,000) lines, 4 in flight.
 */
import { localConnection, homeRegion } from '../src/local/bootstrap.ts';
import { purchaseItem } from '../src/purchases/purchases.repository.ts';
import { mapLimit } from '../src/shared/map-limit.ts';
import { batchWriteAll } from '../src/storage/batch.ts';
import { documentClient } from '../src/storage/client.ts';
import { quiet, startBenchStack, stopServers } from './support.ts';

const totalLines = Number(process.env.BENCH_LINES ?? 20_000);
const perRequest = Number(process.env.BENCH_BATCH ?? 1_000);
const inFlight = 4;
const stack = await startBenchStack(200, { pin: true });
await quiet(stack.apiPid);
const euCustomers = stack.data.customers.filter((c) => c.id.startsWith('cus_eu_')).map((c) => c.id);
const day = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();

/** Orders of two lines each, spread over the EU demo customers, in requests of `perRequest` lines. */
function requests(prefix: string) {
  const out: { orders: unknown[] }[] = [];
  for (let r = 0; r < totalLines / perRequest; r++) {
    const orders = Array.from({ length: perRequest / 2 }, (_, i) => ({
      orderId: `${prefix}-${r}-${i}`,
      customerId: euCustomers[(r * 7 + i) % euCustomers.length],
      purchasedAt: day(1 + (i % 300)),
      lines: [
        { lineId: 'a', productId: 'coffee-beans-1kg', quantity: 1, unitPrice: 12.5, currency: 'EUR' },
        { lineId: 'b', productId: 'oat-milk-1l', quantity: 2, unitPrice: 1.9, currency: 'EUR' },
      ],
    }));
    out.push({ orders });
  }
  return out;
}

const doc = documentClient(localConnection(stack.storesEndpoints.EU));
const rawItems = requests('raw').flatMap((b) =>
  b.orders.flatMap((o) => {
    const order = o as { orderId: string; customerId: string; purchasedAt: string; lines: { lineId: string; productId: string; quantity: number; unitPrice: number; currency: string }[] };
    return order.lines.map((l) => purchaseItem({ ...l, orderId: order.orderId, customerId: order.customerId, purchasedAt: order.purchasedAt }));
  }),
);
const chunks: Record<string, unknown>[][] = [];
for (let i = 0; i < rawItems.length; i += perRequest) chunks.push(rawItems.slice(i, i + perRequest));
const t1 = performance.now();
await mapLimit(chunks, inFlight, (chunk) => batchWriteAll(doc, homeRegion('EU').tables.purchases, chunk));
const rawSeconds = (performance.now() - t1) / 1000;

const headers = { authorization: `Bearer ${stack.adminKey}`, 'content-type': 'application/json' };
const api = requests('api');
let queued = 0;
let updated = 0;
const t0 = performance.now();
await mapLimit(api, inFlight, async (body) => {
  const res = await fetch(`${stack.url}/v1/purchases`, { method: 'POST', headers, body: JSON.stringify(body) });
  const json = (await res.json()) as { created: number; predictionsUpdated: number; predictionsQueued?: number };
  if (res.status !== 200 || json.created !== perRequest) throw new Error(`ingest answered ${res.status}: ${JSON.stringify(json).slice(0, 300)}`);
  updated += json.predictionsUpdated;
  queued += json.predictionsQueued ?? 0;
});
const apiSeconds = (performance.now() - t0) / 1000;

// The queued recomputes: how long until every customer's predictions include what was ingested.
const t2 = performance.now();
await quiet(stack.apiPid);
const catchUpSeconds = (performance.now() - t2) / 1000;

const apiRate = totalLines / apiSeconds;
const rawRate = totalLines / rawSeconds;
console.log(`\nbench:ingest — ${totalLines} lines in requests of ${perRequest} (${perRequest / 2} orders), ${inFlight} in flight, dynalite in its own process, Node ${process.version}\n`);
console.log('| path | lines/s | seconds |');
console.log('|---|---:|---:|');
console.log(`| POST /v1/purchases (validated, checked, batched writes read back, predictions queued) | ${Math.round(apiRate)} | ${apiSeconds.toFixed(1)} |`);
console.log(`| raw BatchWriteItem of the same items, same store | ${Math.round(rawRate)} | ${rawSeconds.toFixed(1)} |`);
console.log(`\nratio Cadence / raw: ${(apiRate / rawRate).toFixed(2)}; customers recomputed in the request: ${updated}, queued for recompute: ${queued}; the queue brought their predictions up to date ${catchUpSeconds.toFixed(1)} s after the last request answered`);
stopServers();
