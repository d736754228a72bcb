import { describe, expect, it } from 'vitest';
import { InProcessQueue } from '../../src/jobs/queue.ts';
import { client } from '../support/app.ts';
import { useApi } from '../support/api.ts';
import { oneAtATime } from '../support/queues.ts';

/**
 * Privacy requests as tracked jobs (decisions 123–124). An erasure on real dynalite: one page per owner of personal data on the
 * jurisdiction's on-demand queue; a worker that dies after k of n owners is resumed by the sweep and every
 * owner ends erased; a page that fails after its retries is recorded by the owner's name, and asking again
 * runs a new job; the job record lives in the customer's jurisdiction and names no customer. An export is
 * counted owner by owner as its stream is written.
 */
const clock = { now: Date.parse('2026-06-30T12:00:00Z') };
const options = (queues: Map<string, InProcessQueue>) => ({
  now: () => clock.now,
  queueFor: oneAtATime(queues, 'ondemand'),
});
const queues = new Map<string, InProcessQueue>();
const t = useApi(() => options(queues));
const order = (customerId: string, orderId: string, day: number) => ({
  orderId,
  customerId,
  purchasedAt: new Date(clock.now - day * 86_400_000).toISOString(),
  lines: [{ productId: 'coffee', quantity: 1, unitPrice: 9.5, currency: 'EUR' }],
});
const drain = async () => {
  for (const q of new Set(t.api.queues.values())) await q.drain();
  for (const q of new Set(t.api.bulkQueues.values())) await q.drain();
};
async function customerWithData(email: string) {
  const id = await t.newCustomer({ country: 'DE', contact: { email }, consents: { profiling: true } });
  await t.api.call('POST', '/v1/purchases', { key: t.admin, body: { orders: [order(id, 'o1', 40), order(id, 'o2', 26), order(id, 'o3', 12)] } });
  await t.api.call('POST', `/v1/customers/${id}/insights/refresh`, { key: t.admin });
  await drain();
  await t.stores.put('EU', 'segments', { customerId: id, segmentId: 'seg_1', distance: 0.4, runId: 'eu-x', assignedAt: new Date(clock.now).toISOString() });
  return id;
}
const mentions = async (needle: string) => (await Promise.all((['EU', 'ROW', 'GLOBAL'] as const).map((s) => t.stores.scanAll(s)))).flat().filter((i) => JSON.stringify(i).includes(needle));
const job = async (id: string) => (await t.api.call('GET', `/v1/ops/jobs/${id}`, { key: t.admin, region: 'us-east-1' })).body;
const request = async (id: string) => (await t.api.call('GET', `/v1/privacy-requests/${id}`, { key: t.admin, region: 'ap-southeast-2' })).body;
const OWNERS = ['purchases', 'predictions', 'segments', 'insights', 'recommendations', 'exposures', 'events', 'customers'];

