import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AnalysisAnswer } from '../../src/insights/analysis.schema.ts';
import { costOf } from '../../src/insights/pricing.ts';
import { InProcessQueue } from '../../src/jobs/queue.ts';
import { client, type Client } from '../support/app.ts';
import { startConverseServer, type ConverseServer } from '../support/converse-server.ts';
import { startDynaliteStores, type TestStores } from '../support/stores.ts';

/**
 * The analysis path end to end: HTTP API → in-process queue (the Worker's semantics: batches, retries,
 * dead letters) → the real Bedrock Runtime client → a local server speaking the Converse protocol, with
 * DynamoDB on dynalite. The workerd queue path is in test/worker/workerd.test.ts.
 */
const MODEL = 'eu.anthropic.claude-haiku-4-5-20251001-v1:0';
const NOW = Date.parse('2026-06-30T12:00:00Z');
let clock = NOW;
let stores: TestStores;
let server: ConverseServer;
let api: Client;
let queue: InProcessQueue;
const admin = () => stores.adminKey;

const good: AnalysisAnswer = {
  consumptionPatterns: [{ pattern: 'Buys coffee beans every week', products: ['Coffee beans 1 kg'], confidence: 0.9 }],
  predictedNeeds: [{ need: 'Coffee beans 1 kg', timing: 'within 3 days', confidence: 0.8 }],
  household: { reading: 'Adult household, heavy coffee drinkers', evidence: ['weekly 1 kg bags'], confidence: 0.6 },
  socioeconomic: { reading: 'Buys premium beans at full price', evidence: ['no discounted lines'], confidence: 0.4 },
  priceSensitivity: { level: 'low', evidence: ['full-price purchases'] },
  recommendedCategories: ['coffee', 'kitchen'],
  churnSignals: [],
  summary: 'A loyal weekly coffee buyer.',
};

