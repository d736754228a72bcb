/**
 * npm run bench:storefront — every storefront read on a warm path, with an API key and with the customer's
 * own token, through the Node entry, against a bare node:http server returning the same bytes to the same
 * request (path and credential), in the same run: requests/s, p50/p99 and CPU per request for both, and
 * the ratios. Server and load generator on different cores (taskset) when there are two. BENCH_ROUNDS
 * rounds (default 3), each measuring Cadence and the bare server back to back (in turns first): figures
 * are the rounds' medians, a ratio the median of the rounds' paired ratios with their range. Two Node
 * targets: the entry serving all four regions in one process (as `npm start` and the tests run it), and
 * serving only eu-central-1 (`node1`: as a regional deployment runs it with CADENCE_REGIONS, one region
 * per process, like a Worker isolate). The same reads are then measured in workerd (the Worker bundle
 * under Miniflare, whose proxy cost is the simulator's: reported, no goal). BENCH_SECONDS (default 5),
 * BENCH_VIEWS (a comma-separated subset, e.g. predictions,experiments/bench-banner) and BENCH_RUNTIMES
 * (default node,node1,workerd) change the run.
 */
import { cpus } from 'node:os';
import { generator, measure, twoCores, type Measured } from './load.ts';
import { quiet, startBenchStack, startServer, startWorkerdTarget, stopServers, treeCpuMs } from './support.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const stack = await startBenchStack(400, { pin: true });
const admin = { authorization: `Bearer ${stack.adminKey}` };
const post = async (path: string, body?: unknown) => {
  const res = await fetch(`${stack.url}${path}`, { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, unknown>>;
};
for (const j of ['EU', 'ROW']) {
  await post(`/v1/ops/refit?jurisdiction=${j}`);
  await post(`/v1/segment-runs?jurisdiction=${j}`, {});
}
// An EU customer with purchases, a segment and an analysis (statistical: no Bedrock here).
const customerId = stack.data.customers.find((c) => c.id.startsWith('cus_eu_') && stack.data.lines.filter((l) => l.customerId === c.id).length >= 10)!.id;
await post(`/v1/customers/${customerId}/insights/refresh`);
await new Promise((r) => setTimeout(r, 1500)); // the in-process queue runs the job
const token = (await post(`/v1/customers/${customerId}/tokens`, { ttlSeconds: 3600 })).token as string;
const defined = await fetch(`${stack.url}/v1/experiments/bench-banner`, { method: 'PUT', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Bench banner', variations: [{ key: 'control' }, { key: 'warm' }], status: 'running' }) });
if (!defined.ok) throw new Error(`experiment: ${defined.status} ${await defined.text()}`);

const allViews = ['predictions', 'segment', 'insights', 'intelligence', 'experiments/bench-banner', 'experiments'];
const views = process.env.BENCH_VIEWS ? allViews.filter((v) => process.env.BENCH_VIEWS!.split(',').includes(v)) : allViews;
const credentials = { 'API key': admin, 'customer token': { authorization: `Bearer ${token}` } };
type Kind = keyof typeof credentials;
const pathOf = (view: string) => `/v1/customers/${customerId}/${view}`;
// The bare server gets the very request Cadence gets (path and credential), so each credential kind has
// one of its own, answering each path with the bytes Cadence answered it with.
const bodies: Record<Kind, Record<string, string>> = { 'API key': {}, 'customer token': {} };
for (const view of views) {
  for (const [kind, headers] of Object.entries(credentials) as [Kind, Record<string, string>][]) {
    const res = await fetch(`${stack.url}${pathOf(view)}`, { headers });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${view} (${kind}): ${res.status} ${text.slice(0, 200)}`);
    bodies[kind][pathOf(view)] = text;
  }
}
const bareFor: Record<Kind, { url: string; pid: number }> = {
  'API key': await startServer<{ url: string }>('bench/servers/bare-node.ts', { BENCH_BODIES: JSON.stringify(bodies['API key']) }, { pin: true }),
  'customer token': await startServer<{ url: string }>('bench/servers/bare-node.ts', { BENCH_BODIES: JSON.stringify(bodies['customer token']) }, { pin: true }),
};
await quiet(stack.apiPid); // the refit's recomputes and the queued analyses are done
const runtimes = (process.env.BENCH_RUNTIMES ?? 'node,node1,workerd').split(',');
const targets: { runtime: string; url: string; pid: number }[] = [];
if (runtimes.includes('node')) targets.push({ runtime: 'Node', url: stack.url, pid: stack.apiPid });
if (runtimes.includes('node1')) {
  // Its caches start cold: each target's warm-up second fills them.
  const one = await startServer<{ url: string }>('bench/servers/cadence-node.ts', { BENCH_ENDPOINTS: JSON.stringify(stack.storesEndpoints), BENCH_JWT_SECRET: stack.jwtSecret, BENCH_REGIONS: 'eu-central-1' }, { pin: true });
  targets.push({ runtime: 'Node, eu-central-1 only', url: one.url, pid: one.pid });
}
if (runtimes.includes('workerd')) {
  const worker = await startWorkerdTarget(stack, { pin: true });
  await quiet(worker.pid);
  targets.push({ runtime: 'workerd', url: worker.url, pid: worker.pid });
}

interface Row extends Measured {
  cpuUs: number;
}
async function run(url: string, headers: Record<string, string>, pid: number): Promise<Row> {
  await measure(url, headers, 1); // warm-up: JIT, connections, caches
  const before = treeCpuMs(pid);
  const m = await measure(url, headers, seconds);
  return { ...m, cpuUs: ((treeCpuMs(pid) - before) * 1000) / Math.max(1, m.requestsPerSecond * seconds) };
}
const middle = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const m = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
};
const median = (rows: Row[], k: keyof Row) => middle(rows.map((r) => r[k] as number));

const results: { target: (typeof targets)[number]; view: string; kind: string; cadence: Row[]; bare: Row[] }[] = [];
for (const target of targets) for (const view of views) for (const kind of Object.keys(credentials)) results.push({ target, view, kind, cadence: [], bare: [] });
for (let round = 0; round < rounds; round++) {
  for (const r of results) {
    const kind = r.kind as Kind;
    const bareRun = () => run(`${bareFor[kind].url}${pathOf(r.view)}`, credentials[kind], bareFor[kind].pid);
    const cadenceRun = () => run(`${r.target.url}${pathOf(r.view)}`, credentials[kind], r.target.pid);
    // A pair measured back to back, in turns first and second: the machine's speed drifts (decision 159).
    if (round % 2 === 0) {
      r.bare.push(await bareRun());
      r.cadence.push(await cadenceRun());
    } else {
      r.cadence.push(await cadenceRun());
      r.bare.push(await bareRun());
    }
  }
}

/** The median of a round's Cadence figure over the same round's bare one, and their range over the rounds. */
const paired = (r: (typeof results)[number], k: keyof Row) => {
  const ratios = r.cadence.map((c, i) => (c[k] as number) / (r.bare[i]![k] as number));
  return { median: middle(ratios), low: Math.min(...ratios), high: Math.max(...ratios) };
};
const shown = (x: { median: number; low: number; high: number }) => `${x.median.toFixed(2)} (${x.low.toFixed(2)}–${x.high.toFixed(2)})`;

console.log(`\nbench:storefront — ${generator}, 50 connections, ${seconds} s per target, ${rounds} rounds of back-to-back pairs (medians; ratios: median of the rounds' paired ratios, range in brackets), ${twoCores ? 'server on core 0, load on core 1' : 'not pinned'}, Node ${process.version}, ${cpus().length} cores\n`);
console.log('| runtime | endpoint | credential | bytes | Cadence req/s | bare req/s | ratio | Cadence p50 / p99 ms | bare p50 / p99 ms | p99 ratio | CPU µs/req Cadence / bare | non-2xx |');
console.log('|---|---|---|---:|---:|---:|---:|---|---|---:|---|---:|');
const met = new Map<string, { both: number; throughput: number; p99: number; rows: number }>();
for (const r of results) {
  const c = (k: keyof Row) => median(r.cadence, k);
  const b = (k: keyof Row) => median(r.bare, k);
  const bytes = bodies[r.kind as Kind][pathOf(r.view)]!.length;
  const rps = paired(r, 'requestsPerSecond');
  const p99 = paired(r, 'p99Ms');
  const m = met.get(r.target.runtime) ?? { both: 0, throughput: 0, p99: 0, rows: 0 };
  m.rows++;
  m.throughput += rps.median >= 0.85 ? 1 : 0;
  m.p99 += p99.median <= 1.5 ? 1 : 0;
  m.both += rps.median >= 0.85 && p99.median <= 1.5 ? 1 : 0;
  met.set(r.target.runtime, m);
  console.log(`| ${r.target.runtime} | GET /v1/customers/:id/${r.view.replace('bench-banner', ':key')} | ${r.kind} | ${bytes} | ${Math.round(c('requestsPerSecond'))} | ${Math.round(b('requestsPerSecond'))} | ${shown(rps)} | ${c('p50Ms').toFixed(2)} / ${c('p99Ms').toFixed(2)} | ${b('p50Ms').toFixed(2)} / ${b('p99Ms').toFixed(2)} | ${shown(p99)} | ${c('cpuUs').toFixed(1)} / ${b('cpuUs').toFixed(1)} | ${r.cadence.reduce((s, x) => s + x.non2xx, 0)} |`);
}
console.log('');
for (const [runtime, m] of met) {
  if (runtime === 'workerd') continue; // Miniflare's proxy is the simulator's cost: no goal there
  console.log(`${runtime}: ${m.both} of ${m.rows} rows meet both goals (throughput ≥ 0.85×: ${m.throughput}; p99 ≤ 1.5×: ${m.p99})`);
}
stopServers();
