/**
 * npm run bench:insights — the AI analysis on demo customers, through the real path (daily batch → queue
 * → job → the real Bedrock Runtime client → a local server speaking the Converse protocol → ledger):
 * (1) input and output tokens per analysis, as the local server counted them (about four characters per
 * token: real Claude tokenizers differ, so read these as estimates); (2) the cost per 1,000 analysed
 * customers for every model in the price table; (3) the share of a second daily batch skipped as
 * unchanged, after a tenth of the customers bought again; (4) the time per job against a baseline in the
 * same run: the same batch on the same data with no Bedrock configured (statistical analyses only).
 * Issue 17 adds, in the same run: the tokens of the request as it was before (prompt analysis-2026-11-22.1,
 * verbose JSON and the long tool) on the very inputs the batch sent, a second count with Anthropic's legacy
 * tokenizer, and the day-1 batch again through Bedrock batch inference (s3rver and the control-plane
 * stand-in), charged at batch prices.
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
import { autoAnswer, plausibleAnswer } from '../test/support/plausible-answer.ts';
import { verboseCommand } from '../test/support/verbose-prompt.ts';
import { countTokens } from '@anthropic-ai/tokenizer';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { compactToolSchema, toCompact } from '../src/insights/compact-answer.ts';
import { productTable, systemPrompt, userPrompt, type PseudonymousInput } from '../src/insights/prompt.ts';
import { startLocalS3, localS3Options } from '../src/local/s3-server.ts';
import { startBatchServer } from '../src/local/bedrock-batch-server.ts';
import { regions } from '../regions/index.ts';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 400);
const NOW = Date.now();

async function stack(data: DemoData, ai: AiSettings | undefined) {
  const stores = await startLocalStores();
  await createLocalTables(stores.endpoints);
  const adminKey = generateApiKey();
  await registerApiKey(stores.endpoints.GLOBAL, adminKey, 'bench', ['admin'], 'unlimited');
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
    // The bench drains one queue per region: the bulk pages share it (ordering is not what it measures).
    bulkQueueFor: (region) => queues.get(region.id)!,
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
    // One job per jurisdiction with the same key: batches `eu-<key>` and `row-<key>`.
    for (const j of ['EU', 'ROW']) await call('POST', `/v1/ops/jobs?jurisdiction=${j}`, { type: 'insights.batch', key: batchId.replace(/^eu-/, '') });
    for (const id of homes) await queues.get(id)!.drain(100_000);
    const ms = performance.now() - started;
    const { DynamoBatchRepository } = await import('../src/insights/batches.repository.ts');
    const { documentClient } = await import('../src/storage/client.ts');
    const reports = await Promise.all(
      (['EU', 'ROW'] as const).map((j) => new DynamoBatchRepository(documentClient(localConnection(stores.endpoints[j])), homeRegion(j).tables.insights).report(batchId.replace(/^eu-/, `${j.toLowerCase()}-`))),
    );
    return { ms, reports: reports.filter((r) => r !== undefined) };
  };
  const drainAll = async () => {
    for (const q of queues.values()) await q.drain(100_000);
  };
  /** The ledger lines of both jurisdictions (they hold the pseudonymous input each call was sent). */
  const ledger = async () => {
    const { documentClient } = await import('../src/storage/client.ts');
    const { ScanCommand } = await import('@aws-sdk/lib-dynamodb');
    const out: Record<string, unknown>[] = [];
    for (const j of ['EU', 'ROW'] as const) {
      const doc = documentClient(localConnection(stores.endpoints[j]));
      let start: Record<string, unknown> | undefined;
      do {
        const res = await doc.send(new ScanCommand({ TableName: homeRegion(j).tables.insights, ExclusiveStartKey: start }));
        out.push(...(res.Items ?? []).filter((i) => String(i.itemKey).startsWith('ledger#')));
        start = res.LastEvaluatedKey;
      } while (start);
    }
    return out;
  };
  return { call, batch, drainAll, ledger, close: () => stores.close() };
}

const data = generateDemoData({ customers: CUSTOMERS, now: NOW });
const server = await startConverseServer();
server.autoAnswer = autoAnswer;
const ai: AiSettings = { bedrock: { credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, endpoint: server.endpoint }, budgets: { dailyUsd: 1e6, monthlyUsd: 1e6 } };

console.log(`\nbench:insights — Node ${process.version}, ${CUSTOMERS} demo customers\n`);
const withAi = await stack(data, ai);
const day1 = await withAi.batch('eu-bench-day-1');
const analysed = server.reported.length;
const sentInputs = (await withAi.ledger()).filter((l) => l.outcome === 'answer').map((l) => l.input as PseudonymousInput);
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
const answeredOnDemand = (await withAi.ledger()).filter((l) => l.outcome === 'answer');
const onDemandPer = answeredOnDemand.reduce((x, l) => x + (l.costUsd as number), 0) / Math.max(1, answeredOnDemand.length);
await withAi.close();

