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
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { cpuMs, quiet, startBenchStack, stopServers } from './support.ts';

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
/** CPU ms of the API, the stores and this process (the raw client) over a phase. */
const cpuNow = () => ({ api: cpuMs(stack.apiPid), stores: cpuMs(stack.storesPid), client: process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000 });
const cpuSince = (before: ReturnType<typeof cpuNow>) => {
  const after = cpuNow();
  return { api: after.api - before.api, stores: after.stores - before.stores, client: after.client - before.client };
};
const rawCpu0 = cpuNow();
const t1 = performance.now();
await mapLimit(chunks, inFlight, (chunk) => batchWriteAll(doc, homeRegion('EU').tables.purchases, chunk));
const rawSeconds = (performance.now() - t1) / 1000;
const rawCpu = cpuSince(rawCpu0);

const headers = { authorization: `Bearer ${stack.adminKey}`, 'content-type': 'application/json' };
const api = requests('api');
let queued = 0;
let updated = 0;
const apiCpu0 = cpuNow();
const apiMark0 = process.hrtime.bigint() / 1000n;
const t0 = performance.now();
await mapLimit(api, inFlight, async (body) => {
  const res = await fetch(`${stack.url}/v1/purchases`, { method: 'POST', headers, body: JSON.stringify(body) });
  const json = (await res.json()) as { created: number; predictionsUpdated: number; predictionsQueued?: number };
  if (res.status !== 200 || json.created !== perRequest) throw new Error(`ingest answered ${res.status}: ${JSON.stringify(json).slice(0, 300)}`);
  updated += json.predictionsUpdated;
  queued += json.predictionsQueued ?? 0;
});
const apiSeconds = (performance.now() - t0) / 1000;
// The request phase on the system's monotonic clock (µs), as a --cpu-prof profile's timestamps are: its window.
if (process.env.BENCH_NODE_ARGS?.includes('--cpu-prof')) console.log(`profile window of the requests (monotonic µs): ${apiMark0} ${process.hrtime.bigint() / 1000n}`);
const apiCpu = cpuSince(apiCpu0);

// The queued recomputes: how long until every customer's predictions include what was ingested.
const t2 = performance.now();
await quiet(stack.apiPid);
const catchUpSeconds = (performance.now() - t2) / 1000;
const catchUpCpu = cpuSince(apiCpu0);

const apiRate = totalLines / apiSeconds;
const rawRate = totalLines / rawSeconds;
console.log(`\nbench:ingest — ${totalLines} lines in requests of ${perRequest} (${perRequest / 2} orders), ${inFlight} in flight, dynalite in its own process, Node ${process.version}\n`);
console.log('| path | lines/s | seconds |');
console.log('|---|---:|---:|');
console.log(`| POST /v1/purchases (validated, checked, batched writes read back, predictions queued) | ${Math.round(apiRate)} | ${apiSeconds.toFixed(1)} |`);
console.log(`| raw BatchWriteItem of the same items, same store | ${Math.round(rawRate)} | ${rawSeconds.toFixed(1)} |`);
const perLine = (ms: number) => ((ms * 1000) / totalLines).toFixed(0);
console.log('\nCPU µs per line, by process (API, stores, bench client):\n');
console.log('| phase | API | stores | client | wall s |');
console.log('|---|---:|---:|---:|---:|');
console.log(`| raw BatchWriteItem | ${perLine(rawCpu.api)} | ${perLine(rawCpu.stores)} | ${perLine(rawCpu.client)} | ${rawSeconds.toFixed(1)} |`);
console.log(`| POST /v1/purchases, until the last answer | ${perLine(apiCpu.api)} | ${perLine(apiCpu.stores)} | ${perLine(apiCpu.client)} | ${apiSeconds.toFixed(1)} |`);
console.log(`| POST /v1/purchases, until the queue is quiet | ${perLine(catchUpCpu.api)} | ${perLine(catchUpCpu.stores)} | ${perLine(catchUpCpu.client)} | ${(apiSeconds + catchUpSeconds).toFixed(1)} |`);
console.log(`\nratio Cadence / raw: ${(apiRate / rawRate).toFixed(2)}; customers recomputed in the request: ${updated}, queued for recompute: ${queued}; the queue brought their predictions up to date ${catchUpSeconds.toFixed(1)} s after the last request answered`);

// Checkouts: one two-line order at a time (what the orders service sends as a customer pays), answered
// with the predictions recomputed and the events published, against the two conditional PutItems of the
// same lines from this process; interleaved, so that both see the same machine.
await quiet(stack.apiPid);
const checkouts = Number(process.env.BENCH_CHECKOUTS ?? 300);
const apiMs: number[] = [];
const rawMs: number[] = [];
const table = homeRegion('EU').tables.purchases;
for (let i = 0; i < checkouts; i++) {
  const [order] = requests(`co${i}`)[0]!.orders as { orderId: string; customerId: string; purchasedAt: string; lines: { lineId: string; productId: string; quantity: number; unitPrice: number; currency: string }[] }[];
  const checkout = { ...order!, orderId: `checkout-${i}`, customerId: euCustomers[i % euCustomers.length]!, purchasedAt: day(0.01) };
  const t3 = performance.now();
  await Promise.all(checkout.lines.map((l) => doc.send(new PutCommand({ TableName: table, Item: purchaseItem({ ...l, orderId: `raw-${checkout.orderId}`, customerId: checkout.customerId, purchasedAt: checkout.purchasedAt }), ConditionExpression: 'attribute_not_exists(customerId)' }))));
  rawMs.push(performance.now() - t3);
  const t4 = performance.now();
  const res = await fetch(`${stack.url}/v1/purchases`, { method: 'POST', headers, body: JSON.stringify(checkout) });
  const answer = (await res.json()) as { created: number; predictionsUpdated: number };
  apiMs.push(performance.now() - t4);
  if (res.status !== 200 || answer.created !== 2 || answer.predictionsUpdated !== 1) throw new Error(`checkout answered ${res.status}: ${JSON.stringify(answer).slice(0, 300)}`);
}
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? NaN;
console.log(`\n${checkouts} checkouts of one two-line order, one at a time, interleaved with the raw writes:\n`);
console.log('| path | p50 ms | p99 ms |');
console.log('|---|---:|---:|');
console.log(`| POST /v1/purchases (checked, conditional writes, predictions recomputed) | ${pct(apiMs, 0.5).toFixed(1)} | ${pct(apiMs, 0.99).toFixed(1)} |`);
console.log(`| two conditional PutItems of the same lines, same store | ${pct(rawMs, 0.5).toFixed(1)} | ${pct(rawMs, 0.99).toFixed(1)} |`);
console.log(`\np50 ratio raw / Cadence: ${(pct(rawMs, 0.5) / pct(apiMs, 0.5)).toFixed(2)}`);
stopServers();
