/**
 * npm run bench:recs — (1) everyone's recommendation list on the shared Online Retail half (pure compute,
 * this process, one core): the fit (cadence predictions, aggregates, the inner split's weight search) and
 * then the lists, in customers per second; (2) the storefront read of a customer's recommendations
 * through the Node entry (served from the isolate cache) against a bare Hono route returning the same
 * JSON, in the same run.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onlineRetailToCsv } from '../src/cli/datasets.ts';
import { PER_CATEGORY } from '../src/cli/recommend.ts';
import { historiesBefore, NO_CATALOG } from '../src/cli/catalog.ts';
import { parseDay, readTransactions } from '../src/cli/transactions.ts';
import { algorithmNamed } from '../src/recommendations/model/algorithms.ts';
import { candidatesFor } from '../src/recommendations/model/candidates.ts';
import { recommendList } from '../src/recommendations/model/explain.ts';
import { fitRecommender } from '../src/recommendations/model/fit.ts';
import { kMeansSegmenter } from '../src/recommendations/model/kmeans-segmenter.ts';
import { snapshotsAt } from '../src/recommendations/model/training.ts';
import { load, printTable, startBenchStack, startServer, stopServers } from './support.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);

// (1) Everyone's list, pure compute.
const dir = mkdtempSync(join(tmpdir(), 'cadence-bench-recs-'));
await onlineRetailToCsv(new URL('../../shared/data/online-retail/online_retail_dev.csv.gz', import.meta.url).pathname, join(dir, 'or.csv'));
const rows = await readTransactions(join(dir, 'or.csv'));
const asOfDay = parseDay('2011-09-01')!;
const t0 = performance.now();
const snapshots = snapshotsAt(historiesBefore(rows, asOfDay, NO_CATALOG), asOfDay);
const t1 = performance.now();
const fitted = fitRecommender(snapshots, asOfDay, algorithmNamed('replenish-blend-v1')!, { catalog: NO_CATALOG, segmenter: kMeansSegmenter(), horizonDays: 30, k: 10 });
const t2 = performance.now();
let items = 0;
for (const ctx of fitted.contexts) items += recommendList(candidatesFor(ctx, fitted.src), fitted.aggregates.weights, { limit: 10, perCategory: PER_CATEGORY }, fitted.src).length;
const t3 = performance.now();
const n = fitted.contexts.length;
console.log(`\nbench:recs — Node ${process.version}, ${(await import('node:os')).cpus().length} cores\n`);
console.log(`Online Retail half, as of 2011-09-01: ${rows.length.toLocaleString('en')} rows, ${n} customers with history, ${items} items listed\n`);
console.log('| step (one core) | time | customers/s |');
console.log('|---|---:|---:|');
console.log(`| cadence predictions of every customer (population fit + predict) | ${(t1 - t0).toFixed(0)} ms | ${Math.round(n / ((t1 - t0) / 1000))} |`);
console.log(`| aggregates + inner time split (second fit, weight search on ${fitted.inner?.customers ?? 0} customers) | ${(t2 - t1).toFixed(0)} ms | ${Math.round(n / ((t2 - t1) / 1000))} |`);
console.log(`| every customer's explained top 10 (candidates, ranking, rules, evidence) | ${(t3 - t2).toFixed(0)} ms | ${Math.round(n / ((t3 - t2) / 1000))} |`);
console.log(`| all of it | ${(t3 - t0).toFixed(0)} ms | ${Math.round(n / ((t3 - t0) / 1000))} |`);

// (2) Storefront read.
const stack = await startBenchStack(60);
const headers = { authorization: `Bearer ${stack.adminKey}` };
for (const j of ['EU', 'ROW']) {
  for (const path of [`/v1/ops/refit?jurisdiction=${j}`, `/v1/ops/recommendations/rebuild?jurisdiction=${j}`]) {
    const r = await fetch(`${stack.url}${path}`, { method: 'POST', headers });
    if (!r.ok) throw new Error(`${path} failed: ${r.status} ${await r.text()}`);
  }
}
const customer = stack.data.customers.find((c) => c.id.startsWith('cus_eu_') && c.consents.profiling.granted && stack.data.lines.some((l) => l.customerId === c.id))!;
const target = `${stack.url}/v1/customers/${customer.id}/recommendations`;
const sample = await fetch(target, { headers });
const body = await sample.text();
if (sample.status !== 200 || !(JSON.parse(body) as { personalised: boolean }).personalised) throw new Error(`unexpected answer ${sample.status}: ${body.slice(0, 200)}`);
const bare = await startServer<{ url: string }>('bench/servers/bare-hono.ts', { BENCH_BODY: body });
const baseline = await load('bare Hono, same JSON from memory', `${bare.url}/x`, { seconds, cpu: { server: bare.pid } });
const measured = await load('GET /v1/customers/:id/recommendations (cached)', target, { headers, seconds, cpu: { api: stack.apiPid, dynalite: stack.storesPid } });
console.log(`\nstorefront read — ${seconds}s per target after 2s warm-up, 50 connections, ${body.length}-byte answer\n`);
printTable([baseline, measured]);
console.log(`\nratio Cadence / bare Hono: throughput ${(measured.requestsPerSecond / baseline.requestsPerSecond).toFixed(3)}, p50 ${measured.p50} vs ${baseline.p50} ms, p99 ${measured.p99} vs ${baseline.p99} ms, CPU per request ${(measured.cpuPerRequest.api! / baseline.cpuPerRequest.server!).toFixed(1)}x`);
stopServers();