async function newCustomer(body: Record<string, unknown>): Promise<string> {
  const res = await api.call('POST', '/v1/customers', { key: admin(), body: { country: 'DE', ...body } });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

async function buy(id: string, orders: { orderId: string; daysAgo: number; productId?: string }[]) {
  const res = await api.call('POST', '/v1/purchases', {
    key: admin(),
    body: {
      orders: orders.map((o) => ({
        orderId: o.orderId,
        customerId: id,
        purchasedAt: new Date(clock - o.daysAgo * 86_400_000).toISOString(),
        lines: [{ productId: o.productId ?? 'coffee-1kg', quantity: 1, unitPrice: 18.9, currency: 'EUR' }],
      })),
    },
  });
  expect(res.status).toBe(200);
}

const weekly = (prefix: string, n = 8) => Array.from({ length: n }, (_, i) => ({ orderId: `${prefix}${i}`, daysAgo: 2 + i * 7 }));

const refresh = async (id: string) => {
  const res = await api.call('POST', `/v1/customers/${id}/insights/refresh`, { key: admin() });
  expect(res.status).toBe(202);
  return res.body as { jobId: string; status: string };
};
const insights = (id: string, key = admin()) => api.call('GET', `/v1/customers/${id}/insights`, { key });
const job = async (jobId: string) => (await api.call('GET', `/v1/jobs/${jobId}`, { key: admin() })).body;
/** Ledger lines are personal: they live in the customer's jurisdiction, under the customer's id. */
const ledgerOf = async (id: string) => (await stores.scanAll('EU')).filter((i) => i.customerId === id && String(i.itemKey).startsWith('ledger#'));

beforeAll(async () => {
  [stores, server] = await Promise.all([startDynaliteStores(), startConverseServer()]);
  api = client(stores, {
    now: () => clock,
    ai: { bedrock: { credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, endpoint: server.endpoint }, budgets: { dailyUsd: 50, monthlyUsd: 1000 } },
    // HTTP/1.1 to the local stand-in; the SDK's retries shortened so the tests stay quick.
    bedrockClientOptions: { requestHandler: new NodeHttpHandler(), maxAttempts: 3 },
  });
  queue = api.queues.get('eu-central-1')!;
  const product = (name: string, category: string) => ({ name, category, price: 18.9, currency: 'EUR', packSize: 1, packUnit: 'item', consumable: true });
  expect((await api.call('PUT', '/v1/products/coffee-1kg', { key: admin(), body: product('Coffee beans 1 kg', 'coffee') })).status).toBeLessThan(300);
  expect((await api.call('PUT', '/v1/products/tea-100', { key: admin(), body: product('Green tea, 100 bags', 'tea') })).status).toBeLessThan(300);
}, 60_000);
afterAll(async () => Promise.all([stores.close(), server.close()]));
beforeEach(async () => {
  // Jobs queued by earlier tests' purchases are run first, so each test sees only its own calls.
  server.script.length = 0;
  for (let i = 0; i < 50; i++) server.script.push({ kind: 'answer', input: good });
  await queue.drain();
  server.script.length = 0;
  server.requests.length = 0;
  server.reported.length = 0;
});

describe('on-demand analysis through the queue', () => {
  it('answers 202 with a job, runs it once, and serves the model\'s analysis with its cost in the ledger', async () => {
    const id = await newCustomer({ consents: { profiling: true }, displayName: 'Anna Example', contact: { email: 'anna@example.com', phone: '+4930123456' } });
    await buy(id, weekly('a'));
    await queue.drain(); // the first purchase asked for an analysis (no analysis yet)
    server.requests.length = 0;
    server.reported.length = 0;

    server.script.push({ kind: 'answer', input: good, inputTokens: 1234, outputTokens: 321 });
    // As Node's HTTP server hands it over: a POST without a body still has an (empty) body stream.
    const empty = new ReadableStream({ start: (c) => c.close() });
    const viaNode = await api.fetch(new Request(`http://cadence.test/v1/customers/${id}/insights/refresh`, { method: 'POST', headers: { authorization: `Bearer ${admin()}` }, body: empty, duplex: 'half' } as RequestInit));
    expect(viaNode.status).toBe(202);
    const queued = (await viaNode.json()) as { jobId: string; status: string };
    expect(queued.status).toBe('queued');
    // A second refresh while one is in flight returns the same job rather than a second call.
    expect((await refresh(id)).jobId).toBe(queued.jobId);
    await queue.drain();

    expect(server.requests).toHaveLength(1);
    const done = await job(queued.jobId);
    expect(done).toMatchObject({ status: 'done', attempts: 1, result: { source: 'bedrock', costUsd: costOf(MODEL, { inputTokens: 1234, outputTokens: 321 }) } });
    const res = await insights(id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'fresh', source: 'bedrock', modelId: MODEL, analysis: good });
    expect(res.body.fallbackReason).toBeUndefined();

    const ledger = await ledgerOf(id);
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({ jobId: queued.jobId, modelId: MODEL, region: 'eu-central-1', inputTokens: 1234, outputTokens: 321, calls: 1, outcome: 'answer' });

    // Nothing that names the customer reached the model.
    const sent = JSON.stringify(server.requests);
    for (const personal of [id, id.slice(7), 'Anna', 'anna@example.com', '4930123456']) expect(sent).not.toContain(personal);
    expect(sent).toContain('Coffee beans 1 kg');
  });

  it('does not analyse or charge twice when the queue delivers a job twice', async () => {
    const id = await newCustomer({ consents: { profiling: true } });
    await buy(id, weekly('d'));
    server.script.push({ kind: 'answer', input: good, inputTokens: 900, outputTokens: 200 }, { kind: 'answer', input: good });
    await queue.drain();
    const message = queue.sent.find((m) => m.kind === 'insights.analyze' && m.customerId === id)!;
    const reported = server.reported.slice();
    await queue.send(message); // at-least-once: the same message again
    await queue.send(message);
    await queue.drain();
    expect(server.requests.filter((r) => JSON.stringify(r.body).includes('Coffee'))).toHaveLength(1);
    const ledger = await ledgerOf(id);
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({ inputTokens: reported[0]!.inputTokens, outputTokens: reported[0]!.outputTokens });
  });

  it('finishes a job whose worker died after the call from the recorded answer: no second call, one charge', async () => {
    const id = await newCustomer({ consents: { profiling: true } });
    await buy(id, weekly('k'));
    await queue.drain(); // the first analysis (script empty: the server fails, statistical fallback)
    server.requests.length = 0;
    // The state a crash leaves: the job running with an expired lease, its call recorded with the answer.
    const jobId = `job_${id.slice(4)}_deadwvrker01`;
    const at = new Date(clock).toISOString();
    await stores.put('EU', 'insights', { customerId: id, itemKey: `job#${jobId}`, jobId, kind: 'insights.analyze', reason: 'on_demand', status: 'running', attempts: 1, leaseUntil: clock - 1, createdAt: at, updatedAt: at });
    const line = { customerId: id, itemKey: `ledger#${jobId}`, jobId, at, modelId: MODEL, region: 'eu-central-1', calls: 1, inputTokens: 1111, outputTokens: 222, pricePerMillion: { input: 1, output: 5 }, costUsd: costOf(MODEL, { inputTokens: 1111, outputTokens: 222 }), outcome: 'answer', pendingAnswer: good, countedDay: false, countedMonth: false };
    await stores.put('EU', 'insights', line);
    const day = at.slice(0, 10);
    const before = (await api.call('GET', `/v1/ops/costs?from=${day}&to=${day}`, { key: admin() })).body.total;
    await queue.send({ kind: 'insights.analyze', customerId: id, jobId });
    await queue.send({ kind: 'insights.analyze', customerId: id, jobId }); // and once more
    await queue.drain();
    expect(server.requests).toHaveLength(0);
    expect(await job(jobId)).toMatchObject({ status: 'done', attempts: 2, result: { source: 'bedrock' } });
    expect((await insights(id)).body).toMatchObject({ source: 'bedrock', analysis: good });
    const ledger = (await ledgerOf(id)).filter((l) => l.jobId === jobId);
    expect(ledger).toHaveLength(1);
    expect(ledger[0]!.pendingAnswer).toBeUndefined(); // the answer lives in the analysis only
    const after = (await api.call('GET', `/v1/ops/costs?from=${day}&to=${day}`, { key: admin() })).body.total;
    expect(after.inputTokens - before.inputTokens).toBe(1111);
  });

  it('refuses to start with a model that has no price: it could not be charged', () => {
    expect(() =>
      client(stores, { ai: { bedrock: { credentials: { accessKeyId: 'l', secretAccessKey: 'l' }, modelId: 'anthropic.claude-unpriced-v1:0' }, budgets: { dailyUsd: 1, monthlyUsd: 1 } } }),
    ).toThrow(/no price for Bedrock model anthropic.claude-unpriced-v1:0/);
  });

  it('repairs a malformed answer once and charges both calls', async () => {
    const id = await newCustomer({ consents: { profiling: true } });
    await buy(id, weekly('r'));
    server.script.push({ kind: 'answer', input: { ...good, summary: 42 }, inputTokens: 1000, outputTokens: 100 }, { kind: 'answer', input: good, inputTokens: 1200, outputTokens: 300 });
    await queue.drain();
    expect((await insights(id)).body).toMatchObject({ source: 'bedrock' });
    expect((await ledgerOf(id))[0]).toMatchObject({ calls: 2, inputTokens: 2200, outputTokens: 400 });
  });

  it('charges the first call when the repair call fails with a client error, and never calls again', async () => {
    const id = await newCustomer({ consents: { profiling: true } });
    await buy(id, weekly('v'));
    server.script.push({ kind: 'answer', input: { ...good, summary: '' }, inputTokens: 800, outputTokens: 90 }, { kind: 'error', status: 400, type: 'ValidationException' });
    await queue.drain();
    expect(server.requests).toHaveLength(2);
    expect((await insights(id)).body).toMatchObject({ source: 'statistical', fallbackReason: 'invalid_answer' });
    expect((await ledgerOf(id))[0]).toMatchObject({ calls: 1, inputTokens: 800, outputTokens: 90, outcome: 'invalid_answer' });
  });

  it('falls back to the statistical analysis on a refusal, and says so', async () => {
    const id = await newCustomer({ consents: { profiling: true } });
    await buy(id, weekly('f'));
    server.script.push({ kind: 'refuse' });
    await queue.drain();
    const res = await insights(id);
    expect(res.body).toMatchObject({ source: 'statistical', fallbackReason: 'refused' });
    expect(res.body.analysis.consumptionPatterns[0].pattern).toMatch(/Coffee beans 1 kg about every 7 days/);
    expect((await ledgerOf(id))[0]).toMatchObject({ calls: 1, outcome: 'refused', inputTokens: server.reported[0]!.inputTokens });
  });

  it('retries throttling with backoff (the SDK) and charges only the call that answered', async () => {
    const id = await newCustomer({ consents: { profiling: true } });
    await buy(id, weekly('t'));
    server.script.push({ kind: 'error', status: 429, type: 'ThrottlingException' }, { kind: 'error', status: 503, type: 'ServiceUnavailableException' }, { kind: 'answer', input: good, inputTokens: 700, outputTokens: 150 });
    await queue.drain();
    expect(server.requests).toHaveLength(3);
    expect((await insights(id)).body).toMatchObject({ source: 'bedrock' });
    expect((await ledgerOf(id))[0]).toMatchObject({ calls: 1, inputTokens: 700, outputTokens: 150 });
  });
});

