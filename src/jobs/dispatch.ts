import { JobMessage, type JobHandlers } from './messages.ts';
import { metrics } from '../ops/metrics.ts';

/**
 * Queue dispatch. Delivery is at least once, so every handler must be idempotent. A handler that throws
 * gets its message retried with exponential backoff; after the queue's max_retries it goes to the
 * dead-letter queue, never dropped. A message that does not parse is dead-lettered without retries.
 */
export interface QueueMessage {
  id: string;
  body: unknown;
  attempts: number;
  ack(): void;
  retry(options?: { delaySeconds?: number }): void;
}

export interface QueueBatch {
  queue: string;
  messages: readonly QueueMessage[];
}

/** Where a message no delivery can help is sent: the queue's dead-letter queue. */
export type DeadLetterSink = (body: unknown, reason: string) => Promise<void>;

/** Thrown by a handler that cannot run yet (a quota, a job another worker holds): retried after the delay. */
export class RetryLater extends Error {
  constructor(readonly delaySeconds: number, reason: string) {
    super(reason);
    this.name = 'RetryLater';
  }
}

/**
 * A batch's recompute messages as one: a recompute reads the customer's lines when it runs, after every
 * message of the batch was sent (so after their lines were stored), so once per customer is enough. A bulk
 * import sends one per request, and its customers recur from request to request.
 */
function coalesced(batch: QueueBatch): { message: QueueMessage; parsed: ReturnType<typeof JobMessage.safeParse> }[] {
  const parsed = batch.messages.map((message) => ({ message, parsed: JobMessage.safeParse(message.body) }));
  const recomputes = parsed.filter((p) => p.parsed.data?.kind === 'predictions.recompute').map((p) => p.message);
  if (recomputes.length < 2) return parsed;
  const customerIds = [...new Set(recomputes.flatMap((m) => (m.body as { customerIds: string[] }).customerIds))];
  // It may name more than the 100 customers one message carries: its parts were parsed.
  const body: JobMessage = { kind: 'predictions.recompute', customerIds };
  const merged: QueueMessage = {
    id: recomputes.map((m) => m.id).join('+'),
    body,
    attempts: Math.max(...recomputes.map((m) => m.attempts)),
    ack: () => recomputes.forEach((m) => m.ack()),
    retry: (o) => recomputes.forEach((m) => m.retry(o)),
  };
  return [{ message: merged, parsed: { success: true, data: body } as ReturnType<typeof JobMessage.safeParse> }, ...parsed.filter((p) => !recomputes.includes(p.message))];
}

export async function handleQueueBatch(batch: QueueBatch, handlers: JobHandlers, deadLetter: DeadLetterSink): Promise<void> {
  for (const { message, parsed } of coalesced(batch)) {
    const handler = parsed.success ? (handlers[parsed.data.kind] as ((m: JobMessage) => Promise<void>) | undefined) : undefined;
    if (!parsed.success || !handler) {
      const reason = parsed.success ? `no handler for ${parsed.data.kind}` : 'malformed message';
      console.error(JSON.stringify({ level: 'error', msg: 'dead-lettering a queue message', queue: batch.queue, id: message.id, reason }));
      try {
        await deadLetter(message.body, reason);
        metrics.job(parsed.success ? parsed.data.kind : 'malformed', 'dead_lettered');
        message.ack();
      } catch {
        // The dead-letter queue could not take it: retry, so the queue's own dead-lettering catches it.
        message.retry({ delaySeconds: 0 });
      }
      continue;
    }
    try {
      await handler(parsed.data);
      message.ack();
      metrics.job(parsed.data.kind, 'processed');
    } catch (err) {
      if (err instanceof RetryLater) {
        message.retry({ delaySeconds: err.delaySeconds });
        metrics.job(parsed.data.kind, 'deferred');
        continue;
      }
      metrics.job(parsed.data.kind, 'failed');
      console.error(JSON.stringify({ level: 'error', msg: 'job failed', queue: batch.queue, id: message.id, kind: parsed.data.kind, attempts: message.attempts, error: String(err) }));
      // Exponential backoff with full jitter, capped at 15 minutes.
      message.retry({ delaySeconds: Math.ceil(Math.random() * Math.min(900, 10 * 2 ** message.attempts)) });
    }
  }
}