describe('an erasure as a tracked job', () => {
  it('whose worker dies after 3 of 8 owners is resumed by the sweep and erases every owner; the job names no one', async () => {
    const id = await customerWithData('dora@example.com');
    const other = await customerWithData('emil@example.com');
    const otherBefore = (await mentions(other)).length;
    const erase = await t.api.call('DELETE', `/v1/customers/${id}`, { key: t.admin, region: 'us-east-1' });
    expect(erase.status).toBe(202);
    const { jobId } = erase.body;
    expect(jobId).toMatch(/^eu-erasure-[0-9]{14}-[a-z0-9]{8}$/);
    expect(jobId).not.toContain(id.slice('cus_eu_'.length).toLowerCase());
    expect(await job(jobId)).toMatchObject({ type: 'privacy.erasure', jurisdiction: 'EU', status: 'running', progress: { done: 0, total: 8 }, params: { requestId: erase.body.id }, result: { owners: OWNERS } });

    // Three owners erased, then the worker dies with its queue.
    const queue = queues.get('EU')!;
    // (Other messages of the erasure share the queue: deliver one at a time until three owners are counted.)
    for (let k = 0; k < 20 && (await job(jobId)).progress.done < 3; k++) await queue.deliverReady(true);
    expect(await job(jobId)).toMatchObject({ status: 'running', progress: { done: 3, total: 8 }, items: { done: 3 } });
    expect(await request(erase.body.id)).toMatchObject({ status: 'running', jobId, erased: { purchases: 3 } });
    queue.clear();

    const freshQueues = new Map<string, InProcessQueue>();
    const fresh = client(t.stores, options(freshQueues));
    clock.now += 11 * 60_000;
    expect(await fresh.regions.get('eu-central-1')!.jobs.sweep()).toEqual({ resumed: [jobId] });
    expect(freshQueues.get('EU')!.size).toBe(5);
    await freshQueues.get('EU')!.drain(); // the five owners left, then the verification pass
    expect(await job(jobId)).toMatchObject({ status: 'succeeded', progress: { done: 8, total: 8 }, failureCount: 0, resumes: 1 });
    const done = await request(erase.body.id);
    expect(done).toMatchObject({ status: 'completed', jobId, remaining: Object.fromEntries(OWNERS.map((o) => [o, 0])) });
    expect(done.erased).toMatchObject({ purchases: 3, segments: 1, customers: 1 });
    expect(await mentions(id)).toEqual([]);
    expect(await mentions('dora@example.com')).toEqual([]);
    expect((await mentions(other)).length).toBe(otherBefore);

    // The job record is in the EU's jobs table only, and holds no customer id (nor its random part) and no email.
    const jobItems = async (store: 'EU' | 'ROW' | 'GLOBAL') => (await t.stores.scanAll(store)).filter((i) => String(i._table).endsWith('-jobs') && i.type === 'privacy.erasure');
    const stored = await jobItems('EU');
    expect(stored.map((i) => i.jobId)).toEqual([jobId]);
    expect(JSON.stringify(stored)).not.toMatch(new RegExp(`cus_|${id.slice('cus_eu_'.length)}|dora`));
    expect([...(await jobItems('ROW')), ...(await jobItems('GLOBAL'))]).toEqual([]);
    expect((await t.api.call('GET', '/v1/ops/jobs?jurisdiction=EU&type=privacy.erasure', { key: t.admin })).body.items.map((j: { id: string }) => j.id)).toEqual([jobId]);
  }, 60_000);

  it('records a page that failed after its retries by the owner, ends the request failed, and a second request runs a new job', async () => {
    const id = await customerWithData('fred@example.com');
    const erase = await t.api.call('DELETE', `/v1/customers/${id}`, { key: t.admin });
    const queue = queues.get('EU')!;
    // The predictions owner's page goes to the dead-letter queue (its retries spent): recorded, never dropped.
    await queue.deadLetter({ kind: 'job.page', jobId: erase.body.jobId, page: 1 }, 'test: retries spent');
    await queue.drain();
    expect(await job(erase.body.jobId)).toMatchObject({ status: 'failed', progress: { done: 8, total: 8 }, failures: [{ item: 'predictions', code: 'page.deadLettered' }], failureCount: 1 });
    const failed = await request(erase.body.id);
    expect(failed).toMatchObject({ status: 'failed', remaining: { predictions: 1, purchases: 0, customers: 0 } });
    expect(failed.error).toContain('predictions');
    // The subject item went with the job: nothing of the customer's but what the failed owner still holds.
    expect((await mentions(id)).map((i) => String(i._table).split('-').at(-1))).toEqual(['predictions']);

    const again = await t.api.call('DELETE', `/v1/customers/${id}`, { key: t.admin });
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(erase.body.id);
    expect(again.body.jobId).not.toBe(erase.body.jobId);
    expect(again.body.status).toBe('received');
    await queue.drain();
    expect(await job(again.body.jobId)).toMatchObject({ status: 'succeeded', failureCount: 0 });
    expect(await request(erase.body.id)).toMatchObject({ status: 'completed', jobId: again.body.jobId });
    expect(await mentions(id)).toEqual([]);
    // A completed request answers itself again, naming the job that completed it.
    const third = await t.api.call('DELETE', `/v1/customers/${id}`, { key: t.admin });
    expect([third.body.status, third.body.jobId]).toEqual(['completed', again.body.jobId]);
  }, 60_000);

  it('tracks a streamed export owner by owner; an export whose reader went away is closed by the sweep as interrupted', async () => {
    const id = await customerWithData('gina@example.com');
    const exported = await t.api.fetch(new Request(`http://cadence.test/v1/customers/${id}/export`, { headers: { authorization: `Bearer ${t.admin}` } }));
    expect(exported.status).toBe(200);
    const jobId = exported.headers.get('cadence-job-id')!;
    expect(jobId).toMatch(/^eu-export-[0-9]{14}-[a-z0-9]{6}$/);
    expect(await job(jobId)).toMatchObject({ type: 'privacy.export', status: 'running', runner: 'process', progress: { done: 0, total: 8 } });
    const body = JSON.parse(await exported.text());
    expect(body.sections.purchases).toHaveLength(3);
    const done = await job(jobId);
    expect(done).toMatchObject({ status: 'succeeded', progress: { done: 8, total: 8 }, items: { done: 8 }, failureCount: 0 });
    expect(JSON.stringify(done)).not.toMatch(new RegExp(`cus_|${id.slice('cus_eu_'.length)}|gina`));

    // A reader that never reads: after 10 quiet minutes the sweep closes the export, owner by owner.
    const unread = await t.api.fetch(new Request(`http://cadence.test/v1/customers/${id}/export`, { headers: { authorization: `Bearer ${t.admin}` } }));
    const left = unread.headers.get('cadence-job-id')!;
    clock.now += 11 * 60_000;
    expect((await t.api.regions.get('eu-central-1')!.jobs.sweep()).resumed).toEqual([left]);
    await queues.get('EU')!.drain();
    const interrupted = await job(left);
    expect(interrupted).toMatchObject({ status: 'failed', failureCount: 8 });
    expect(interrupted.failures).toEqual(OWNERS.map((item) => ({ item, code: 'export.interrupted' })));
  });

  it('answers problems for bad job ids and types', async () => {
    for (const [path, status, code] of [
      ['/v1/ops/jobs/eu-erasure-', 400, 'request.invalid'],
      ['/v1/ops/jobs/eu-erasure-00000000000000-abcdefgh', 404, 'jobs.notFound'],
      ['/v1/ops/jobs?type=privacy.everything', 400, 'request.invalid'],
    ] as const) {
      const res = await t.api.call('GET', path, { key: t.admin });
      expect([path, res.status, res.body.code, res.type]).toEqual([path, status, code, 'application/problem+json']);
    }
    for (const type of ['privacy.erasure', 'privacy.export']) {
      const start = await t.api.call('POST', '/v1/ops/jobs?jurisdiction=EU', { key: t.admin, body: { type, key: 'x' } });
      expect([type, start.status, start.body.code]).toEqual([type, 400, 'request.invalid']);
    }
  });
});