describe('consent', () => {
  it('never calls the model without profiling consent: the statistical analyzer answers', async () => {
    const id = await newCustomer({ consents: { profiling: false } });
    await buy(id, weekly('n'));
    // Without consent no job follows a purchase: the first read answers statistically at once and asks for one.
    expect(queue.size).toBe(0);
    expect((await insights(id)).body).toMatchObject({ status: 'pending', source: 'statistical' });
    await queue.drain();
    expect(server.requests).toHaveLength(0);
    expect((await insights(id)).body).toMatchObject({ status: 'fresh', source: 'statistical', fallbackReason: 'no_consent' });
    expect(await ledgerOf(id)).toHaveLength(0);
  });

  it('asks for a model reading as soon as consent is given', async () => {
    const id = await newCustomer({ consents: { profiling: false } });
    await buy(id, weekly('g'));
    await insights(id);
    await queue.drain();
    expect((await insights(id)).body.fallbackReason).toBe('no_consent');
    server.script.push({ kind: 'answer', input: good });
    expect((await api.call('PATCH', `/v1/customers/${id}`, { key: admin(), body: { consents: { profiling: true } } })).status).toBe(200);
    await queue.drain();
    expect((await insights(id)).body).toMatchObject({ source: 'bedrock', analysis: good });
  });

  it('purges again a minute after a withdrawal: an answer written meanwhile by a job that missed it goes too', async () => {
    const id = await newCustomer({ consents: { profiling: true } });
    await buy(id, weekly('x'));
    server.script.push({ kind: 'answer', input: good });
    await queue.drain();
    const stored = (await stores.scanAll('EU')).find((i) => i.customerId === id && i.itemKey === 'analysis')!;
    expect((await api.call('PATCH', `/v1/customers/${id}`, { key: admin(), body: { consents: { profiling: false } }, region: 'eu-west-1' })).status).toBe(200);
    // A job in the home region that read consent before the withdrawal replicated writes its answer now.
    const { _table: _, ...item } = stored;
    await stores.put('EU', 'insights', item);
    expect(queue.sent.at(-1)).toEqual({ kind: 'insights.purge', customerId: id });
    await queue.drain();
    expect((await stores.scanAll('EU')).filter((i) => i.customerId === id && i.itemKey === 'analysis')).toHaveLength(0);
  });

  it('deletes the analysis when consent is withdrawn (an objection), answers 451, and makes no new ones', async () => {
    const id = await newCustomer({ consents: { profiling: true } });
    await buy(id, weekly('w'));
    server.script.push({ kind: 'answer', input: good });
    await queue.drain();
    expect((await insights(id)).body.source).toBe('bedrock');

    expect((await api.call('PATCH', `/v1/customers/${id}`, { key: admin(), body: { consents: { profiling: false } } })).status).toBe(200);
    const stored = (await stores.scanAll('EU')).filter((i) => i.customerId === id && i.itemKey === 'analysis');
    expect(stored).toHaveLength(0);
    const after = await insights(id);
    expect([after.status, after.body.code]).toEqual([451, 'privacy.profilingObjected']);
    expect(JSON.stringify(after.body)).not.toContain('heavy coffee drinkers');
    server.requests.length = 0;
    await buy(id, [{ orderId: 'after-objection', daysAgo: 0 }]);
    await queue.drain();
    expect(server.requests).toHaveLength(0);
    expect((await stores.scanAll('EU')).filter((i) => i.customerId === id && (i.itemKey === 'analysis' || String(i._table).endsWith('-predictions')))).toEqual([]);
    expect((await insights(id)).status).toBe(451);
  });
});

