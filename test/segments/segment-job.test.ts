import { beforeAll, describe, expect, it } from 'vitest';
import { InProcessQueue } from '../../src/jobs/queue.ts';
import { prng } from '../../src/shared/random.ts';
import { client } from '../support/app.ts';
import { useApi } from '../support/api.ts';
import { oneAtATime } from '../support/queues.ts';

/**
 * A segment run as a tracked job (decision 122) on real dynalite: the fit is the plan, each page assigns a
 * parallel-scan segment of the customers; a run whose worker dies half-way is resumed by the sweep and ends
 * with the same assignments as an uninterrupted run; cancel leaves the current segments in place.
 */
const clock = { now: Date.parse('2026-06-30T12:00:00Z') };
const day = (n: number) => new Date(clock.now - n * 86_400_000).toISOString();
const options = (bulk: Map<string, InProcessQueue>) => ({
  now: () => clock.now,
  jobPageCustomers: 5,
  bulkQueueFor: oneAtATime(bulk, 'bulk'),
});
const bulk = new Map<string, InProcessQueue>();
const t = useApi(() => options(bulk));
const ids: string[] = [];

/** Three kinds of EU customers: weekly regulars, monthly big baskets, one-off buyers long ago. */
async function seedCustomer(kind: number, i: number) {
  const id = await t.newCustomer({ country: 'DE' });
  const rnd = prng(i + 1);
  const plan = kind === 0 ? { every: 7, count: 16, price: 8, ago: 2 } : kind === 1 ? { every: 30, count: 6, price: 120, ago: 10 } : { every: 0, count: 1, price: 15, ago: 150 };
  const orders = Array.from({ length: plan.count }, (_, k) => ({ orderId: `o${k}`, customerId: id, purchasedAt: day(plan.ago + k * plan.every + rnd.int(0, 1)), lines: [{ productId: `p${kind}`, quantity: 1, unitPrice: Number((plan.price * (1 + 0.05 * rnd.normal())).toFixed(2)), currency: 'EUR' }] }));
  await t.api.call('POST', '/v1/purchases', { key: t.admin, body: { orders } });
  return id;
}

beforeAll(async () => {
  for (let i = 0; i < 30; i++) ids.push(await seedCustomer(i % 3, i));
}, 120_000);

const eu = () => t.api.regions.get('eu-central-1')!.jobs;
const start = (key: string) => eu().start('segments.run', { suffix: key, params: { runId: `eu-${key}`, kMin: 3, kMax: 3, seed: 42 } });
const job = async (id: string) => (await t.api.call('GET', `/v1/ops/jobs/${id}`, { key: t.admin, region: 'us-east-1' })).body;
const runOf = async (id: string) => (await t.api.call('GET', `/v1/segment-runs/${id}`, { key: t.admin, region: 'ap-southeast-2' })).body;
const currentRun = async () => (await t.api.call('GET', '/v1/segments?jurisdiction=EU', { key: t.admin })).body.runId;
/** Every stored assignment of the EU: segment and distance by customer, and the runs that wrote them. */
async function assignments() {
  const items = (await t.stores.scanAll('EU')).filter((i) => String(i._table).endsWith('-segments'));
  return { bySegment: Object.fromEntries(items.map((i) => [i.customerId as string, { segmentId: i.segmentId, distance: i.distance }])), runs: new Set(items.map((i) => i.runId)) };
}

