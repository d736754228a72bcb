import { InProcessQueue } from '../../src/jobs/queue.ts';

/**
 * A queue factory for the client's `queueFor` / `bulkQueueFor`: one manual queue per jurisdiction, kept in
 * `queues` (so a test drains or inspects it), delivering one message per batch: a job's pages one at a time.
 */
export const oneAtATime = (queues: Map<string, InProcessQueue>, name: string) => (region: { jurisdiction: string }) => {
  const q = queues.get(region.jurisdiction) ?? new InProcessQueue(`${name}-${region.jurisdiction}`, { maxRetries: 2, batchSize: 1 });
  queues.set(region.jurisdiction, q);
  return q;
};
