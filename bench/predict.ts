/**
 * npm run bench:predict — (1) predictions per CPU second for customers with 20 purchase lines each (pure
 * compute, this process, one core; BENCH_COMPUTE_ONLY=1 stops after it) beside the "last purchase + median gap" heuristic on the same data;
 * (2) the full CDNOW backtest; (3) the storefront read of predictions through the Node entry against a
 * bare Hono route returning the same JSON, in the same run.
 */
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { backtest } from '../src/cli/backtest.ts';
import { cdnowToCsv } from '../src/cli/datasets.ts';
import { parseDay, readTransactions } from '../src/cli/transactions.ts';
import { predictCustomer } from '../src/predictions/model/customer.ts';
import { buildHistory, type PurchaseEvent } from '../src/predictions/model/history.ts';
import { fitPopulation } from '../src/predictions/model/population.ts';
import { DEMO_CATALOG, prng } from '../src/local/demo-data.ts';
import { median } from '../src/cli/metrics.ts';
import { load, printTable, startBenchStack, startServer, stopServers } from './support.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);

// (1) Pure compute.
const rnd = prng(1);
const consumables = DEMO_CATALOG.filter((p) => p.consumable);
const histories = Array.from({ length: 5000 }, () => {
  const products = Array.from({ length: 4 }, () => rnd.pick(consumables));
  const events: PurchaseEvent[] = Array.from({ length: 20 }, (_, i) => {
    const p = products[i % 4]!;
    return { day: 20000 + Math.floor(i / 4) * p.typicalDays + rnd.int(0, 5), productId: p.id, category: p.category, quantity: 1, amount: p.price };
  });
  return buildHistory(events);
});
const asOf = Math.max(...histories.map((h) => h.lastDay)) + 1;
const model = fitPopulation(histories, asOf);
/** CPU seconds (user + system, this process) of one call: wall time is noisy on a shared machine. */
const cpuSeconds = (fn: () => void) => {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
};
/** Customers per CPU second of a pass over every history, repeated until it has used `minSeconds` of CPU. */
const rate = (pass: () => void, minSeconds: number) => {
  let n = 0;
  let used = 0;
  while (used < minSeconds) {
    used += cpuSeconds(pass);
    n++;
  }
  return (n * histories.length) / used;
};
const cadencePass = () => {
  for (const h of histories) predictCustomer(h, model, asOf);
};
// The reference: a plain loop over the same data, the "last purchase + median gap" heuristic per product.
const heuristicPass = () => {
  for (const h of histories) {
    for (const days of h.products.values()) {
      const gaps = days.slice(1).map((d, i) => d.day - days[i]!.day);
      if (gaps.length > 0) void (days[days.length - 1]!.day + median(gaps));
    }
  }
};
// Warm-up (JIT), then rounds that alternate the two, so that a neighbour's load hits both alike.
rate(cadencePass, 1);
rate(heuristicPass, 1);
const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
const cadenceRates: number[] = [];
const heuristicRates: number[] = [];
for (let r = 0; r < rounds; r++) {
  cadenceRates.push(rate(cadencePass, seconds / 10));
  heuristicRates.push(rate(heuristicPass, seconds / 10));
}
const cadencePerSecond = median(cadenceRates);
const heuristicPerSecond = median(heuristicRates);
console.log(`\nbench:predict — Node ${process.version}, ${histories.length} customers, median of ${rounds} alternating rounds of ${seconds / 10} CPU s each\n`);
console.log('| compute (one core, per CPU second) | customers/s | rounds (min–max) |');
console.log('|---|---:|---:|');
const span = (v: number[]) => `${Math.round(Math.min(...v))}–${Math.round(Math.max(...v))}`;
console.log(`| Cadence: BG/NBD + Gamma-Gamma + pooled cadence per product (20 lines, 4 products) | ${Math.round(cadencePerSecond)} | ${span(cadenceRates)} |`);
console.log(`| last purchase + median gap per product (same data, plain loop) | ${Math.round(heuristicPerSecond)} | ${span(heuristicRates)} |`);
console.log(`ratio Cadence / plain loop: ${(cadencePerSecond / heuristicPerSecond).toFixed(3)}`);
if (process.env.BENCH_COMPUTE_ONLY) process.exit(0);

// (2) Full backtest on the CDNOW sample.
const dir = mkdtempSync(join(tmpdir(), 'cadence-bench-'));
await cdnowToCsv(new URL('../../shared/data/cdnow/CDNOW_sample.txt', import.meta.url).pathname, join(dir, 'cdnow.csv'));
const t0 = performance.now();
const rows = await readTransactions(join(dir, 'cdnow.csv'));
const result = backtest(rows, { asOfDay: parseDay('1997-10-01')!, endDay: parseDay('1998-06-30')!, level: 'customer' });
const backtestMs = performance.now() - t0;
console.log(`\nfull CDNOW backtest (read 6,919 rows, fit, predict ${result.units} customers, score 5 methods): ${backtestMs.toFixed(0)} ms (${Math.round(result.units / (backtestMs / 1000))} customers/s)`);

// (3) Storefront read.
const stack = await startBenchStack(60);
const headers = { authorization: `Bearer ${stack.adminKey}` };
for (const j of ['EU', 'ROW']) {
  const r = await fetch(`${stack.url}/v1/ops/refit?jurisdiction=${j}`, { method: 'POST', headers });
  if (!r.ok) throw new Error(`refit failed: ${r.status}`);
}
const customerId = stack.data.customers.find((c) => c.id.startsWith('cus_eu_'))!.id;
const target = `${stack.url}/v1/customers/${customerId}/predictions`;
const sample = await fetch(target, { headers });
const body = await sample.text();
if (sample.status !== 200) throw new Error(`unexpected answer ${sample.status}: ${body.slice(0, 200)}`);
const bare = await startServer<{ url: string }>('bench/servers/bare-hono.ts', { BENCH_BODY: body });
const baseline = await load('bare Hono, same JSON from memory', `${bare.url}/x`, { seconds, cpu: { server: bare.pid } });
const measured = await load('GET /v1/customers/:id/predictions (cached)', target, { headers, seconds, cpu: { api: stack.apiPid, dynalite: stack.storesPid } });
console.log(`\nstorefront read — ${seconds}s per target after 2s warm-up, 50 connections, ${body.length}-byte answer\n`);
printTable([baseline, measured]);
console.log(`\nratio Cadence / bare Hono: throughput ${(measured.requestsPerSecond / baseline.requestsPerSecond).toFixed(3)}, p50 ${measured.p50} vs ${baseline.p50} ms, p99 ${measured.p99} vs ${baseline.p99} ms, CPU per request ${(measured.cpuPerRequest.api! / baseline.cpuPerRequest.server!).toFixed(1)}x`);
stopServers();