describe('reading', () => {
  it('serves a stale analysis at once and queues a refresh (stale-while-revalidate) after new purchases', async () => {
    const id = await newCustomer({ consents: { profiling: true } });
    await buy(id, weekly('s'));
    server.script.push({ kind: 'answer', input: good });
    await queue.drain();
    await buy(id, [{ orderId: 's-new', daysAgo: 0 }]);
    const stale = await insights(id);
    expect(stale.body).toMatchObject({ status: 'stale', source: 'bedrock', analysis: good });
    expect(stale.body.refresh.jobId).toMatch(/^job_eu_/);
    server.script.push({ kind: 'answer', input: { ...good, summary: 'Still a weekly coffee buyer.' } });
    await queue.drain();
    expect((await insights(id)).body).toMatchObject({ status: 'fresh', analysis: { summary: 'Still a weekly coffee buyer.' } });
  });

  it("lets the customer's own token read it, without the household and socioeconomic readings", async () => {
    const id = await newCustomer({ consents: { profiling: true } });
    await buy(id, weekly('c'));
    server.script.push({ kind: 'answer', input: good });
    await queue.drain();
    const token = (await api.call('POST', `/v1/customers/${id}/tokens`, { key: admin(), body: {} })).body.token as string;
    const own = await insights(id, token);
    expect(own.status).toBe(200);
    expect(own.body.analysis.household).toBeUndefined();
    expect(own.body.analysis.socioeconomic).toBeUndefined();
    expect(own.body.analysis.priceSensitivity).toEqual({ level: 'low', evidence: [] });
    expect(own.body.analysis.summary).toBe(good.summary);
    const other = await newCustomer({});
    expect((await insights(other, token)).status).toBe(404);
    expect((await api.call('POST', `/v1/customers/${id}/insights/refresh`, { key: token })).status).toBe(403);
  });

  it('asks for a new analysis when a purchase changes the pattern (a new category)', async () => {
    const id = await newCustomer({ consents: { profiling: true } });
    await buy(id, weekly('p'));
    server.script.push({ kind: 'answer', input: good });
    await queue.drain();
    const before = queue.sent.length;
    await buy(id, [{ orderId: 'p-same', daysAgo: 1 }]); // same product, same cadence: nothing material
    expect(queue.sent.length).toBe(before);
    await buy(id, [{ orderId: 'p-tea', daysAgo: 0, productId: 'tea-100' }]);
    expect(queue.sent.slice(before)).toEqual([expect.objectContaining({ kind: 'insights.analyze', customerId: id })]);
    const last = queue.sent.at(-1)!;
    expect((await job(last.kind === 'insights.analyze' ? last.jobId : '')).reason).toBe('pattern_change');
  });

  it('queues nothing for a customer with nothing to analyse', async () => {
    const id = await newCustomer({ consents: { profiling: true } });
    const before = queue.sent.length;
    for (let i = 0; i < 3; i++) expect((await insights(id)).body.code).toBe('insights.noPurchases');
    expect(queue.sent.length).toBe(before);
    expect((await stores.scanAll('EU')).filter((i) => i.customerId === id && String(i.itemKey).startsWith('job#'))).toHaveLength(0);
  });

  it('refuses bad ids and unknown jobs with problem+json', async () => {
    expect((await api.call('GET', '/v1/jobs/nope', { key: admin() })).body.code).toBe('jobs.notFound');
    expect((await api.call('GET', '/v1/jobs/job_eu_0000000000000000000a_000000000000', { key: admin() })).body.code).toBe('jobs.notFound');
    const bad = await api.call('GET', '/v1/ops/costs?from=2026-02-30', { key: admin() });
    expect(bad.status).toBe(400);
    expect(bad.type).toContain('application/problem+json');
    expect((await api.call('GET', '/v1/ops/costs?from=2026-01-01&to=2026-06-30', { key: admin() })).body.code).toBe('request.invalidRange');
    for (const [path, status, code] of [
      ['/v1/ops/insight-batches/nope', 400, 'request.invalid'],
      ['/v1/ops/insight-batches/eu-never', 404, 'insights.batchNotFound'],
      ['/v1/customers/not-a-customer/insights', 400, 'request.invalidId'],
      ['/v1/ops/costs?from=2026-06-01&extra=1', 400, 'request.unknownField'],
    ] as const) {
      const res = await api.call('GET', path, { key: admin() });
      expect([res.status, res.type.startsWith('application/problem+json'), res.body.code]).toEqual([status, true, code]);
    }
    const before = queue.sent.length;
    const refused = await api.call('POST', '/v1/customers/cus_eu_0000000000000000000a/insights/refresh', { key: admin() });
    expect([refused.status, refused.body.code]).toEqual([404, 'customers.notFound']);
    expect(queue.sent.length).toBe(before); // nothing queued for it
  });
});

