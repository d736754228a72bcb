import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { regions } from '../../regions/index.ts';
import { InProcessQueue } from '../../src/jobs/queue.ts';
import { localConnection } from '../../src/local/bootstrap.ts';
import { documentClient } from '../../src/storage/client.ts';
import { client, type Client } from '../support/app.ts';
import { useApi } from '../support/api.ts';
import { oneAtATime } from '../support/queues.ts';

/**
 * The tracked job model (decisions 97–98 and 118–120) on real dynalite and the in-process queue's
 * delivery semantics: pages counted once, a killed job resumed by the sweep, cancel, the list's filters.
 */
const clock = { now: Date.parse('2026-06-30T12:00:00Z') };
const EU_HOME = regions.find((r) => r.jurisdiction === 'EU' && r.home)!;
// One page per few customers, so that a job of tens of customers has several pages; bulk pages one at a time.
const options = (bulk: Map<string, InProcessQueue>) => ({
  now: () => clock.now,
  jobPageCustomers: 4,
  bulkQueueFor: oneAtATime(bulk, 'bulk'),
});
const bulk = new Map<string, InProcessQueue>();
const t = useApi(() => options(bulk));
const admin = () => t.stores.adminKey;
const day = (n: number) => new Date(Date.parse('2026-01-05T10:00:00Z') + n * 86_400_000).toISOString();
let customers: string[] = [];

beforeAll(async () => {
  await t.api.call('PUT', '/v1/products/coffee', { key: admin(), body: { name: 'coffee', category: 'coffee', price: 9, currency: 'EUR', packSize: 1, packUnit: 'item', consumable: true } });
  customers = [];
  for (let c = 0; c < 20; c++) customers.push(await t.newCustomer({ country: 'DE' }));
  const orders = customers.flatMap((id, c) => Array.from({ length: 4 + (c % 5) }, (_, i) => ({ orderId: `o${c}-${i}`, customerId: id, purchasedAt: day(i * (7 + (c % 10))), lines: [{ productId: 'coffee', quantity: 1, unitPrice: 9, currency: 'EUR' }] })));
  expect((await t.api.call('POST', '/v1/purchases', { key: admin(), body: { orders } })).status).toBeLessThan(300);
}, 60_000);

const start = (api: Client, type: string, key: string) => api.call('POST', '/v1/ops/jobs?jurisdiction=EU', { key: admin(), body: { type, key } });
const job = async (api: Client, id: string) => (await api.call('GET', `/v1/ops/jobs/${id}`, { key: admin(), region: 'us-east-1' })).body;

/** Every stored prediction of the EU customers, each computed by the job fitted at `fittedAt`, with the times taken out. */
async function predictions(fittedAt: string) {
  const doc = documentClient(localConnection(t.stores.endpoints.EU, EU_HOME.awsRegion));
  // The table also keeps production accuracy's daily snapshots (no customer id): only the customers' predictions.
  const items = ((await doc.send(new ScanCommand({ TableName: EU_HOME.tables.predictions }))).Items ?? []).filter((i) => typeof i.customerId === 'string' && i.body !== undefined);
  expect(items.map((i) => i.computedAt as string).filter((at) => at < fittedAt)).toEqual([]);
  const timeless = (body: string) => {
    const view = JSON.parse(body);
    expect(view.population.fittedAt).toBe(fittedAt);
    return { ...view, computedAt: undefined, population: { ...view.population, fittedAt: undefined } };
  };
  return Object.fromEntries(items.map((i) => [i.customerId as string, timeless(String(i.body))]));
}

