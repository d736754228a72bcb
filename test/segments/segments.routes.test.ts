import { beforeAll, describe, expect, it } from 'vitest';
import { prng } from '../../src/shared/random.ts';
import { useApi } from '../support/api.ts';

const NOW = Date.parse('2026-06-30T12:00:00Z');
let clock = NOW;
const ids: string[] = [];
const admin = () => t.stores.adminKey;
const day = (n: number) => new Date(NOW - n * 86_400_000).toISOString();

/** Three kinds of EU customers: weekly regulars, monthly big baskets, one-off buyers long ago. */
async function seedCustomer(kind: number, i: number) {
  const id = (await t.api.call('POST', '/v1/customers', { key: admin(), body: { country: 'DE' } })).body.id as string;
  const rnd = prng(i + 1);
  const orders = [];
  const plan = kind === 0 ? { every: 7, count: 20, price: 8, ago: 2 } : kind === 1 ? { every: 30, count: 6, price: 120, ago: 10 } : { every: 0, count: 1, price: 15, ago: 150 };
  for (let k = 0; k < plan.count; k++) {
    orders.push({ orderId: `o${k}`, customerId: id, purchasedAt: day(plan.ago + k * plan.every + rnd.int(0, 1)), lines: [{ productId: `p${kind}`, quantity: 1, unitPrice: plan.price * (1 + 0.1 * rnd.normal()) > 0 ? Number((plan.price * (1 + 0.05 * rnd.normal())).toFixed(2)) : plan.price, currency: 'EUR' }] });
  }
  await t.api.call('POST', '/v1/purchases', { key: admin(), body: { orders } });
  return id;
}

const t = useApi(() => ({ now: () => clock }));
beforeAll(async () => {
  for (let i = 0; i < 60; i++) ids.push(await seedCustomer(i % 3, i));
}, 120_000);

const run = (body: Record<string, unknown>, region = 'eu-central-1', query = '') => t.api.call('POST', `/v1/segment-runs${query}`, { key: admin(), body, region });

