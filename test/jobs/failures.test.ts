import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { regions } from '../../regions/index.ts';
import { DynamoJobRepository } from '../../src/jobs/jobs.repository.ts';
import { JobService, type JobRunner } from '../../src/jobs/jobs.service.ts';
import { JobMessage } from '../../src/jobs/messages.ts';
import { InProcessQueue } from '../../src/jobs/queue.ts';
import { localConnection } from '../../src/local/bootstrap.ts';
import { DependencyUnavailable } from '../../src/shared/errors.ts';
import { documentClient } from '../../src/storage/client.ts';
import { startDynaliteStores, type TestStores } from '../support/stores.ts';

/**
 * Pages that fail (decision 98): after the queue's retries (or the process runner's) a page is recorded as
 * a failure of its job, never dropped, and the job ends `failed`; the other pages still count.
 */
let stores: TestStores;
beforeAll(async () => {
  stores = await startDynaliteStores();
});
afterAll(async () => stores?.close());

const EU = regions.find((r) => r.jurisdiction === 'EU' && r.home)!;
/** Five pages of two items; page 3 fails every time, as a store that is down for it would. */
const runner = (seen: number[]): JobRunner => ({
  plan: async () => ({ pages: 5, params: { note: 'test' } }),
  page: async (_job, page) => {
    seen.push(page);
    if (page === 3) throw new DependencyUnavailable('storage.unavailable', 'down for page 3');
    return { done: 2, failed: 0, failures: [] };
  },
});

function service(queue: InProcessQueue, seen: number[]) {
  const jobs = new JobService({ jurisdiction: 'EU', jobs: new DynamoJobRepository(documentClient(localConnection(stores.endpoints.EU, EU.awsRegion)), EU.tables.jobs), queue, runners: { 'predictions.refit': runner(seen) }, now: Date.now });
  // As src/deps-jobs.ts wires the bulk queue: pages to the job, dead-lettered pages to its failures.
  queue.handlers = { 'job.page': (m) => jobs.page(m.jobId, m.page) };
  queue.onDeadLetter = async (body) => {
    const m = JobMessage.parse(body);
    if (m.kind === 'job.page') await jobs.pageFailed(m.jobId, m.page, 'page.deadLettered');
  };
  return jobs;
}

describe('a failing page', () => {
  it('through the queue: retried, then recorded as a failure; the job ends failed with every other page counted', async () => {
    const seen: number[] = [];
    const queue = new InProcessQueue('bulk', { maxRetries: 2 });
    const jobs = service(queue, seen);
    const job = await jobs.start('predictions.refit', { suffix: 'queue-fail' });
    await queue.drain();
    expect(seen.filter((p) => p === 3)).toHaveLength(3); // the first delivery and two retries
    expect(queue.deadLetters).toHaveLength(1);
    expect(await jobs.get(job.id)).toMatchObject({
      status: 'failed',
      progress: { done: 5, total: 5 },
      items: { done: 8, failed: 0 },
      failures: [{ item: 'page#3', code: 'page.deadLettered' }],
      failureCount: 1,
    });
    // A failed job is finished: pages delivered again change nothing, and it cannot be cancelled.
    await queue.send({ kind: 'job.page', jobId: job.id, page: 1 });
    await queue.drain();
    expect((await jobs.get(job.id))!.items.done).toBe(8);
    await expect(jobs.cancel(job.id)).rejects.toMatchObject({ status: 409, code: 'jobs.finished' });
  });

  it('in one process: tried three times, then recorded with its error code', async () => {
    const seen: number[] = [];
    const jobs = service(new InProcessQueue('unused'), seen);
    const done = await jobs.run('predictions.refit', { suffix: 'process-fail' });
    expect(seen).toEqual([0, 1, 2, 3, 3, 3, 4]);
    expect(done).toMatchObject({ runner: 'process', status: 'failed', progress: { done: 5, total: 5 }, items: { done: 8 }, failures: [{ item: 'page#3', code: 'storage.unavailable' }] });
  });
});