describe('protections', () => {
  it('opens the circuit after repeated Bedrock failures and stops calling it', async () => {
    const ids = [];
    for (let i = 0; i < 6; i++) {
      const id = await newCustomer({ consents: { profiling: true } });
      await buy(id, weekly(`b${i}`, 4));
      ids.push(id);
    }
    // Every call fails with 500 (the server's default); each job makes maxAttempts (3) calls, then falls back.
    await queue.drain();
    const reasons = await Promise.all(ids.map(async (id) => (await insights(id)).body.fallbackReason));
    expect(reasons.slice(0, 5)).toEqual(Array(5).fill('unavailable'));
    expect(reasons[5]).toBe('circuit_open');
    expect(server.requests).toHaveLength(5 * 3);
    // After the pause, one trial call goes out; its success closes the circuit.
    clock += 61_000;
    server.script.push({ kind: 'answer', input: good });
    await refresh(ids[5]!);
    await queue.drain();
    expect((await insights(ids[5]!)).body.source).toBe('bedrock');
  });

  it('paces calls under the region\'s quota: a job over it waits in the queue without using up its retries', async () => {
    const { regions } = await import('../../regions/index.ts');
    const slow = regions.map((r) => (r.id === 'eu-central-1' ? { ...r, bedrock: { ...r.bedrock, requestsPerMinute: 1 } } : r));
    const paced = client(stores, {
      now: () => clock,
      regions: slow,
      ai: { bedrock: { credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, endpoint: server.endpoint }, budgets: { dailyUsd: 50, monthlyUsd: 1000 } },
      bedrockClientOptions: { requestHandler: new NodeHttpHandler(), maxAttempts: 3 },
    });
    const q = paced.queues.get('eu-central-1')!;
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const id = (await paced.call('POST', '/v1/customers', { key: admin(), body: { country: 'DE', consents: { profiling: true } } })).body.id as string;
      await paced.call('POST', '/v1/purchases', {
        key: admin(),
        // Two purchase days: with one, the model is not asked (too_little_history).
        body: { orders: [1, 8].map((d) => ({ orderId: `q${i}-${d}`, customerId: id, purchasedAt: new Date(clock - d * 86_400_000).toISOString(), lines: [{ productId: 'coffee-1kg', quantity: 1, unitPrice: 18.9, currency: 'EUR' }] })) },
      });
      ids.push(id);
    }
    server.script.push({ kind: 'answer', input: good }, { kind: 'answer', input: good });
    while ((await q.deliverReady()) > 0);
    expect(server.requests).toHaveLength(1); // one call per minute
    expect(q.size).toBe(1); // the other job is back in the queue, delayed, as a fresh message
    expect(q.deadLetters).toHaveLength(0);
    const jobs = await Promise.all(ids.map(async (id) => (await paced.call('GET', `/v1/customers/${id}/insights`, { key: admin() })).body.status));
    expect(jobs.sort()).toEqual(['fresh', 'pending']);
    clock += 61_000; // a minute later the quota has room again
    await q.drain();
    expect(server.requests).toHaveLength(2);
    for (const id of ids) expect((await paced.call('GET', `/v1/customers/${id}/insights`, { key: admin() })).body.source).toBe('bedrock');
  });

  it('dead-letters a message no retry can help at once, instead of retrying or dropping it', async () => {
    await queue.send({ kind: 'insights.analyze', customerId: 'cus_eu_0000000000000000000a', jobId: 'not-a-job' });
    await queue.send({ kind: 'no.such.kind' } as never);
    const before = queue.deadLetters.length;
    await queue.drain();
    expect(queue.deadLetters.slice(before).map((d) => [(d.body as { kind: string }).kind, d.reason])).toEqual([
      ['insights.analyze', 'malformed message'],
      ['no.such.kind', 'malformed message'],
    ]);
  });
});

