/**
 * npm run load — a bounded load, soak and fault suite against the Node entry on the local stores
 * (loopback only), writing bench/reports/load.{md,json} and two SVG plots; exits 1 when a goal is not met.
 * Parts, in order: capacity (open-loop constant-rate steps of the storefront mix + 10% ingestion, the
 * highest rate with p99 < 50 ms and no errors), faults (EU store killed, Bedrock refusing, Kinesis down),
 * soak (half the capacity for LOAD_SOAK_S, default 600 s: no errors, RSS growth < 10%), failover drills in
 * workerd. LOAD_QUICK=1 shortens everything (steps of 3 s, a 20 s soak); LOAD_PARTS (e.g.
 * capacity,faults) picks parts; LOAD_RATE_START / LOAD_RATE_FACTOR / LOAD_RATE_MAX / LOAD_STEP_S set the
 * steps; LOAD_SOAK_RATE fixes the soak's rate; LOAD_CUSTOMERS the demo shop's size (default 400).
 */
import { cpus } from 'node:os';
import { twoCores } from './load.ts';
import { failoverDrills } from './load/failover.ts';
import { personalStoreOutage } from './load/fault-store.ts';
import { bedrockOutage, kinesisOutage } from './load/faults.ts';
import { pickCustomers, storefrontMix } from './load/mix.ts';
import { writeReport, type Goal, type LoadReport } from './load/report.ts';
import { capacityRun, soakRun } from './load/run.ts';
import { startLoadStack } from './load/stack.ts';
import { quiet, stopServers } from './support.ts';