describe('a segment run as a tracked job', () => {
  it('killed half-way, resumes from its last counted page and ends with the assignments of an uninterrupted run', async () => {
    const queue = bulk.get('EU')!;
    const full = await start('full');
    expect(full).toMatchObject({ id: 'eu-segments-full', type: 'segments.run', status: 'running', runner: 'queue', progress: { done: 0, total: 6 } });
    expect(full.result).toMatchObject({ customers: 30, k: 3 });
    await queue.drain();
    expect(await job(full.id)).toMatchObject({ status: 'succeeded', progress: { done: 6, total: 6 }, items: { done: 30, failed: 0 }, failureCount: 0 });
    expect(await runOf('eu-full')).toMatchObject({ status: 'succeeded', jobId: 'eu-segments-full', customers: 30, k: 3, progress: { done: 1, phase: 'finished' } });
    expect(await currentRun()).toBe('eu-full');
    const expected = await assignments();
    expect(Object.keys(expected.bySegment)).toHaveLength(30);

    // The same run a minute later, whose worker dies after two pages: its queue goes with it.
    clock.now += 60_000;
    const killed = await start('killed');
    await queue.deliverReady(true);
    await queue.deliverReady(true);
    expect(await job(killed.id)).toMatchObject({ status: 'running', progress: { done: 2, total: 6 } });
    const halfway = await runOf('eu-killed');
    expect(halfway).toMatchObject({ status: 'running', jobId: killed.id, progress: { phase: 'assigning' } });
    expect(halfway.progress.done).toBeCloseTo(0.7 + 0.3 * (2 / 6), 3);
    expect(await currentRun()).toBe('eu-full'); // not current before every page is counted
    queue.clear();

    // A fresh process: the sweep finds the job quiet and sends only the pages not counted.
    const freshBulk = new Map<string, InProcessQueue>();
    const fresh = client(t.stores, options(freshBulk));
    clock.now += 11 * 60_000;
    expect(await fresh.regions.get('eu-central-1')!.jobs.sweep()).toEqual({ resumed: [killed.id] });
    expect(freshBulk.get('EU')!.size).toBe(4);
    // A page the dead worker had finished, delivered again: counted once, same assignments.
    await freshBulk.get('EU')!.send({ kind: 'job.page', jobId: killed.id, page: 1 });
    await freshBulk.get('EU')!.drain();
    expect(await job(killed.id)).toMatchObject({ status: 'succeeded', progress: { done: 6, total: 6 }, items: { done: 30, failed: 0 }, resumes: 1 });
    const resumed = await assignments();
    expect(resumed.bySegment).toEqual(expected.bySegment);
    expect([...resumed.runs]).toEqual(['eu-killed']);
    expect(await runOf('eu-killed')).toMatchObject({ status: 'succeeded', agreement: 1, moves: [] });
    expect(await currentRun()).toBe('eu-killed');
    // The job record is aggregates only.
    expect(JSON.stringify(await job(killed.id))).not.toMatch(/cus_/);
  }, 120_000);

  it('stops at cancel, and the current segments stay; the run record says cancelled', async () => {
    const queue = bulk.get('EU')!;
    clock.now += 60_000;
    const started = await start('to-cancel');
    await queue.deliverReady(true);
    const cancelled = await t.api.call('POST', `/v1/ops/jobs/${started.id}/cancel`, { key: t.admin });
    expect(cancelled.body).toMatchObject({ status: 'cancelled', progress: { done: 1 } });
    await queue.drain();
    expect(await runOf('eu-to-cancel')).toMatchObject({ status: 'cancelled', jobId: started.id });
    expect(await currentRun()).toBe('eu-killed');
    const list = (await t.api.call('GET', '/v1/ops/jobs?jurisdiction=EU&type=segments.run', { key: t.admin })).body;
    expect(list.items.map((j: { id: string; status: string }) => [j.id, j.status])).toEqual([
      ['eu-segments-to-cancel', 'cancelled'],
      ['eu-segments-killed', 'succeeded'],
      ['eu-segments-full', 'succeeded'],
    ]);
  });

  it('is started by POST /v1/segment-runs in the request (the answer as before, naming its job) and by POST /v1/ops/jobs', async () => {
    clock.now += 60_000;
    const res = await t.api.call('POST', '/v1/segment-runs', { key: t.admin, body: { kMin: 3, kMax: 3, runId: 'eu-by-route' }, region: 'eu-central-1' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id: 'eu-by-route', status: 'succeeded', customers: 30, k: 3, jobId: 'eu-segments-by-route' });
    expect(await job('eu-segments-by-route')).toMatchObject({ status: 'succeeded', runner: 'process', items: { done: 30 } });
    // Started by an operator with the defaults (5 to 7 segments of at least 5): too few customers, so the plan is
    // refused with its problem, and the job is recorded failed by its plan's code (the current segments stay).
    const refused = await t.api.call('POST', '/v1/ops/jobs?jurisdiction=EU', { key: t.admin, body: { type: 'segments.run', key: 'ops' } });
    expect([refused.status, refused.body.code, refused.type]).toEqual([422, 'segments.emptyPopulation', 'application/problem+json']);
    expect(await job('eu-segments-ops')).toMatchObject({ status: 'failed', failures: [{ item: 'plan', code: 'segments.emptyPopulation' }] });
    expect(await runOf('eu-ops')).toMatchObject({ status: 'failed', error: { code: 'segments.emptyPopulation' } });
    expect(await currentRun()).toBe('eu-by-route');
    for (const [path, status] of [['/v1/ops/jobs/eu-segments-', 400], ['/v1/ops/jobs/eu-segments-never', 404], ['/v1/ops/jobs/eu-erasure-never', 404]] as const) {
      expect((await t.api.call('GET', path, { key: t.admin })).status).toBe(status);
    }
    // A privacy job starts only from its privacy request.
    const privacy = await t.api.call('POST', '/v1/ops/jobs', { key: t.admin, body: { type: 'privacy.erasure' } });
    expect([privacy.status, privacy.body.code, privacy.type]).toEqual([400, 'request.invalid', 'application/problem+json']);
  });
});