describe('costs and budgets', () => {
  it('totals the ledger exactly by day, model and region, and falls back once the budget is spent', async () => {
    const day = new Date(clock).toISOString().slice(0, 10);
    const before = (await api.call('GET', `/v1/ops/costs?from=${day}&to=${day}`, { key: admin() })).body;
    const id = await newCustomer({ consents: { profiling: true } });
    await buy(id, weekly('m'));
    server.script.push({ kind: 'answer', input: good, inputTokens: 2000, outputTokens: 500 });
    await queue.drain();
    const after = (await api.call('GET', `/v1/ops/costs?from=${day}&to=${day}`, { key: admin() })).body;
    const cost = costOf(MODEL, { inputTokens: 2000, outputTokens: 500 });
    expect(after.total.inputTokens - before.total.inputTokens).toBe(2000);
    expect(after.total.outputTokens - before.total.outputTokens).toBe(500);
    expect(after.total.costUsd - before.total.costUsd).toBeCloseTo(cost, 6);
    expect(after.total.analyses - before.total.analyses).toBe(1);
    expect(after.byModel.map((m: { modelId: string }) => m.modelId)).toEqual([MODEL]);
    expect(after.byRegion.map((r: { region: string }) => r.region)).toEqual(['eu-central-1']);
    expect(after.total.costPerAnalysedCustomer).toBeCloseTo(after.total.costUsd / after.total.analyses, 6);
    // Every ledger line in the EU store sums to the totals (the ledger is the truth; totals are its sum).
    const ledger = (await stores.scanAll('EU')).filter((i) => String(i.itemKey).startsWith('ledger#'));
    expect(ledger.reduce((s, l) => s + (l.inputTokens as number), 0)).toBe(after.total.inputTokens);
    expect(after.budgets['eu-central-1'].spentTodayUsd).toBeCloseTo(after.total.costUsd, 6);
  });

  it('refuses the model over budget and counts the refusal', async () => {
    const tight = client(stores, {
      now: () => clock,
      ai: { bedrock: { credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, endpoint: server.endpoint }, budgets: { dailyUsd: 0.000001, monthlyUsd: 1000 } },
      bedrockClientOptions: { requestHandler: new NodeHttpHandler(), maxAttempts: 3 },
    });
    const id = (await tight.call('POST', '/v1/customers', { key: admin(), body: { country: 'DE', consents: { profiling: true } } })).body.id as string;
    await tight.call('POST', '/v1/purchases', {
      key: admin(),
      // Two purchase days: with one, the model is not asked anyway (too_little_history).
      body: { orders: [1, 8].map((d) => ({ orderId: `x1-${d}`, customerId: id, purchasedAt: new Date(clock - d * 86_400_000).toISOString(), lines: [{ productId: 'coffee-1kg', quantity: 1, unitPrice: 18.9, currency: 'EUR' }] })) },
    });
    await tight.queues.get('eu-central-1')!.drain();
    expect(server.requests).toHaveLength(0);
    expect((await tight.call('GET', `/v1/customers/${id}/insights`, { key: admin() })).body).toMatchObject({ source: 'statistical', fallbackReason: 'over_budget' });
    const costs = (await tight.call('GET', '/v1/ops/costs', { key: admin() })).body;
    expect(costs.fallbacks.over_budget).toBeGreaterThanOrEqual(1);
  });
});

