import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Miniflare } from 'miniflare';
import { regions } from '../../regions/index.ts';
import { EDGE_REGION_HEADER } from '../../src/hosting/edge-router.ts';
import { mapLimit } from '../../src/shared/map-limit.ts';
import { buildWorkerBundle, startWorkerdStack } from '../../src/local/workerd.ts';
import { prng } from '../../src/local/demo-data.ts';
import { JWT_SECRET, PRIVACY_KEY } from '../support/app.ts';
import { startDynaliteStores, type TestStores } from '../support/stores.ts';
import { startConverseServer, type ConverseServer } from '../support/converse-server.ts';
import { startLocalKinesis, localKinesisOptions, type LocalKinesis } from '../../src/local/kinesis-streams.ts';
import { KinesisEventStream } from '../../src/streaming/kinesis.ts';
import { LOCAL_CREDENTIALS } from '../../src/local/bootstrap.ts';
import { JOBS_SWEEP_CRON } from '../../src/regions/wrangler-config.ts';
import { startBlackHole, type BlackHole } from '../support/black-hole.ts';

/** The Worker bundle, as wrangler builds it, in workerd: one Worker per region with service bindings. */
const LOW_API_LIMIT = 5;
const LOW_STOREFRONT_LIMIT = 6;
let stores: TestStores;
let mf: Miniflare;
let base: URL;
let bedrock: ConverseServer;
let bundlePath: string;