const env = process.env;
const quick = env.LOAD_QUICK === '1';
const num = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);
const parts = new Set((env.LOAD_PARTS ?? 'capacity,faults,soak,failover').split(','));
const started = Date.now();
const log = (s: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${s}`);

log(`starting the stores, kinesalite, the Bedrock stand-in and the Node entry${quick ? ' (quick mode)' : ''}…`);
const stack = await startLoadStack(num('LOAD_CUSTOMERS', quick ? 200 : 400));
const report: LoadReport = {
  startedAt: new Date(started).toISOString(),
  finishedAt: '',
  machine: { cores: cpus().length, node: process.version, pinned: twoCores, generator: 'open-loop constant-rate, latency from the due time (bench/load/generator.ts, node:http keep-alive)' },
  capacity: { options: { start: 0, factor: 0, max: 0, stepSeconds: 0, warmSeconds: 0, p99GoalMs: 50 }, steps: [], capacity: 0, readsCapacity: 0 },
  faults: {},
  goals: [],
};
const goal = (name: string, ok: boolean, detail: string) => {
  report.goals.push({ name, ok, detail } satisfies Goal);
  log(`${ok ? 'met    ' : 'NOT MET'} ${name}: ${detail}`);
};
try {
  // Customers whose every storefront read answers 200 (the caches are warm after this check); one the
  // check refuses is left out and named.
  const customers: string[] = [];
  for (const id of pickCustomers(stack.data, 48)) {
    if (customers.length === 40) break;
    const statuses = await Promise.all(storefrontMix(stack.data, [id], stack.keys).filter((t) => t.method === 'GET').map(async (t) => (await fetch(`${stack.url}${t.path}`, { headers: t.headers })).status));
    if (statuses.every((s) => s === 200)) customers.push(id);
    else log(`left out of the mix: ${id} (reads answered ${[...new Set(statuses)].join(', ')})`);
  }
  const eu = (list: string[]) => list.filter((id) => id.startsWith('cus_eu_'));
  const staleReaders = eu(pickCustomers(stack.data, 200, 40)).filter((id) => !customers.includes(id)).slice(0, 8);
  const mix = storefrontMix(stack.data, customers, stack.keys);
  for (const id of staleReaders) {
    const res = await fetch(`${stack.url}/v1/customers/${id}/predictions`, { headers: { authorization: `Bearer ${stack.keys.storefront}`, 'cadence-edge-region': 'eu-central-1' } });
    if (res.status !== 200) throw new Error(`predictions of ${id}: ${res.status}`);
  }
  const warmedAt = Date.now();
  await quiet(stack.apiPid, 60_000);
  log(`${customers.length} customers in the mix (${mix.length} requests round and round)`);

  if (parts.has('capacity')) {
    const options = { start: num('LOAD_RATE_START', 20), factor: num('LOAD_RATE_FACTOR', 1.5), max: num('LOAD_RATE_MAX', 6000), stepSeconds: num('LOAD_STEP_S', quick ? 3 : 10), warmSeconds: quick ? 1 : 2, p99GoalMs: 50 };
    report.capacity = await capacityRun(stack.url, mix, stack.apiPid, options, log);
    goal('capacity: a rate with p99 < 50 ms and no errors', report.capacity.capacity > 0, `${report.capacity.capacity} req/s (storefront reads alone: ${report.capacity.readsCapacity} req/s)`);
    const fiveXX = report.capacity.steps.reduce((a, s) => a + s.fiveXX, 0);
    goal('capacity: no 5xx at any rate', fiveXX === 0, `${fiveXX} 5xx over ${report.capacity.steps.length} steps`);
  }

  if (parts.has('faults')) {
    // The stale readers' cached answers must have expired (60 s) for the outage to need the store.
    const wait = warmedAt + 61_000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    log('fault 1: killing the EU store under reads and writes…');
    const store = (report.faults.store = await personalStoreOutage(stack, eu(customers), staleReaders, quick ? 5 : 10));
    goal('EU store down: accepted writes lost = 0', store.acceptedWritesLost === 0, `${store.writes.accepted} accepted, ${store.acceptedWritesFound} found, ${store.acceptedWritesLost} lost`);
    goal('EU store down: writes 503 + Retry-After, cached reads answer marked stale, no other 5xx', store.ok, `${store.writes.duringOutage} writes during the outage (${store.writes.duringOutageNot503} not 503), ${store.reads.markedStale}/${store.reads.duringOutage} reads stale-marked 200s, ${store.other5xx} other 5xx`);
    log('fault 2: Bedrock answering throttles and 5xx…');
    // Customers who consented to profiling (the others are statistical whatever Bedrock does).
    const consenting = customers.filter((id) => stack.data.customers.find((c) => c.id === id)?.consents.profiling?.granted);
    const bedrock = (report.faults.bedrock = await bedrockOutage(stack, [...eu(consenting).slice(0, 3), ...consenting.filter((c) => !c.startsWith('cus_eu_')).slice(0, 3)]));
    goal('Bedrock refusing: analyses fall back, no 5xx', bedrock.ok, `${bedrock.statistical}/${bedrock.analyses} statistical (${JSON.stringify(bedrock.fallbackReasons)}), ${bedrock.bedrockCallsRefused} Bedrock calls refused, ${bedrock.fiveXX} 5xx`);
    log('fault 3: stopping the EU Kinesis stream…');
    const kinesis = (report.faults.kinesis = await kinesisOutage(stack, eu(customers), quick ? 4 : 8));
    goal('Kinesis down: purchases accepted, events delivered later', kinesis.ok, `${kinesis.linesAccepted} lines accepted, +${kinesis.liveDuringOutage} live during, ${kinesis.deliveredAfter} delivered ${kinesis.catchUpSeconds} s after it returned, ${kinesis.fiveXX} 5xx`);
    await quiet(stack.apiPid, 30_000);
  }

  if (parts.has('soak')) {
    const rate = num('LOAD_SOAK_RATE', Math.max(10, Math.round(report.capacity.capacity / 2)));
    const soak = (report.soak = await soakRun(stack.url, mix, stack.apiPid, rate, num('LOAD_SOAK_S', quick ? 20 : 600), log));
    goal('soak: 0 errors', soak.result.errors === 0, `${soak.result.errors} errors (5xx ${soak.result.fiveXX}) in ${soak.result.count} requests at ${rate} req/s`);
    goal('soak: RSS growth < 10%', soak.rssGrowth < 0.1, `${(soak.rssGrowth * 100).toFixed(1)}% after the ${soak.warmupSeconds} s warm-up`);
  }

  if (parts.has('failover')) {
    log('failover drills in workerd (bundling the Worker)…');
    report.failover = await failoverDrills(stack, (j) => (j === 'EU' ? eu(customers) : customers.filter((c) => !c.startsWith('cus_eu_'))));
    for (const d of report.failover) goal(`${d.down} down: served by ${d.expected}`, d.ok, `${d.requests} requests, ${d.failed} failed, served by ${JSON.stringify(d.servedBy)}, ${d.otherJurisdiction} by the other jurisdiction`);
  }
} finally {
  report.finishedAt = new Date().toISOString();
  writeReport(new URL('./reports/', import.meta.url).pathname, report);
  await stack.close().catch(() => {});
  stopServers();
}
const failed = report.goals.filter((g) => !g.ok);
log(`report: bench/reports/load.md; ${report.goals.length - failed.length}/${report.goals.length} goals met in ${((Date.now() - started) / 1000).toFixed(0)} s`);
process.exit(failed.length > 0 ? 1 : 0);
