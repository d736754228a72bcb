/**
 * npm run bench:experiments — (1) assignments per second of the pure assignment function (GrowthBook hash
 * v2, three variations, weights and coverage, this process, one core); (2) the storefront lookup of a
 * customer's variant through the Node entry (warm: isolate caches, exposure already recorded) against a
 * bare Hono route returning the same JSON, in the same run.
 */
import { runExperiment, type ExperimentSpec } from '../src/experiments/model/assignment.ts';
import { load, printTable, startBenchStack, startServer, stopServers } from './support.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);

// (1) Pure assignment.
const spec: ExperimentSpec<string> = { key: 'hero-banner', variations: ['a', 'b', 'c'], meta: [{ key: 'control' }, { key: 'warm' }, { key: 'bold' }], weights: [0.5, 0.25, 0.25], coverage: 0.9, hashVersion: 2 };
const ids = Array.from({ length: 100_000 }, (_, i) => `cus_eu_${i.toString(36).padStart(20, '0')}`);
let n = 0;
let sink = 0;
const start = performance.now();
while (performance.now() - start < 2000) {
  for (const id of ids) sink += runExperiment(spec, { attributes: { id } }).variationId;
  n += ids.length;
}
const perSecond = n / ((performance.now() - start) / 1000);
console.log(`\nbench:experiments — Node ${process.version}\n`);
console.log(`assignment (pure, one core): ${Math.round(perSecond).toLocaleString('en')} assignments/s (${(1e6 / perSecond).toFixed(2)} µs each; checksum ${sink % 7})`);

// (2) Storefront lookup.
const stack = await startBenchStack(60);
const admin = { authorization: `Bearer ${stack.adminKey}`, 'content-type': 'application/json' };
const created = await fetch(`${stack.url}/v1/experiments/hero-banner`, {
  method: 'PUT',
  headers: admin,
  body: JSON.stringify({ name: 'Hero banner', variations: [{ key: 'control' }, { key: 'warm', value: { colour: 'orange' } }], status: 'running' }),
});
if (created.status !== 201) throw new Error(`experiment not created: ${created.status} ${await created.text()}`);
const customerId = stack.data.customers.find((c) => c.id.startsWith('cus_eu_'))!.id;
const minted = await fetch(`${stack.url}/v1/customers/${customerId}/tokens`, { method: 'POST', headers: admin, body: '{}' });
const { token } = (await minted.json()) as { token: string };
const headers = { authorization: `Bearer ${token}` };
const target = `${stack.url}/v1/customers/${customerId}/experiments/hero-banner`;
const sample = await fetch(target, { headers });
const body = await sample.text();
if (sample.status !== 200) throw new Error(`unexpected answer ${sample.status}: ${body.slice(0, 200)}`);
const bare = await startServer<{ url: string }>('bench/servers/bare-hono.ts', { BENCH_BODY: body });
const baseline = await load('bare Hono, same JSON from memory', `${bare.url}/x`, { seconds, cpu: { server: bare.pid } });
const measured = await load('GET /v1/customers/:id/experiments/:key (warm, customer token)', target, { headers, seconds, cpu: { api: stack.apiPid, dynalite: stack.storesPid } });
console.log(`\nstorefront lookup — ${seconds}s per target after 2s warm-up, 50 connections, ${body.length}-byte answer\n`);
printTable([baseline, measured]);
console.log(`\nratio Cadence / bare Hono: throughput ${(measured.requestsPerSecond / baseline.requestsPerSecond).toFixed(3)}, p50 ${measured.p50} vs ${baseline.p50} ms, p99 ${measured.p99} vs ${baseline.p99} ms, CPU per request ${(measured.cpuPerRequest.api! / baseline.cpuPerRequest.server!).toFixed(1)}x; store CPU per lookup ${measured.cpuPerRequest.dynalite!.toFixed(3)} ms`);
stopServers();