describe('a tracked job', () => {
  it('killed half-way, resumes from its last counted page and ends as an uninterrupted run; a redelivered page adds nothing', async () => {
    const queue = bulk.get('EU')!;
    // Uninterrupted.
    const full = await start(t.api, 'predictions.refit', 'full');
    expect(full.status).toBe(202);
    expect(full.body).toMatchObject({ type: 'predictions.refit', jurisdiction: 'EU', status: 'running', runner: 'queue' });
    const pages = full.body.progress.total as number;
    expect(pages).toBe(5); // 20 customers, 4 a page
    await queue.drain();
    const done = await job(t.api, full.body.id);
    expect(done).toMatchObject({ status: 'succeeded', progress: { done: pages, total: pages }, items: { done: 20, failed: 0 }, failureCount: 0 });
    const expected = await predictions(done.result.fittedAt);
    expect(Object.keys(expected)).toHaveLength(20);

    // The same job a minute later, whose worker dies after two pages: its queue goes with it.
    clock.now += 60_000;
    const killed = await start(t.api, 'predictions.refit', 'killed');
    await queue.deliverReady(true);
    await queue.deliverReady(true);
    expect(await job(t.api, killed.body.id)).toMatchObject({ status: 'running', progress: { done: 2, total: pages } });
    queue.clear();

    // A fresh process; the sweep finds the job quiet and sends only the pages not counted.
    const freshBulk = new Map<string, InProcessQueue>();
    const fresh = client(t.stores, options(freshBulk));
    expect(await fresh.regions.get('eu-central-1')!.jobs.sweep()).toEqual({ resumed: [] }); // not quiet yet
    clock.now += 11 * 60_000;
    expect(await fresh.regions.get('eu-central-1')!.jobs.sweep()).toEqual({ resumed: [killed.body.id] });
    expect(freshBulk.get('EU')!.size).toBe(pages - 2);
    // A page the dead worker had finished is delivered again too: it is not counted twice.
    await freshBulk.get('EU')!.send({ kind: 'job.page', jobId: killed.body.id, page: 0 });
    await freshBulk.get('EU')!.drain();
    const resumed = await job(fresh, killed.body.id);
    expect(resumed).toMatchObject({ status: 'succeeded', progress: { done: pages, total: pages }, items: { done: 20, failed: 0 }, resumes: 1 });
    expect(await predictions(resumed.result.fittedAt)).toEqual(expected);
  }, 60_000);

  it('stops at cancel: pages not started do nothing; cancelling again answers the same, a finished job is a 409', async () => {
    const queue = bulk.get('EU')!;
    const started = await start(t.api, 'recommendations.rebuild', 'to-cancel');
    await queue.deliverReady(true);
    const cancel = () => t.api.call('POST', `/v1/ops/jobs/${started.body.id}/cancel`, { key: admin() });
    const first = await cancel();
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'cancelled', progress: { done: 1 } });
    expect(first.body.finishedAt).toEqual(expect.any(String));
    expect((await cancel()).body).toEqual(first.body);
    await queue.drain();
    expect(await job(t.api, started.body.id)).toEqual(first.body);

    const list = (await t.api.call('GET', '/v1/ops/jobs?jurisdiction=EU&type=predictions.refit&status=succeeded', { key: admin() })).body;
    const finished = await t.api.call('POST', `/v1/ops/jobs/${list.items[0].id}/cancel`, { key: admin() });
    expect(finished.status).toBe(409);
    expect(finished.body).toMatchObject({ code: 'jobs.finished', status: 409 });
    expect(finished.type).toBe('application/problem+json');
  });

  it('lists jobs newest first, filtered by type and status, page by page', async () => {
    const list = async (query: string) => (await t.api.call('GET', `/v1/ops/jobs?jurisdiction=EU&${query}`, { key: admin(), region: 'eu-west-1' })).body;
    const refits = await list('type=predictions.refit');
    expect(refits.items.map((j: { id: string }) => j.id)).toEqual(['eu-refit-killed', 'eu-refit-full']);
    expect((await list('status=cancelled')).items.map((j: { id: string }) => j.id)).toEqual(['eu-rebuild-to-cancel']);
    expect((await list('type=insights.batch')).items).toEqual([]);
    const first = await list('limit=1');
    expect(first.items).toHaveLength(1);
    const second = await list(`limit=1&cursor=${first.nextCursor}`);
    expect(second.items).toHaveLength(1);
    expect(second.items[0].id).not.toBe(first.items[0].id);
    // ROW has none of the EU's jobs.
    expect((await t.api.call('GET', '/v1/ops/jobs?jurisdiction=ROW', { key: admin() })).body.items).toEqual([]);
  });

  it('answers problems for bad ids, unknown types and statuses, and bad cursors', async () => {
    const reader = await t.stores.key(['ops:read']);
    for (const [method, path, status, code] of [
      ['GET', '/v1/ops/jobs/nope', 400, 'request.invalid'],
      ['GET', '/v1/ops/jobs/eu-refit-never-started', 404, 'jobs.notFound'],
      ['GET', '/v1/ops/jobs/row-refit-never-started', 404, 'jobs.notFound'],
      ['GET', '/v1/ops/jobs?type=predictions.everything', 400, 'request.invalid'],
      ['GET', '/v1/ops/jobs?status=paused', 400, 'request.invalid'],
      ['GET', '/v1/ops/jobs?cursor=not-a-cursor', 400, 'request.invalidCursor'],
      ['GET', '/v1/ops/jobs?limit=0', 400, 'request.invalid'],
      ['POST', '/v1/ops/jobs/eu-refit-never-started/cancel', 404, 'jobs.notFound'],
      ['POST', '/v1/ops/jobs/..%2F/cancel', 400, 'request.invalid'],
    ] as const) {
      const res = await t.api.call(method, path, { key: admin() });
      expect([path, res.status, res.body.code]).toEqual([path, status, code]);
      expect(res.type).toBe('application/problem+json');
    }
    const bad = await t.api.call('POST', '/v1/ops/jobs', { key: admin(), body: { type: 'segments.everything' } });
    expect([bad.status, bad.body.code]).toEqual([400, 'request.invalid']);
    expect((await t.api.call('POST', '/v1/ops/jobs', { key: reader, body: { type: 'predictions.refit' } })).status).toBe(403);
    expect((await t.api.call('GET', '/v1/ops/jobs', { key: reader })).status).toBe(200);
  });

  it('handles an on-demand analysis while a bulk job of many pages waits in the bulk queue', async () => {
    const started = await start(t.api, 'insights.batch', 'busy-day');
    const queue = bulk.get('EU')!;
    expect(queue.size).toBe(started.body.progress.total);
    const asked = await t.api.call('POST', `/v1/customers/${customers[3]}/insights/refresh`, { key: admin() });
    expect(asked.status).toBe(202);
    await t.api.queues.get('eu-central-1')!.drain();
    expect(queue.size).toBe(started.body.progress.total); // not one bulk page ran
    expect((await t.api.call('GET', `/v1/jobs/${asked.body.jobId}`, { key: admin() })).body.status).toBe('done');
    await queue.drain();
    expect(await job(t.api, started.body.id)).toMatchObject({ status: 'succeeded', items: { done: 20 } });
  });
});