// Before issue 17, in the same run: the same inputs as the verbose request with the long tool.
const runtime = new BedrockRuntimeClient({ region: 'eu-central-1', endpoint: server.endpoint, credentials: { accessKeyId: 'l', secretAccessKey: 'l' }, requestHandler: new NodeHttpHandler() });
const before = { input: [] as number[], output: [] as number[] };
for (const input of sentInputs) {
  await runtime.send(verboseCommand('anthropic.claude-haiku-4-5-20251001-v1:0', input));
  before.input.push(server.reported.at(-1)!.inputTokens);
  before.output.push(server.reported.at(-1)!.outputTokens);
}
// The legacy tokenizer's count of the compact request and answer (Claude 3+ tokenize differently: a second opinion).
const legacy = { input: [] as number[], output: [] as number[] };
for (const input of sentInputs) {
  const names = productTable(input).map((p) => p.name);
  legacy.input.push(countTokens(JSON.stringify(compactToolSchema()) + systemPrompt() + userPrompt(input)));
  legacy.output.push(countTokens(JSON.stringify(toCompact(plausibleAnswer(names), names.map((name) => ({ name }))))));
}
// The fixed prefix (tool and system prompt) each call repeats: what prompt caching could share.
const prefixTokens = Math.ceil((JSON.stringify([{ toolSpec: { name: 'a', inputSchema: { json: compactToolSchema() } } }]) + JSON.stringify([{ text: systemPrompt() }])).length / 4);

// The day-1 batch again, through Bedrock batch inference on the same data.
const s3 = await startLocalS3(['cadence-batch-eu-central-1', 'cadence-batch-us-east-1']);
const control = await startBatchServer({ s3: s3.client(), runtimeEndpoint: server.endpoint });
const viaBatch = await stack(data, {
  ...ai,
  batch: { bucket: 'cadence-batch-{region}', roleArn: 'arn:aws:iam::000000000000:role/bench', minRecords: 100, deadlineHours: 20, pollSeconds: 1, controlEndpoint: control.endpoint, s3Endpoint: s3.endpoint, s3Credentials: localS3Options(s3.endpoint).credentials },
});
const batchDay = await viaBatch.batch('eu-bench-batch-1');
const batchLines = await viaBatch.ledger();
await viaBatch.close();
await control.close();
await s3.close();

const statistical = await stack(data, undefined);
const base = await statistical.batch('eu-bench-day-1');
await statistical.close();
await server.close();

console.log(`| tokens per analysis (local server count, ${analysed} analyses) | mean | p50 | p95 | before (same inputs, prompt 2026-11-22) mean | legacy tokenizer mean |`);
console.log('|---|---:|---:|---:|---:|---:|');
console.log(`| input | ${Math.round(mean(inputs))} | ${pct(inputs, 0.5)} | ${pct(inputs, 0.95)} | ${Math.round(mean(before.input))} | ${Math.round(mean(legacy.input))} |`);
console.log(`| output | ${Math.round(mean(outputs))} | ${pct(outputs, 0.5)} | ${pct(outputs, 0.95)} | ${Math.round(mean(before.output))} | ${Math.round(mean(legacy.output))} |`);
console.log(`goals (issue 17): input <= 700 ${mean(inputs) <= 700 ? 'met' : 'NOT met'}, output <= 180 ${mean(outputs) <= 180 ? 'met' : 'NOT met'}`);
console.log(`\nfixed prefix (tool + system) per call: ${prefixTokens} tokens; Bedrock caches a prefix from 2,048 tokens (Claude 3.5 Haiku) or 4,096 (Claude Haiku 4.5), Claude 3 Haiku not at all: no cache read or write at this size`);
const perThousand = (inTok: number, outTok: number, price: { input: number; output: number }) => ((inTok * price.input + outTok * price.output) / 1e6) * 1000;
console.log(`\n| model (price table) | $ per 1M in / out (batch) | before, on demand | on demand | batch | per 1,000 analysed customers |`);
console.log('|---|---|---:|---:|---:|---|');
for (const [model, price] of Object.entries(PRICES_PER_MILLION)) {
  const b = price.batch ?? price;
  console.log(`| ${model} | ${price.input} / ${price.output} (${b.input} / ${b.output}) | $${perThousand(mean(before.input), mean(before.output), price).toFixed(2)} | $${perThousand(mean(inputs), mean(outputs), price).toFixed(2)} | $${perThousand(mean(inputs), mean(outputs), b).toFixed(2)} | |`);
}
const batched = batchLines.filter((l) => l.mode === 'batch');
const onDemandInBatch = batchLines.filter((l) => l.mode === undefined && l.outcome === 'answer');
const batchCost = batched.reduce((x, l) => x + (l.costUsd as number), 0);
const inf = batchDay.reports.map((r) => r.inference).filter((x) => x !== undefined);
console.log(`\nday-1 batch through Bedrock batch inference (${inf.map((i) => `${i!.mode} ${i!.status}: ${i!.records} records`).join('; ')}): ${batched.length} records charged at batch prices, $${batchCost.toFixed(4)}, $${((batchCost / Math.max(1, batched.length)) * 1000).toFixed(2)} per 1,000 analysed customers (ledger), ${onDemandInBatch.length} on demand; the same day on demand: $${(onDemandPer * 1000).toFixed(2)} per 1,000 (ledger)`);
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
