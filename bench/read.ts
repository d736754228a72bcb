/**
 * npm run bench:read — a customer's last 20 purchases through the Node entry against the embedded store
 * (dynalite, in its own process), and in the same run a bare Hono route returning the same JSON from
 * memory. The ratio is what counts: these machines are shared and noisy, absolute numbers move.
 */
import { load, printTable, startBenchStack, startServer, stopServers } from './support.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const stack = await startBenchStack(60);
const counts = new Map<string, number>();
for (const l of stack.data.lines) counts.set(l.customerId, (counts.get(l.customerId) ?? 0) + 1);
const customerId = [...counts].find(([id, n]) => id.startsWith('cus_eu_') && n >= 20)![0];
const headers = { authorization: `Bearer ${stack.adminKey}` };
const target = `${stack.url}/v1/customers/${customerId}/purchases?limit=20`;
const sample = await fetch(target, { headers });
const body = await sample.text();
if (sample.status !== 200 || (JSON.parse(body) as { items: unknown[] }).items.length !== 20) throw new Error(`unexpected answer ${sample.status}: ${body.slice(0, 200)}`);
const bare = await startServer<{ url: string }>('bench/servers/bare-hono.ts', { BENCH_BODY: body });

const baseline = await load('bare Hono, same JSON from memory', `${bare.url}/x`, { seconds, cpu: { server: bare.pid } });
const measured = await load('GET /v1/customers/:id/purchases (20 items, dynalite)', target, {
  headers,
  seconds,
  cpu: { api: stack.apiPid, dynalite: stack.storesPid },
});
console.log(`\nbench:read — ${seconds}s per target after 2s warm-up, 50 connections, ${body.length}-byte answer, Node ${process.version}, ${(await import('node:os')).cpus().length} cores\n`);
printTable([baseline, measured]);
console.log(`\nratio Cadence / bare Hono: throughput ${(measured.requestsPerSecond / baseline.requestsPerSecond).toFixed(3)}, p50 latency ${(measured.p50 / Math.max(baseline.p50, 0.001)).toFixed(1)}x, API CPU per request ${(measured.cpuPerRequest.api! / baseline.cpuPerRequest.server!).toFixed(1)}x`);
stopServers();