beforeAll(async () => {
  [stores, bedrock] = await Promise.all([startDynaliteStores(), startConverseServer()]);
  bundlePath = await buildWorkerBundle();
  const stack = await startWorkerdStack({
    port: 0,
    endpoints: stores.endpoints,
    jwtSecret: JWT_SECRET,
    privacyKey: PRIVACY_KEY,
    defaultRegion: 'us-east-1',
    bundlePath,
    // The Workers call the local Converse stand-in through the real SDK client (as bundled for workerd).
    aiBindings: { BEDROCK_ACCESS_KEY_ID: 'local', BEDROCK_SECRET_ACCESS_KEY: 'local', BEDROCK_ENDPOINT: bedrock.endpoint },
    queueSettings: { maxBatchTimeout: 1, retryDelay: 0 },
    // Miniflare emulates the rate-limiting bindings: two are lowered so that the colo count refuses first.
    rateLimitBindings: { standard: LOW_API_LIMIT, storefront: LOW_STOREFRONT_LIMIT },
  });
  mf = stack.mf;
  base = stack.url;
}, 180_000);
afterAll(async () => {
  await mf?.dispose();
  await stores?.close();
  await bedrock?.close();
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function call(region: string, method: string, path: string, body?: unknown, key = stores.adminKey) {
  const res = await fetch(new URL(path, base), {
    method,
    headers: { [EDGE_REGION_HEADER]: region, authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, servedBy: res.headers.get('cadence-served-by'), body: text ? JSON.parse(text) : undefined };
}

describe('multi-region routing in workerd', () => {
  it('serves the API reference page and its script from static assets (no CDN)', async () => {
    const page = await fetch(new URL('/docs', base));
    expect(await page.text()).toContain('/docs/scalar.js');
    const script = await fetch(new URL('/docs/scalar.js', base), { headers: { [EDGE_REGION_HEADER]: 'eu-west-1' } });
    expect([script.status, script.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
  });

  it('serves the operator page behind its login, each jurisdiction in its own, charts from static assets', async () => {
    const login = await fetch(new URL('/dashboard/login', base), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base.origin },
      body: new URLSearchParams({ key: stores.adminKey }),
    });
    expect(login.status).toBe(303);
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
    expect((await fetch(new URL('/dashboard', base), { redirect: 'manual' })).status).toBe(303);
    const page = await fetch(new URL('/dashboard?jurisdiction=EU', base), { headers: { cookie } });
    expect([page.status, page.headers.get('cadence-served-by')]).toEqual([200, 'eu-central-1']);
    expect(await page.text()).toContain('id="dashboard-data"');
    for (const name of ['chart.umd.min.js', 'dashboard.js', 'dashboard.css']) {
      const asset = await fetch(new URL(`/dashboard/assets/${name}`, base), { headers: { [EDGE_REGION_HEADER]: 'eu-west-1' } });
      expect(asset.status, name).toBe(200);
      expect((await asset.text()).length, name).toBeGreaterThan(100);
    }
  });

  it('serves /health from each region', async () => {
    for (const r of regions) {
      const res = await call(r.id, 'GET', '/health');
      expect(res.body).toMatchObject({ status: 'ok', region: r.id, jurisdiction: r.jurisdiction });
    }
  });

  it("serves an EU customer's requests entering through us-east-1 from the EU home deployment", async () => {
    const created = await call('us-east-1', 'POST', '/v1/customers', { country: 'AT', displayName: 'Lena', contact: { email: 'lena@example.com' } });
    expect(created.status).toBe(201);
    expect(created.servedBy).toBe('eu-central-1');
    const id = created.body.id as string;
    expect(id).toMatch(/^cus_eu_/);

    const read = await call('us-east-1', 'GET', `/v1/customers/${id}`);
    expect([read.status, read.servedBy, read.body.displayName]).toEqual([200, 'eu-central-1', 'Lena']);

    const bought = await call('ap-southeast-2', 'POST', '/v1/purchases', { orderId: 'W1', customerId: id, purchasedAt: '2026-10-01T10:00:00Z', lines: [{ productId: 'tea', quantity: 2, unitPrice: 3, currency: 'EUR' }] });
    expect([bought.status, bought.body.created]).toEqual([200, 1]);

    const token = (await call('us-east-1', 'POST', `/v1/customers/${id}/tokens`, { ttlSeconds: 300 })).body.token as string;
    const own = await call('ap-southeast-2', 'GET', `/v1/customers/${id}/purchases`, undefined, token);
    expect([own.status, own.servedBy, own.body.items.length]).toEqual([200, 'eu-central-1', 1]);

    // The ROW store never saw any of it.
    expect(JSON.stringify(await stores.scanAll('ROW'))).not.toContain(id);
  });

  it('serves a ROW customer in ROW even when the request enters in the EU', async () => {
    const created = await call('eu-west-1', 'POST', '/v1/customers', { country: 'CA' });
    expect([created.status, created.servedBy]).toEqual([201, 'us-east-1']);
    expect(JSON.stringify(await stores.scanAll('EU'))).not.toContain(created.body.id);
  });
});

/** 300 customers by default; CADENCE_SOVEREIGNTY_CUSTOMERS=1000 runs the size the hardening probe used. */
const SOVEREIGNTY_CUSTOMERS = Number(process.env.CADENCE_SOVEREIGNTY_CUSTOMERS ?? 300);
const SOVEREIGNTY_LINES = SOVEREIGNTY_CUSTOMERS * 10;

describe('sovereignty under a mixed workload', () => {
  it(`after ${SOVEREIGNTY_CUSTOMERS} customers and ${SOVEREIGNTY_LINES} purchase lines entering through all regions, no store holds the other jurisdiction's data`, async () => {
    const rnd = prng(7);
    const entry = () => rnd.pick(regions).id;
    const countries = ['DE', 'FR', 'IT', 'ES', 'PL', 'NL', 'SE', 'US', 'GB', 'AU', 'CA', 'JP', 'BR', 'IN'];
    const customers = await mapLimit(Array.from({ length: SOVEREIGNTY_CUSTOMERS }, (_, i) => i), 8, async (i) => {
      const country = countries[i % countries.length]!;
      const res = await call(entry(), 'POST', '/v1/customers', { country, displayName: `Person ${i}`, contact: { email: `person${i}@example.com` } });
      expect(res.status).toBe(201);
      return { id: res.body.id as string, email: `person${i}@example.com` };
    });

    const lines: { orderId: string; customerId: string; purchasedAt: string; lines: { productId: string; quantity: number; unitPrice: number; currency: string }[] }[] = [];
    for (let i = 0; i < SOVEREIGNTY_LINES / 2; i++) {
      const c = rnd.pick(customers);
      lines.push({ orderId: `S${i}`, customerId: c.id, purchasedAt: new Date(Date.UTC(2026, rnd.int(0, 9), rnd.int(1, 28), 12)).toISOString(), lines: [
        { productId: 'coffee', quantity: rnd.int(1, 3), unitPrice: 9.5, currency: 'EUR' },
        { productId: 'milk', quantity: 1, unitPrice: 1.2, currency: 'EUR' },
      ] });
    }
    let created = 0;
    const batches = Array.from({ length: Math.ceil(lines.length / 250) }, (_, b) => lines.slice(b * 250, (b + 1) * 250));
    await mapLimit(batches, 2, async (orders) => {
      const res = await call(entry(), 'POST', '/v1/purchases', { orders });
      expect(res.status).toBe(200);
      created += res.body.created as number;
    });
    expect(created).toBe(SOVEREIGNTY_LINES);

    const eu = await stores.scanAll('EU');
    const row = await stores.scanAll('ROW');
    const euText = JSON.stringify(eu);
    const rowText = JSON.stringify(row);
    const euCustomers = customers.filter((c) => c.id.startsWith('cus_eu_'));
    const rowCustomers = customers.filter((c) => c.id.startsWith('cus_row_'));
    expect(euCustomers.length).toBeGreaterThan(SOVEREIGNTY_CUSTOMERS * 0.4);
    expect(rowCustomers.length).toBeGreaterThan(SOVEREIGNTY_CUSTOMERS * 0.4);
    // No item of an EU customer (id or email) in the ROW store, and the reverse.
    expect(rowText.match(/cus_eu_/g)).toBeNull();
    expect(euText.match(/cus_row_/g)).toBeNull();
    for (const c of euCustomers) expect(rowText.includes(c.email)).toBe(false);
    for (const c of rowCustomers) expect(euText.includes(`"${c.email}"`)).toBe(false);
    // Everything accepted is there, each in its own store.
    expect(eu.filter((i) => String(i._table).endsWith('purchases') && String(i.orderId).startsWith('S')).length + row.filter((i) => String(i._table).endsWith('purchases') && String(i.orderId).startsWith('S')).length).toBe(SOVEREIGNTY_LINES);
    console.log(`sovereignty: ${customers.length} customers (${euCustomers.length} EU, ${rowCustomers.length} ROW), ${SOVEREIGNTY_LINES} lines; EU store ${eu.length} items, ROW store ${row.length} items; 0 cross-jurisdiction items`);
  }, 300_000);
});

describe('predictions in workerd', () => {
  it('serves an EU customer\'s predictions through us-east-1 from the EU, with ETag revalidation', async () => {
    const id = (await call('us-east-1', 'POST', '/v1/customers', { country: 'DE' })).body.id as string;
    const orders = Array.from({ length: 6 }, (_, i) => ({ orderId: `P${i}`, customerId: id, purchasedAt: new Date(Date.UTC(2026, 5, 1 + i * 10)).toISOString(), lines: [{ productId: 'tea', quantity: 1, unitPrice: 3, currency: 'EUR' }] }));
    expect((await call('ap-southeast-2', 'POST', '/v1/purchases', { orders })).body.predictionsUpdated).toBe(1);
    const res = await fetch(new URL(`/v1/customers/${id}/predictions`, base), { headers: { [EDGE_REGION_HEADER]: 'us-east-1', authorization: `Bearer ${stores.adminKey}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('cadence-served-by')).toBe('eu-central-1');
    const body = (await res.json()) as { products: { productId: string; typicalIntervalDays: number }[] };
    expect(body.products[0]!.productId).toBe('tea');
    const etag = res.headers.get('etag')!;
    const again = await fetch(new URL(`/v1/customers/${id}/predictions`, base), { headers: { [EDGE_REGION_HEADER]: 'us-east-1', authorization: `Bearer ${stores.adminKey}`, 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it("runs the daily refit from the Cron Trigger in the jurisdiction's home region only", async () => {
    const models = async () => (await stores.scanAll('GLOBAL')).filter((i) => String(i.modelKey ?? '').endsWith('#population')).map((i) => i.modelKey);
    expect(await models()).toEqual([]);
    await (await mf.getWorker('cadence-eu-west-1')).scheduled({ cron: '17 3 * * *' });
    expect(await models()).toEqual([]);
    await (await mf.getWorker('cadence-eu-central-1')).scheduled({ cron: '17 3 * * *' });
    expect(await models()).toEqual(['EU#population']);
    // The fit ran in the trigger; every customer's page runs on the bulk queue's consumer.
    const today = new Date().toISOString().slice(0, 10);
    const job = await until('the refit job to finish', async () => {
      const r = await call('us-east-1', 'GET', `/v1/ops/jobs/eu-refit-${today}`);
      return r.status === 200 && r.body.status !== 'running' ? r : undefined;
    }, 60_000);
    expect(job.body).toMatchObject({ status: 'succeeded', runner: 'queue', failureCount: 0 });
    const predictions = (await stores.scanAll('EU')).filter((i) => String(i._table).endsWith('-predictions'));
    expect(predictions.length).toBeGreaterThan(SOVEREIGNTY_CUSTOMERS * 0.4);
    expect((await stores.scanAll('ROW')).some((i) => String(i.customerId ?? '').startsWith('cus_eu_'))).toBe(false);
  }, 120_000);

  it('runs the daily segmentation from its Cron Trigger in the home region, once per day', async () => {
    const runs = async () => (await stores.scanAll('GLOBAL')).filter((i) => String(i.modelKey ?? '').startsWith('run#')).map((i) => JSON.parse(String(i.value)) as { id: string; status: string; k: number; error?: unknown });
    await (await mf.getWorker('cadence-eu-west-1')).scheduled({ cron: '47 3 * * *' });
    expect(await runs()).toEqual([]);
    await (await mf.getWorker('cadence-eu-central-1')).scheduled({ cron: '47 3 * * *' });
    await (await mf.getWorker('cadence-eu-central-1')).scheduled({ cron: '47 3 * * *' });
    // A tracked job (decision 122): the fit ran in the trigger; the assignment pages run on the bulk queue's consumer.
    const done = await until('the segment run to finish', async () => {
      const all = await runs();
      return all.length === 1 && all[0]!.status !== 'running' ? all : undefined;
    }, 60_000);
    expect(done).toHaveLength(1);
    expect(done[0], JSON.stringify(done[0])).toMatchObject({ status: 'succeeded', jobId: expect.stringMatching(/^eu-segments-daily-/) });
    expect(done[0]!.id).toMatch(/^eu-daily-\d{4}-\d{2}-\d{2}$/);
    expect((await stores.scanAll('EU')).filter((i) => String(i._table).endsWith('-segments')).length).toBeGreaterThan(SOVEREIGNTY_CUSTOMERS * 0.4);
  }, 120_000);
});

describe('AI analysis through Cloudflare Queues in workerd', () => {
  const answer = {
    consumptionPatterns: [{ pattern: 'Buys green tea every two weeks', products: ['tea'], confidence: 0.8 }],
    predictedNeeds: [{ need: 'tea', timing: 'next week', confidence: 0.7 }],
    household: { reading: 'Single adult', evidence: ['small quantities'], confidence: 0.3 },
    socioeconomic: { reading: 'Not enough evidence', evidence: [], confidence: 0.1 },
    priceSensitivity: { level: 'medium', evidence: [] },
    recommendedCategories: ['tea'],
    churnSignals: [],
    summary: 'A regular tea buyer.',
  };

  it('queues a refresh in the EU, analyses it in the home region\'s consumer, and records the cost in the EU ledger', async () => {
    const created = await call('us-east-1', 'POST', '/v1/customers', { country: 'FR', displayName: 'Camille', consents: { profiling: true } });
    const id = created.body.id as string;
    const orders = Array.from({ length: 6 }, (_, i) => ({ orderId: `AI${i}`, customerId: id, purchasedAt: new Date(Date.now() - (2 + 14 * i) * 86_400_000).toISOString(), lines: [{ productId: 'tea', quantity: 1, unitPrice: 4.5, currency: 'EUR' }] }));
    bedrock.script.push({ kind: 'answer', input: answer, inputTokens: 1500, outputTokens: 400 });
    expect((await call('eu-west-1', 'POST', '/v1/purchases', { orders })).status).toBe(200);
    // The purchase asked for the first analysis; wait for it, then ask again on demand. It shares the EU
    // queue with the recomputes the sovereignty test's bulk ingest queued, so it may wait behind them.
    await until('the first analysis', async () => ((await call('us-east-1', 'GET', `/v1/customers/${id}/insights`)).body.status === 'fresh' ? true : undefined), 90_000);
    bedrock.script.push({ kind: 'answer', input: { ...answer, summary: 'Still a regular tea buyer.' }, inputTokens: 1600, outputTokens: 420 });
    const queued = await call('ap-southeast-2', 'POST', `/v1/customers/${id}/insights/refresh`);
    expect([queued.status, queued.servedBy, queued.body.status]).toEqual([202, 'eu-central-1', 'queued']);
    const done = await until('the job', async () => {
      const j = await call('us-east-1', 'GET', `/v1/jobs/${queued.body.jobId}`);
      return j.body.status === 'done' ? j : undefined;
    });
    expect(done.servedBy).toBe('eu-central-1');
    expect(done.body.result).toMatchObject({ source: 'bedrock' });
    const read = await call('us-east-1', 'GET', `/v1/customers/${id}/insights`);
    expect(read.body).toMatchObject({ status: 'fresh', source: 'bedrock', analysis: { summary: 'Still a regular tea buyer.' } });

    const ledger = (await stores.scanAll('EU')).filter((i) => i.customerId === id && String(i.itemKey).startsWith('ledger#'));
    expect(ledger.map((l) => [l.inputTokens, l.outputTokens]).sort()).toEqual([[1500, 400], [1600, 420]]);
    expect((await stores.scanAll('ROW')).some((i) => JSON.stringify(i).includes(id))).toBe(false);
    expect(JSON.stringify(bedrock.requests)).not.toMatch(/Camille|cus_eu_/);
  }, 150_000);

  it('starts the daily analysis batch from its Cron Trigger in the home region, once per day', async () => {
    const today = new Date().toISOString().slice(0, 10);
    await (await mf.getWorker('cadence-eu-west-1')).scheduled({ cron: '7 4 * * *' });
    expect((await call('us-east-1', 'GET', `/v1/ops/insight-batches/eu-${today}`)).status).toBe(404);
    await (await mf.getWorker('cadence-eu-central-1')).scheduled({ cron: '7 4 * * *' });
    const report = await until('the batch to finish', async () => {
      const r = await call('us-east-1', 'GET', `/v1/ops/insight-batches/eu-${today}`);
      return r.status === 200 && r.body.finished ? r : undefined;
    }, 60_000);
    expect(report.servedBy).toBe('eu-central-1');
    const euCustomers = (await stores.scanAll('EU')).filter((i) => String(i._table).endsWith('-customers')).length;
    expect(report.body.customers).toBe(euCustomers);
    expect(report.body.customers).toBe(report.body.enqueued + report.body.unchanged + report.body.inactive + report.body.noConsent + report.body.alreadyPending);
    // The batch is a tracked job whose pages went through the bulk queue's consumer.
    const job = await until('the job to finish', async () => {
      const r = await call('us-east-1', 'GET', `/v1/ops/jobs/eu-insights-${today}`);
      return r.status === 200 && r.body.status === 'succeeded' ? r : undefined;
    }, 30_000);
    expect(job.body).toMatchObject({ type: 'insights.batch', runner: 'queue', items: { done: euCustomers }, failureCount: 0 });
    expect(job.body.progress.done).toBe(job.body.progress.total);
    // A repeated trigger the same day starts nothing new.
    await (await mf.getWorker('cadence-eu-central-1')).scheduled({ cron: '7 4 * * *' });
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await call('us-east-1', 'GET', `/v1/ops/insight-batches/eu-${today}`)).body).toEqual(report.body);
  }, 90_000);

  it('dead-letters a message no delivery can help at once (through the DLQ producer) and marks its job failed', async () => {
    const id = (await call('us-east-1', 'POST', '/v1/customers', { country: 'FR' })).body.id as string;
    const jobId = `job_${id.slice(4)}_000000000000`;
    const now = new Date().toISOString();
    await stores.put('EU', 'insights', { customerId: id, itemKey: `job#${jobId}`, jobId, kind: 'insights.analyze', reason: 'on_demand', status: 'queued', attempts: 0, createdAt: now, updatedAt: now });
    // The body names another customer than the job id does: the consumer sends it to the dead-letter queue.
    const producer = await mf.getQueueProducer<unknown>('INSIGHTS_QUEUE', 'cadence-eu-west-1');
    await producer.send({ kind: 'insights.analyze', customerId: 'cus_eu_0000000000000000000a', jobId });
    const failed = await until('the dead-letter consumer', async () => {
      const j = (await call('us-east-1', 'GET', `/v1/jobs/${jobId}`)).body;
      return j.status === 'failed' ? j : undefined;
    }, 45_000);
    expect(failed.error).toMatch(/dead-lettered/);
  }, 60_000);
});

describe('privacy requests in workerd', () => {
  it("exports and erases an EU customer whose requests enter through us-east-1, leaving nothing in any store", async () => {
    const created = await call('us-east-1', 'POST', '/v1/customers', { country: 'DE', contact: { email: 'erin@example.com' } });
    const id = created.body.id as string;
    expect(created.servedBy).toBe('eu-central-1');
    await call('us-east-1', 'POST', '/v1/purchases', { orderId: 'w1', customerId: id, purchasedAt: new Date().toISOString(), lines: [{ productId: 'tea', quantity: 1, unitPrice: 3, currency: 'EUR' }] });
    const exported = await call('us-east-1', 'GET', `/v1/customers/${id}/export`);
    expect([exported.status, exported.body.sections.purchases.length]).toEqual([200, 1]);
    const erase = await call('us-east-1', 'DELETE', `/v1/customers/${id}`);
    expect([erase.status, erase.servedBy]).toEqual([202, 'eu-central-1']);
    const done = await until('the erasure', async () => {
      const r = (await call('ap-southeast-2', 'GET', `/v1/privacy-requests/${erase.body.id}`)).body;
      return r.status === 'completed' ? r : undefined;
    }, 45_000);
    expect(done.erased.purchases).toBe(1);
    const everywhere = [...(await stores.scanAll('EU')), ...(await stores.scanAll('ROW')), ...(await stores.scanAll('GLOBAL'))];
    expect(everywhere.filter((i) => JSON.stringify(i).includes(id) || JSON.stringify(i).includes('erin@example.com'))).toEqual([]);
    expect((await call('us-east-1', 'POST', '/v1/purchases', { orderId: 'w2', customerId: id, purchasedAt: new Date().toISOString(), lines: [{ productId: 'tea', quantity: 1, unitPrice: 3, currency: 'EUR' }] })).status).toBe(410);
  }, 60_000);
});

describe('rate limits in workerd (the [[ratelimits]] bindings, as Miniflare emulates them)', () => {
  const raw = (path: string, key: string) => fetch(new URL(path, base), { headers: { [EDGE_REGION_HEADER]: 'us-east-1', authorization: `Bearer ${key}` } });
  /**
   * Requests until the first 429, at most twice the binding's limit: the binding counts in fixed 10 s
   * windows, so a window may turn over during the run and let up to one more limit through.
   */
  async function burstUntilRefused(path: string, key: string, limit: number): Promise<{ ok: number; refused: Response }> {
    for (let ok = 0; ok <= 2 * limit; ok++) {
      const res = await raw(path, key);
      if (res.status === 429) return { ok, refused: res };
      expect(res.status).toBe(200);
    }
    throw new Error(`no 429 after ${2 * limit + 1} requests`);
  }

  it("refuses an API key over its tier's binding with 429, problem+json and Retry-After, while another key keeps 200", async () => {
    const id = (await call('us-east-1', 'POST', '/v1/customers', { country: 'US' })).body.id as string;
    const [a, b] = await Promise.all([stores.key(['customers:read']), stores.key(['customers:read'])]);
    const { ok, refused } = await burstUntilRefused(`/v1/customers/${id}`, a, LOW_API_LIMIT);
    expect(ok).toBeGreaterThanOrEqual(LOW_API_LIMIT);
    expect(ok).toBeLessThanOrEqual(2 * LOW_API_LIMIT);
    expect([refused.headers.get('content-type'), refused.headers.get('retry-after')]).toEqual(['application/problem+json', '10']);
    expect(await refused.json()).toMatchObject({ status: 429, code: 'request.rateLimited', retryAfter: 10 });
    expect((await raw(`/v1/customers/${id}`, b)).status).toBe(200);
    // The admin key's tier has its own binding: untouched.
    expect((await call('us-east-1', 'GET', `/v1/customers/${id}`)).status).toBe(200);
  });

  it("refuses a customer token's warm storefront reads (the Worker's fast path) over the binding, and not another token's", async () => {
    const shopper = async () => {
      const id = (await call('us-east-1', 'POST', '/v1/customers', { country: 'US' })).body.id as string;
      const orders = Array.from({ length: 3 }, (_, i) => ({ orderId: `R${i}`, customerId: id, purchasedAt: new Date(Date.UTC(2026, 5, 1 + i * 10)).toISOString(), lines: [{ productId: 'tea', quantity: 1, unitPrice: 3, currency: 'USD' }] }));
      expect((await call('us-east-1', 'POST', '/v1/purchases', { orders })).status).toBe(200);
      return { id, token: (await call('us-east-1', 'POST', `/v1/customers/${id}/tokens`, { ttlSeconds: 300 })).body.token as string };
    };
    const [a, b] = [await shopper(), await shopper()];
    const { ok, refused } = await burstUntilRefused(`/v1/customers/${a.id}/predictions`, a.token, LOW_STOREFRONT_LIMIT);
    expect(ok).toBeGreaterThanOrEqual(LOW_STOREFRONT_LIMIT);
    expect(refused.headers.get('retry-after')).toBe('10');
    expect(refused.headers.get('cadence-served-by')).toBe('us-east-1');
    expect(await refused.json()).toMatchObject({ status: 429, code: 'request.rateLimited' });
    expect((await raw(`/v1/customers/${b.id}/predictions`, b.token)).status).toBe(200);
    expect((await raw('/health', a.token)).status).toBe(200);
  });
});

describe('the outbox drained by the Cron Trigger in workerd (kinesalite)', () => {
  let kinesis: LocalKinesis;
  let streaming: Miniflare;
  let entry: URL;
  beforeAll(async () => {
    kinesis = await startLocalKinesis(regions);
    // A second stack of the same bundle, with streaming on (the first publishes no events).
    const stack = await startWorkerdStack({ port: 0, endpoints: stores.endpoints, jwtSecret: JWT_SECRET, privacyKey: PRIVACY_KEY, defaultRegion: 'us-east-1', bundlePath, kinesisEndpoints: kinesis.endpoints });
    [streaming, entry] = [stack.mf, stack.url];
  }, 180_000);
  afterAll(async () => {
    await streaming?.dispose();
    await kinesis?.close();
  });
  const post = async (region: string, path: string, body: unknown) => {
    const res = await fetch(new URL(path, entry), { method: 'POST', headers: { [EDGE_REGION_HEADER]: region, authorization: `Bearer ${stores.adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  };
  const waiting = async (customerId: string) => (await stores.scanAll('EU')).filter((i) => i.kind === 'outbox' && i.customerId === customerId);
  const onStream = async (customerId: string) => {
    const stream = new KinesisEventStream('cadence-eu-events', { region: 'eu-central-1', endpoint: kinesis.endpoints['eu-central-1']!, credentials: LOCAL_CREDENTIALS, clientOptions: localKinesisOptions() });
    const out: { type: string; lineId?: string }[] = [];
    for (const shard of await stream.shards()) {
      const page = await stream.read(await stream.iterator(shard.shardId), 1000);
      out.push(...page.records.map((r) => JSON.parse(r.data)).filter((e) => e.customerId === customerId));
    }
    return out;
  };

  it("publishes events stranded while Kinesis was down from the jurisdiction's home region, on the sweep cron, once it is back", async () => {
    const created = await post('us-east-1', '/v1/customers', { country: 'DE' });
    expect([created.status, created.body.id]).toEqual([201, expect.stringMatching(/^cus_eu_/)]);
    const id = created.body.id as string;
    await kinesis.stop('eu-central-1');
    const bought = await post('eu-west-1', '/v1/purchases', { orderId: 'OUT1', customerId: id, purchasedAt: new Date().toISOString(), lines: [{ productId: 'tea', quantity: 1, unitPrice: 3, currency: 'EUR' }, { productId: 'milk', quantity: 2, unitPrice: 1, currency: 'EUR' }] });
    expect([bought.status, bought.body.created]).toEqual([200, 2]); // accepted: the events wait in the outbox
    expect(await waiting(id)).toHaveLength(2);

    await kinesis.start('eu-central-1');
    // Only the home region drains (both carry the trigger); nothing else publishes meanwhile.
    await (await streaming.getWorker('cadence-eu-west-1')).scheduled({ cron: JOBS_SWEEP_CRON });
    expect(await waiting(id)).toHaveLength(2);
    expect((await onStream(id)).filter((e) => e.type === 'purchase.line')).toEqual([]);
    await (await streaming.getWorker('cadence-eu-central-1')).scheduled({ cron: JOBS_SWEEP_CRON });
    expect(await waiting(id)).toEqual([]);
    const lines = (await onStream(id)).filter((e) => e.type === 'purchase.line');
    expect(lines.map((e) => e.lineId).sort()).toEqual(['milk', 'tea']); // line ids default to the product's
  }, 60_000);

  it('empties the outbox after the first purchase published once Kinesis is back, within that request', async () => {
    const id = (await post('us-east-1', '/v1/customers', { country: 'DE' })).body.id as string;
    await kinesis.stop('eu-central-1');
    const order = (orderId: string) => ({ orderId, customerId: id, purchasedAt: new Date().toISOString(), lines: [{ productId: 'oats', quantity: 1, unitPrice: 2, currency: 'EUR' }] });
    expect((await post('eu-central-1', '/v1/purchases', order('DOWN1'))).status).toBe(200);
    expect(await waiting(id)).toHaveLength(1);
    await kinesis.start('eu-central-1');
    // No cron: the next purchase's publish succeeds and hands the drain to its request's waitUntil.
    expect((await post('eu-central-1', '/v1/purchases', order('UP1'))).status).toBe(200);
    for (let i = 0; i < 50 && (await waiting(id)).length > 0; i++) await new Promise((r) => setTimeout(r, 200));
    expect(await waiting(id)).toEqual([]);
    const orders = (await onStream(id)).filter((e) => e.type === 'purchase.line').map((e) => (e as { orderId?: string }).orderId);
    expect(orders.sort()).toEqual(['DOWN1', 'UP1']);
  }, 60_000);
});

describe('a home store that accepts connections and never answers, in workerd', () => {
  let hung: Miniflare;
  let entry: URL;
  let hole: BlackHole;
  beforeAll(async () => {
    hole = await startBlackHole();
    // eu-central-1's own store is the black hole; eu-west-1 keeps the EU store (the bundle as built above).
    const stack = await startWorkerdStack({ port: 0, endpoints: stores.endpoints, personalEndpoints: { 'eu-central-1': hole.endpoint }, jwtSecret: JWT_SECRET, privacyKey: PRIVACY_KEY, defaultRegion: 'us-east-1', bundlePath });
    [hung, entry] = [stack.mf, stack.url];
  }, 180_000);
  afterAll(async () => {
    await hung?.dispose();
    await hole?.close();
  });

  it("gives up on the hung store after two bounded attempts (decisions 156, 157) and the EU customer is served by eu-west-1", async () => {
    const id = (await call('us-east-1', 'POST', '/v1/customers', { country: 'DE' })).body.id as string;
    const res = await fetch(new URL(`/v1/customers/${id}`, entry), { headers: { [EDGE_REGION_HEADER]: 'us-east-1', authorization: `Bearer ${stores.adminKey}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('cadence-served-by')).toBe('eu-west-1');
    expect(((await res.json()) as { id: string }).id).toBe(id);
    expect(hole.connections()).toBeGreaterThan(0); // the home region did try its store: what ended the wait was the deadline
  }, 30_000);
});
