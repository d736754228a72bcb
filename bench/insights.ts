/**
 * npm run bench:insights — the AI analysis on demo customers, through the real path (daily batch → queue
 * → job → the real Bedrock Runtime client → a local server speaking the Converse protocol → ledger):
 * (1) input and output tokens per analysis, as the local server counted them (about four characters per
 * token: real Claude tokenizers differ, so read these as estimates); (2) the cost per 1,000 analysed
 * customers for every model in the price table; (3) the share of a second daily batch skipped as
 * unchanged, after a tenth of the customers bought again; (4) the time per job against a baseline in the
 * same run: the same batch on the same data with no Bedrock configured (statistical analyses only).
 */
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { generateApiKey } from '../src/auth/api-keys.ts';
import type { AiSettings } from '../src/config/env.ts';
import { edgeRouter, EDGE_REGION_HEADER } from '../src/hosting/edge-router.ts';
import { PRICES_PER_MILLION } from '../src/insights/pricing.ts';
import { InProcessQueue } from '../src/jobs/queue.ts';
import { createLocalTables, homeRegion, localConnection, registerApiKey } from '../src/local/bootstrap.ts';
import { generateDemoData, prng, type DemoData } from '../src/local/demo-data.ts';
import { startLocalStores } from '../src/local/dynamo-stores.ts';
import { nodeRegions } from '../src/hosting/node-regions.ts';
import { loadDemoData } from '../src/local/seed.ts';
import { startConverseServer } from '../test/support/converse-server.ts';
import { regions } from '../regions/index.ts';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 400);
const NOW = Date.now();