describe('segments', () => {
  it('has none before the first run', async () => {
    expect((await t.api.call('GET', '/v1/segments', { key: admin(), region: 'eu-central-1' })).body.code).toBe('segments.none');
    expect((await t.api.call('GET', `/v1/customers/${ids[0]}/segment`, { key: admin() })).body.code).toBe('segments.notAssigned');
  });

  it("runs in the customers' jurisdiction, finds the planted groups, and serves each customer's segment", async () => {
    const res = await run({ kMin: 3, kMax: 3 }, 'us-east-1', '?jurisdiction=EU');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'succeeded', progress: { done: 1, phase: 'finished' }, jurisdiction: 'EU', customers: 60, k: 3, featureSetVersion: 'rfm-cadence-1' });
    expect(res.body.candidates).toHaveLength(1);
    const segments = (await t.api.call('GET', '/v1/segments?jurisdiction=EU', { key: admin(), region: 'ap-southeast-2' })).body;
    expect(segments.segments.map((s: { size: number }) => s.size).sort()).toEqual([20, 20, 20]);
    expect(new Set(segments.segments.map((s: { name: string }) => s.name)).size).toBe(3);
    const of = async (id: string) => (await t.api.call('GET', `/v1/customers/${id}/segment`, { key: admin() })).body.segment.id as string;
    for (const k of [0, 1, 2]) {
      const members = await Promise.all(ids.filter((_, i) => i % 3 === k).map(of));
      expect(new Set(members).size).toBe(1); // each planted group is one segment
    }
    // ...and different groups are different segments.
    expect(new Set(await Promise.all([0, 1, 2].map((k) => of(ids[k]!)))).size).toBe(3);
    // Assignments are personal: only in the EU store; the global store holds centroids, not customers.
    expect(JSON.stringify(await t.stores.scanAll('ROW'))).not.toMatch(/cus_eu_/);
    expect(JSON.stringify(await t.stores.scanAll('GLOBAL'))).not.toMatch(/cus_eu_/);
    expect((await t.stores.scanAll('EU')).filter((i) => String(i._table).endsWith('-segments'))).toHaveLength(60);
  });

  it('keeps segment ids across runs and reports agreement; a run id makes a run idempotent', async () => {
    const segmentOf = async (id: string) => (await t.api.call('GET', `/v1/customers/${id}/segment`, { key: admin() })).body.segment.id as string;
    const before = await Promise.all(ids.slice(0, 3).map(segmentOf));
    clock += 60_000;
    const again = await run({ kMin: 3, kMax: 3, seed: 7, runId: 'eu-test-rerun' });
    expect(again.body.agreement).toBeGreaterThan(0.99);
    expect(again.body.moves).toEqual([]);
    // Each planted group keeps its segment id through the new run.
    expect(await Promise.all(ids.slice(0, 3).map(segmentOf))).toEqual(before);
    clock += 60_000;
    const repeat = await run({ kMin: 3, kMax: 3, seed: 7, runId: 'eu-test-rerun' });
    expect(repeat.body.startedAt).toBe(again.body.startedAt); // the first run, not a second one
    // The same run id asked of the other jurisdiction is its own run: it cannot return or touch EU's.
    const row = await run({ kMin: 3, kMax: 3, runId: 'eu-test-rerun' }, 'us-east-1', '?jurisdiction=ROW');
    expect(row.body.runId ?? row.body.id).toBe('row-eu-test-rerun');
    expect((await t.api.call('GET', '/v1/segment-runs/eu-test-rerun', { key: admin(), region: 'us-east-1' })).body.status).toBe('succeeded');
  });

  it('refuses bad parameters, and a failed run leaves the current segments in place', async () => {
    const current = (await t.api.call('GET', '/v1/segments', { key: admin(), region: 'eu-central-1' })).body.runId;
    expect((await run({ kMin: 6, kMax: 4 })).body.code).toBe('request.invalid');
    expect((await run({ kMin: 1, kMax: 4 })).body.code).toBe('request.invalid');
    const tooFew = await run({ kMin: 20, kMax: 20, runId: 'eu-too-few' });
    expect([tooFew.status, tooFew.body.code]).toEqual([422, 'segments.emptyPopulation']);
    expect((await t.api.call('GET', '/v1/segment-runs/eu-too-few', { key: admin() })).body.status).toBe('failed');
    expect((await t.api.call('GET', '/v1/segments', { key: admin(), region: 'eu-central-1' })).body.runId).toBe(current);
    expect((await t.api.call('GET', '/v1/segment-runs/nope-nope', { key: admin() })).body.code).toBe('segments.runNotFound');
  });

  it('places a new customer in the nearest segment when their purchases arrive, without a new run', async () => {
    const regular = await seedCustomer(0, 1000);
    const res = (await t.api.call('GET', `/v1/customers/${regular}/segment`, { key: admin() })).body;
    const peer = (await t.api.call('GET', `/v1/customers/${ids[0]}/segment`, { key: admin() })).body;
    expect(res.segment.id).toBe(peer.segment.id);
    expect(res.runId).toBe(peer.runId);
  });

  it("lets a customer token read its own segment only; operators need segments:read", async () => {
    const token = (await t.api.call('POST', `/v1/customers/${ids[1]}/tokens`, { key: admin(), body: {} })).body.token;
    expect((await t.api.call('GET', `/v1/customers/${ids[1]}/segment`, { key: token })).status).toBe(200);
    expect((await t.api.call('GET', `/v1/customers/${ids[2]}/segment`, { key: token })).body.code).toBe('customers.notFound');
    expect((await t.api.call('GET', '/v1/segments', { key: token })).status).toBe(403);
    const reader = await t.stores.key(['segments:read']);
    expect((await t.api.call('GET', '/v1/segments', { key: reader, region: 'eu-west-1' })).status).toBe(200);
    expect((await t.api.call('POST', '/v1/segment-runs', { key: reader, body: {} })).status).toBe(403);
  });
});
