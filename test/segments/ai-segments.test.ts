import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng } from '../../src/shared/random.ts';
import { useApi } from '../support/api.ts';
import { startConverseServer, type ConverseServer } from '../support/converse-server.ts';
import { autoAnswer } from '../support/plausible-answer.ts';

/**
 * AI-informed segments with Bedrock configured (the Converse stand-in): the run uses the customers' AI
 * readings where they have them, the model names new segments from their aggregate profiles through the
 * queue, a name whose numbers contradict the data is refused, and an operator's rename survives runs.
 */
const NOW = Date.parse('2026-06-30T12:00:00Z');
const day = (n: number) => new Date(NOW - n * 86_400_000).toISOString();
const ids: string[] = [];
const naming: string[] = [];

/** The stand-in's answers: analyses as in the benchmarks; every segment is proposed as "weekly" buyers. */
function answer(request: Record<string, unknown>): unknown {
  const tool = (request.toolConfig as { toolChoice?: { tool?: { name?: string } } }).toolChoice?.tool?.name;
  if (tool !== 'segment_name') return autoAnswer(request);
  const text = JSON.stringify(request.messages);
  naming.push(text);
  return { n: 'Weekly regulars', d: 'They buy about every 7 days. Keep their staples in stock and remind them on day 6.' };
}

const converse: ConverseServer = await startConverseServer();
converse.autoAnswer = answer;
const t = useApi(() => ({
  now: () => NOW,
  ai: { bedrock: { credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, endpoint: converse.endpoint }, budgets: { dailyUsd: 100, monthlyUsd: 1000 } },
  bedrockClientOptions: { requestHandler: new NodeHttpHandler(), maxAttempts: 2 },
}));

beforeAll(async () => {
  // Weekly regulars, monthly big baskets and one-off buyers, all consenting to profiling.
  for (let i = 0; i < 60; i++) {
    const kind = i % 3;
    const id = await t.newCustomer({ country: 'DE', consents: { profiling: true } } as never);
    const rnd = prng(i + 1);
    const plan = kind === 0 ? { every: 7, count: 16, price: 8, ago: 2 } : kind === 1 ? { every: 30, count: 6, price: 120, ago: 10 } : { every: 0, count: 1, price: 15, ago: 150 };
    const orders = Array.from({ length: plan.count }, (_, k) => ({ orderId: `o${k}`, customerId: id, purchasedAt: day(plan.ago + k * plan.every + rnd.int(0, 1)), lines: [{ productId: `p${kind}`, quantity: 1, unitPrice: plan.price, currency: 'EUR' }] }));
    await t.api.call('POST', '/v1/purchases', { key: t.admin, body: { orders } });
    ids.push(id);
  }
  await t.api.queues.get('eu-central-1')!.drain();
}, 180_000);
afterAll(() => converse?.close());

const segments = async () => (await t.api.call('GET', '/v1/segments?jurisdiction=EU', { key: t.admin })).body;

describe('AI-informed segments', () => {
  it('uses the AI readings of the customers who have them and says what share did', async () => {
    const res = await t.api.call('POST', '/v1/segment-runs?jurisdiction=EU', { key: t.admin, body: { kMin: 3, kMax: 3, runId: 'eu-ai-1' } });
    expect(res.status).toBe(201);
    // The one-off buyers have too little history for a model reading: two thirds have readings.
    expect(res.body).toMatchObject({ status: 'succeeded', featureSetVersion: 'rfm-cadence-ai-1', aiReadings: { used: true } });
    expect(res.body.aiReadings.share).toBeCloseTo(2 / 3, 2);
    const list = await segments();
    expect(list.segments).toHaveLength(3);
    expect(list.segments[0].centroid).toHaveProperty('ai:priceSensitivity');
  });

  it("names segments with the model through the queue, and refuses a name the segment's data contradicts", async () => {
    const before = (await t.api.call('GET', '/v1/ops/costs', { key: t.admin })).body.total.calls as number;
    naming.length = 0;
    await t.api.queues.get('eu-central-1')!.drain();
    expect(naming).toHaveLength(3);
    // The model saw aggregates only.
    for (const text of naming) expect(text).not.toMatch(/cus_|job_/);
    const list = (await segments()).segments as { name: string; nameSource: string; statisticalName: string; description?: string; centroid: Record<string, number> }[];
    const weekly = list.find((s) => s.centroid.typicalGapDays! < 10)!;
    expect(weekly).toMatchObject({ name: 'Weekly regulars', nameSource: 'model' });
    expect(weekly.description).toContain('7 days');
    // "Weekly" for a 30-day or one-off segment is refused: the statistical name stays.
    for (const s of list.filter((x) => x !== weekly)) expect(s).toMatchObject({ nameSource: 'statistical', name: s.statisticalName });
    // The naming calls are in the cost totals.
    expect((await t.api.call('GET', '/v1/ops/costs', { key: t.admin })).body.total.calls).toBe(before + 3);
    // The customer's own segment view shows the served name.
    const member = ids[0]!;
    expect((await t.api.call('GET', `/v1/customers/${member}/segment`, { key: t.admin })).body.segment.name).toBe('Weekly regulars');
  });

  it("keeps an operator's rename over the model's name across runs; refuses bad renames with problem+json", async () => {
    const target = (await segments()).segments.find((s: { nameSource: string }) => s.nameSource === 'statistical') as { id: string };
    const renamed = await t.api.call('PATCH', `/v1/segments/${target.id}?jurisdiction=EU`, { key: t.admin, body: { name: 'Monthly stock-up', description: 'Big baskets once a month.' } });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: target.id, name: 'Monthly stock-up', nameSource: 'operator' });
    const again = await t.api.call('POST', '/v1/segment-runs?jurisdiction=EU', { key: t.admin, body: { kMin: 3, kMax: 3, runId: 'eu-ai-2' } });
    expect(again.body.status).toBe('succeeded');
    naming.length = 0;
    await t.api.queues.get('eu-central-1')!.drain();
    expect(naming).toHaveLength(0); // the same segments: nothing new to name
    const after = (await segments()).segments.find((s: { id: string }) => s.id === target.id);
    expect(after).toMatchObject({ name: 'Monthly stock-up', nameSource: 'operator' });

    const unknown = await t.api.call('PATCH', '/v1/segments/seg_999?jurisdiction=EU', { key: t.admin, body: { name: 'Nobody' } });
    expect([unknown.status, unknown.type, unknown.body.code]).toEqual([404, 'application/problem+json', 'segments.notFound']);
    const bad = await t.api.call('PATCH', `/v1/segments/${target.id}?jurisdiction=EU`, { key: t.admin, body: { name: '' } });
    expect([bad.status, bad.type]).toEqual([400, 'application/problem+json']);
    const badId = await t.api.call('PATCH', '/v1/segments/nope?jurisdiction=EU', { key: t.admin, body: { name: 'x y' } });
    expect(badId.status).toBe(400);
  });
});