describe('daily batch', () => {
  it('analyses active consenting customers in pages, and skips the unchanged on the next day', async () => {
    // Jobs from purchases are already drained; a batch re-analyses only what changed since.
    for (let i = 0; i < 50; i++) server.script.push({ kind: 'answer', input: good });
    const start = async (key: string) => {
      const res = await api.call('POST', '/v1/ops/jobs?jurisdiction=EU', { key: admin(), body: { type: 'insights.batch', key } });
      expect(res.status).toBe(202);
      await api.drainAll();
      return res.body.id as string;
    };
    await start('test-day-1');
    const calls = server.requests.length;
    const jobId = await start('test-day-2');
    expect((await api.call('GET', `/v1/ops/jobs/${jobId}`, { key: admin(), region: 'us-east-1' })).body).toMatchObject({ type: 'insights.batch', status: 'succeeded', failureCount: 0 });
    expect(server.requests.length).toBe(calls); // nothing changed: no call
    const report = (await api.call('GET', '/v1/ops/insight-batches/eu-test-day-2', { key: admin(), region: 'us-east-1' })).body;
    expect(report).toMatchObject({ batchId: 'eu-test-day-2', finished: true });
    expect(report.unchanged).toBeGreaterThan(0);
    expect(report.enqueued).toBe(0);
    expect(report.unchangedShare).toBe(1);
    expect(report.noConsent).toBeGreaterThan(0);
  });
});

