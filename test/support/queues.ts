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

/** Runs every message waiting in the client's queues (each region's queue once, however many share it). */
export async function drainQueues(queues: ReadonlyMap<string, { drain(): Promise<unknown> }>): Promise<void> {
  for (const q of new Set(queues.values())) await q.drain();
}

/** A one-line order of coffee bought `day` days ago (the privacy suites' purchase). */
export const coffeeOrder = (customerId: string, orderId: string, day: number) => ({
  orderId,
  customerId,
  purchasedAt: new Date(Date.now() - day * 86_400_000).toISOString(),
  lines: [{ productId: 'coffee', quantity: 1, unitPrice: 9.5, currency: 'EUR' }],
});