/** A plausible answer from what the prompt holds: the size of the output is what costs. */
function answerFor(request: Record<string, unknown>): unknown {
  const text = JSON.stringify(request);
  const products = [...new Set([...text.matchAll(/\\"product\\":\\"([^\\"]+)\\"/g)].map((m) => m[1]!))].slice(0, 4);
  return {
    consumptionPatterns: products.slice(0, 3).map((p, i) => ({ pattern: `Buys ${p} regularly, roughly on a steady cycle with bulk packs now and then`, products: [p], confidence: 0.8 - i * 0.1 })),
    predictedNeeds: products.slice(0, 3).map((p, i) => ({ need: p, timing: `within ${3 + i * 4} days`, confidence: 0.7 })),
    household: { reading: 'A small household with a regular weekly shop', evidence: ['steady quantities', 'no bulk buying'], confidence: 0.4 },
    socioeconomic: { reading: 'Mid-range basket; full-price purchases', evidence: ['mostly full-price items'], confidence: 0.3 },
    priceSensitivity: { level: 'medium', evidence: ['buys standard pack sizes'] },
    recommendedCategories: ['household', 'coffee', 'baby'],
    churnSignals: [],
    summary: 'A regular customer with a steady routine and no sign of leaving.',
  };
}

async function stack(data: DemoData, ai: AiSettings | undefined) {
  const stores = await startLocalStores();
  await createLocalTables(stores.endpoints);
  const adminKey = generateApiKey();
  await registerApiKey(stores.endpoints.GLOBAL, adminKey, 'bench', ['admin']);
  await loadDemoData(stores.endpoints, data);
  const queues = new Map<string, InProcessQueue>();
  // The pacer keeps real calls under the account's quota (region files); the local server has none, so
  // the bench lifts it to time the path itself.
  const unpaced = regions.map((r) => ({ ...r, bedrock: { ...r.bedrock, requestsPerMinute: 1e6, tokensPerMinute: 1e9 } }));
  const apps = nodeRegions({
    regions: unpaced,
    connections: (region) => ({ personal: localConnection(stores.endpoints[region.jurisdiction], region.awsRegion), global: localConnection(stores.endpoints.GLOBAL, region.awsRegion) }),
    jwtSecret: generateApiKey(),
    privacyKey: generateApiKey(),
    ...(ai ? { ai, bedrockClientOptions: { requestHandler: new NodeHttpHandler() } } : {}),
    queueFor: (region) => {
      const q = new InProcessQueue(region.id, { batchSize: 10 });
      queues.set(region.id, q);
      return q;
    },
  });
  const fetch = edgeRouter(apps, 'us-east-1');
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(new Request(`http://bench${path}`, { method, headers: { authorization: `Bearer ${adminKey}`, [EDGE_REGION_HEADER]: 'us-east-1', ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) }));
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<Record<string, unknown>>;
  };
  for (const j of ['EU', 'ROW']) await call('POST', `/v1/ops/refit?jurisdiction=${j}`);
  const homes = [homeRegion('EU').id, homeRegion('ROW').id];
  /** Runs a daily batch in both jurisdictions to the end; returns the wall time and the batch reports. */
  const batch = async (batchId: string) => {
    const started = performance.now();
    for (const id of homes) await queues.get(id)!.send({ kind: 'insights.batch', batchId, page: 0 });
    for (const id of homes) await queues.get(id)!.drain(100_000);
    const ms = performance.now() - started;
    const { DynamoBatchRepository } = await import('../src/insights/batches.repository.ts');
    const { documentClient } = await import('../src/storage/client.ts');
    const reports = await Promise.all(
      (['EU', 'ROW'] as const).map((j) => new DynamoBatchRepository(documentClient(localConnection(stores.endpoints[j])), homeRegion(j).tables.insights).report(batchId)),
    );
    return { ms, reports: reports.filter((r) => r !== undefined) };
  };
  const drainAll = async () => {
    for (const q of queues.values()) await q.drain(100_000);
  };
  return { call, batch, drainAll, close: () => stores.close() };
}

const data = generateDemoData({ customers: CUSTOMERS, now: NOW });
const server = await startConverseServer();
server.autoAnswer = answerFor;
const ai: AiSettings = { bedrock: { credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, endpoint: server.endpoint }, budgets: { dailyUsd: 1e6, monthlyUsd: 1e6 } };

console.log(`\nbench:insights — Node ${process.version}, ${CUSTOMERS} demo customers\n`);
const withAi = await stack(data, ai);
const day1 = await withAi.batch('eu-bench-day-1');
const analysed = server.reported.length;
const inputs = server.reported.map((r) => r.inputTokens);
const outputs = server.reported.map((r) => r.outputTokens);
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? 0;
const sum = (k: 'customers' | 'enqueued' | 'unchanged' | 'inactive' | 'noConsent' | 'alreadyPending', r: typeof day1.reports) => r.reduce((s, x) => s + x[k], 0);

// A tenth of the customers buy again; the pattern-change jobs that follow run before the next batch.
const rnd = prng(7);
const buyers = data.customers.filter(() => rnd.next() < 0.1);
for (const c of buyers) {
  const line = data.lines.find((l) => l.customerId === c.id) ?? { productId: 'coffee-beans-1kg', unitPrice: 18.9, currency: 'EUR' };
  await withAi.call('POST', '/v1/purchases', {
    orderId: `bench-${c.id.slice(-6)}`,
    customerId: c.id,
    purchasedAt: new Date(NOW - 3_600_000).toISOString(),
    lines: [{ productId: line.productId, quantity: 1, unitPrice: line.unitPrice, currency: line.currency }],
  });
}
const beforeBetween = server.reported.length;
await withAi.drainAll();
const betweenCalls = server.reported.length - beforeBetween;
const beforeDay2 = server.reported.length;
const day2 = await withAi.batch('eu-bench-day-2');
const day2Calls = server.reported.length - beforeDay2;
const costs = await withAi.call('GET', '/v1/ops/costs');
await withAi.close();

const statistical = await stack(data, undefined);
const base = await statistical.batch('eu-bench-day-1');
await statistical.close();
await server.close();

console.log('| tokens per analysis (local server count) | mean | p50 | p95 |');
console.log('|---|---:|---:|---:|');
console.log(`| input | ${Math.round(mean(inputs))} | ${pct(inputs, 0.5)} | ${pct(inputs, 0.95)} |`);
console.log(`| output | ${Math.round(mean(outputs))} | ${pct(outputs, 0.5)} | ${pct(outputs, 0.95)} |`);
console.log(`\n| model (price table) | $ per 1M in / out | cost per analysis | per 1,000 customers |`);
console.log('|---|---|---:|---:|');
for (const [model, price] of Object.entries(PRICES_PER_MILLION)) {
  const per = (mean(inputs) * price.input + mean(outputs) * price.output) / 1e6;
  console.log(`| ${model} | ${price.input} / ${price.output} | $${per.toFixed(5)} | $${(per * 1000).toFixed(2)} |`);
}
const d1 = day1.reports;
const d2 = day2.reports;
console.log(`\n| daily batch | customers | active + consenting analysed | unchanged (skipped) | no consent | inactive | model calls |`);
console.log('|---|---:|---:|---:|---:|---:|---:|');
console.log(`| day 1 | ${sum('customers', d1)} | ${sum('enqueued', d1)} | ${sum('unchanged', d1)} | ${sum('noConsent', d1)} | ${sum('inactive', d1)} | ${analysed} |`);
console.log(`| between: ${buyers.length} customers bought again | | | | | | ${betweenCalls} (pattern changes) |`);
console.log(`| day 2 | ${sum('customers', d2)} | ${sum('enqueued', d2)} | ${sum('unchanged', d2)} | ${sum('noConsent', d2)} | ${sum('inactive', d2)} | ${day2Calls} |`);
const considered2 = sum('enqueued', d2) + sum('unchanged', d2) + sum('alreadyPending', d2);
console.log(`\nshare of the second batch skipped as unchanged: ${((100 * sum('unchanged', d2)) / Math.max(1, considered2)).toFixed(1)}%`);
const total = costs.total as { costUsd: number; analyses: number; costPerAnalysedCustomer: number | null };
console.log(`ledger total (${(costs.byModel as { modelId: string }[]).map((m) => m.modelId).join(', ')}): $${total.costUsd.toFixed(4)} for ${total.analyses} analyses`);
const jobsWithAi = sum('enqueued', d1);
const jobsBase = sum('enqueued', base.reports);
const msAi = day1.ms / Math.max(1, jobsWithAi);
const msBase = base.ms / Math.max(1, jobsBase);
console.log(`\n| day-1 batch, same data | jobs | ms per job |`);
console.log('|---|---:|---:|');
console.log(`| Bedrock path (SDK → local Converse server, ledger, aggregates) | ${jobsWithAi} | ${msAi.toFixed(1)} |`);
console.log(`| baseline: no Bedrock configured (statistical only) | ${jobsBase} | ${msBase.toFixed(1)} |`);
console.log(`ratio Bedrock path / statistical: ${(msAi / msBase).toFixed(2)} (the local server answers at once: model latency is not in these figures)`);
const home = regions.find((r) => r.jurisdiction === 'EU' && r.home)!.bedrock;
const perCall = mean(inputs) + mean(outputs);
const perMinute = Math.min(home.requestsPerMinute, home.tokensPerMinute / perCall);
console.log(`paced at the region file's quota (${home.requestsPerMinute} requests, ${home.tokensPerMinute} tokens per minute): at most ${Math.floor(perMinute)} analyses per minute per jurisdiction, ${Math.round(perMinute * 60 * 24).toLocaleString('en')} per day`);
