/**
 * npm run bench:ingest — purchase ingestion through the Node entry (validation, customer checks, the
 * batched writes read back, the predictions queued) against raw BatchWriteItem of the same
 * lines to the same store from this process, in the same run: lines per second, and the ratio.
 * BENCH_ROUNDS (default 3) rounds, each raw then API in the same minute of the shared machine, and the API's
 * queued recomputes waited for before the next round (so that they never slow a raw phase): BENCH_LINES
 * (default 20,000) lines per phase in requests of BENCH_BATCH (default 1,000) lines, 4 in flight.
 */
import { localConnection, homeRegion } from '../src/local/bootstrap.ts';
import { purchaseItem } from '../src/purchases/purchases.repository.ts';
import { mapLimit } from '../src/shared/map-limit.ts';
import { batchWriteAll } from '../src/storage/batch.ts';
import { documentClient } from '../src/storage/client.ts';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { loadavg } from 'node:os';
import { cpuMs, quiet, startBenchStack, stopServers } from './support.ts';

const totalLines = Number(process.env.BENCH_LINES ?? 20_000);
const perRequest = Number(process.env.BENCH_BATCH ?? 1_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const inFlight = 4;
// Not pinned: the raw phase's client (which does that phase's SDK work) runs on either core, and so does the API.
const stack = await startBenchStack(200);
await quiet(stack.apiPid);
const euCustomers = stack.data.customers.filter((c) => c.id.startsWith('cus_eu_')).map((c) => c.id);
const day = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();
type Order = { orderId: string; customerId: string; purchasedAt: string; lines: { lineId: string; productId: string; quantity: number; unitPrice: number; currency: string }[] };

/** Orders of two lines each, spread over the EU demo customers, in requests of `perRequest` lines. */
function requests(prefix: string): { orders: Order[] }[] {
  const out: { orders: Order[] }[] = [];
  for (let r = 0; r < totalLines / perRequest; r++) {
    const orders = Array.from({ length: perRequest / 2 }, (_, i) => ({
      orderId: `${prefix}-${r}-${i}`,
      customerId: euCustomers[(r * 7 + i) % euCustomers.length]!,
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
const headers = { authorization: `Bearer ${stack.adminKey}`, 'content-type': 'application/json' };
/** CPU ms of the API, the stores and this process (the raw client) so far. */
const cpuNow = () => {
  const self = process.cpuUsage();
  return { api: cpuMs(stack.apiPid), stores: cpuMs(stack.storesPid), client: (self.user + self.system) / 1000 };
};
type Cpu = ReturnType<typeof cpuNow>;
const cpuSince = (before: Cpu): Cpu => {
  const after = cpuNow();
  return { api: after.api - before.api, stores: after.stores - before.stores, client: after.client - before.client };
};

async function rawPhase(round: number): Promise<{ seconds: number; cpu: Cpu }> {
  const items = requests(`raw${round}`).flatMap((b) => b.orders.flatMap((o) => o.lines.map((l) => purchaseItem({ ...l, orderId: o.orderId, customerId: o.customerId, purchasedAt: o.purchasedAt }))));
  const chunks: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += perRequest) chunks.push(items.slice(i, i + perRequest));
  const cpu0 = cpuNow();
  const t0 = performance.now();
  await mapLimit(chunks, inFlight, (chunk) => batchWriteAll(doc, homeRegion('EU').tables.purchases, chunk));
  return { seconds: (performance.now() - t0) / 1000, cpu: cpuSince(cpu0) };
}

async function apiPhase(round: number) {
  const bodies = requests(`api${round}`);
  let queued = 0;
  let updated = 0;
  const cpu0 = cpuNow();
  const mark0 = process.hrtime.bigint() / 1000n;
  const t0 = performance.now();
  await mapLimit(bodies, inFlight, async (body) => {
    const res = await fetch(`${stack.url}/v1/purchases`, { method: 'POST', headers, body: JSON.stringify(body) });
    const json = (await res.json()) as { created: number; predictionsUpdated: number; predictionsQueued?: number };
    if (res.status !== 200 || json.created !== perRequest) throw new Error(`ingest answered ${res.status}: ${JSON.stringify(json).slice(0, 300)}`);
    updated += json.predictionsUpdated;
    queued += json.predictionsQueued ?? 0;
  });
  const seconds = (performance.now() - t0) / 1000;
  // The request phase on the system's monotonic clock (µs), as a --cpu-prof profile's timestamps are: its window.
  if (process.env.BENCH_NODE_ARGS?.includes('--cpu-prof')) console.log(`round ${round + 1}: profile window of the requests (monotonic µs): ${mark0} ${process.hrtime.bigint() / 1000n}`);
  const cpu = cpuSince(cpu0);
  // The queued recomputes: how long until every customer's predictions include what was ingested.
  const t1 = performance.now();
  await quiet(stack.apiPid);
  return { seconds, cpu, catchUpSeconds: (performance.now() - t1) / 1000, cpuUntilQuiet: cpuSince(cpu0), queued, updated };
}

const load = () => loadavg()[0]!.toFixed(1);
const results: { raw: Awaited<ReturnType<typeof rawPhase>>; api: Awaited<ReturnType<typeof apiPhase>>; load: string }[] = [];
for (let r = 0; r < rounds; r++) {
  const before = load();
  const raw = await rawPhase(r);
  const api = await apiPhase(r);
  results.push({ raw, api, load: `${before}–${load()}` });
}

const rate = (s: number) => Math.round(totalLines / s);
const perLine = (ms: number) => ((ms * 1000) / totalLines).toFixed(0);
console.log(`\nbench:ingest — ${rounds} rounds of ${totalLines} lines raw then through the API, in requests of ${perRequest} (${perRequest / 2} orders), ${inFlight} in flight, dynalite in its own process, Node ${process.version}\n`);
console.log('| round | load avg | API lines/s | raw lines/s | ratio | API phase s | predictions up to date after the last answer s |');
console.log('|---|---|---:|---:|---:|---:|---:|');
results.forEach(({ raw, api, load: l }, i) => console.log(`| ${i + 1} | ${l} | ${rate(api.seconds)} | ${rate(raw.seconds)} | ${(raw.seconds / api.seconds).toFixed(2)} | ${api.seconds.toFixed(1)} | ${api.catchUpSeconds.toFixed(1)} |`));
const ratios = results.map((x) => x.raw.seconds / x.api.seconds).sort((a, b) => a - b);
const sum = (f: (x: (typeof results)[number]) => number) => results.reduce((s, x) => s + f(x), 0);
console.log(`\nratio Cadence / raw: median of the rounds ${ratios[Math.floor(ratios.length / 2)]!.toFixed(2)}, over all rounds ${(sum((x) => x.raw.seconds) / sum((x) => x.api.seconds)).toFixed(2)}; customers queued for recompute per round ${results[0]!.api.queued}, recomputed in the request ${results[0]!.api.updated}`);
console.log('\nCPU µs per line, by process (API, stores, bench client), summed over the rounds:\n');
console.log('| phase | API | stores | client |');
console.log('|---|---:|---:|---:|');
const cpuRow = (name: string, f: (x: (typeof results)[number]) => Cpu) => console.log(`| ${name} | ${perLine(sum((x) => f(x).api) / rounds)} | ${perLine(sum((x) => f(x).stores) / rounds)} | ${perLine(sum((x) => f(x).client) / rounds)} |`);
cpuRow('raw BatchWriteItem', (x) => x.raw.cpu);
cpuRow('POST /v1/purchases, until the last answer', (x) => x.api.cpu);
cpuRow('POST /v1/purchases, until the queue is quiet', (x) => x.api.cpuUntilQuiet);

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