describe('prompt caching', () => {
  it("charges a cache write and then cache reads at their prices on each customer's own line, as the stand-in reported them", async () => {
    // The stand-in caches a prefix from 100 tokens here (Bedrock's minimum for Haiku 4.5 is 4,096, which
    // the analysis prefix does not reach: see docs/insights.md), so the ledger's cache path is exercised.
    server.cacheMinTokens = 100;
    const day = new Date(clock).toISOString().slice(0, 10);
    const before = (await api.call('GET', `/v1/ops/costs?from=${day}&to=${day}`, { key: admin() })).body;
    const ids: string[] = [];
    const reported: (typeof server.reported)[number][] = [];
    try {
      for (const p of ['ca', 'cb']) {
        const id = await newCustomer({ consents: { profiling: true } });
        server.script.push({ kind: 'answer', input: good });
        await buy(id, weekly(p));
        await queue.drain();
        ids.push(id);
        reported.push(server.reported.at(-1)!);
      }
    } finally {
      server.cacheMinTokens = undefined;
    }
    const [write, read] = reported;
    expect(write!.cacheWriteInputTokens).toBeGreaterThan(100);
    expect(read!.cacheReadInputTokens).toBe(write!.cacheWriteInputTokens);
    const [first] = await ledgerOf(ids[0]!);
    const [second] = await ledgerOf(ids[1]!);
    expect(first).toMatchObject({ inputTokens: write!.inputTokens, outputTokens: write!.outputTokens, cacheWriteTokens: write!.cacheWriteInputTokens, pricePerMillion: { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25 } });
    expect(first!.cacheReadTokens).toBeUndefined();
    expect(second).toMatchObject({ inputTokens: read!.inputTokens, outputTokens: read!.outputTokens, cacheReadTokens: read!.cacheReadInputTokens });
    // Haiku 4.5: $1 input, $5 output, $1.25 cache write, $0.10 cache read per million tokens.
    const dollars = (r: (typeof reported)[number]) => Math.round(r.inputTokens * 1 + r.outputTokens * 5 + (r.cacheWriteInputTokens ?? 0) * 1.25 + (r.cacheReadInputTokens ?? 0) * 0.1) / 1e6;
    expect(first!.costUsd as number).toBeCloseTo(dollars(write!), 6);
    expect(second!.costUsd as number).toBeCloseTo(dollars(read!), 6);
    expect(second!.costUsd as number).toBeLessThan(first!.costUsd as number);
    const after = (await api.call('GET', `/v1/ops/costs?from=${day}&to=${day}`, { key: admin() })).body;
    expect(after.total.costUsd - before.total.costUsd).toBeCloseTo(dollars(write!) + dollars(read!), 6);
    // The totals count every input token the calls carried, at whatever price.
    const carried = reported.reduce((s, r) => s + r.inputTokens + (r.cacheWriteInputTokens ?? 0) + (r.cacheReadInputTokens ?? 0), 0);
    expect(after.total.inputTokens - before.total.inputTokens).toBe(carried);
  });
});
