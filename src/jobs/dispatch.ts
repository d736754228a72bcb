/**
 * Queue dispatch. Delivery is at least once, so every handler must be idempotent. A handler that throws
 * gets its message retried with exponential backoff; after the queue's max_retries it goes to the
 * dead-letter queue, never dropped.
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

export type JobHandler = (body: Record<string, unknown>) => Promise<void>;
export type JobHandlers = Record<string, JobHandler>;

/** Thrown by a handler that cannot run yet (a quota, a job another worker holds): retried after the delay. */
export class RetryLater extends Error {
  constructor(readonly delaySeconds: number, reason: string) {
    super(reason);
    this.name = 'RetryLater';
  }
}

/**
 * Thrown for a message no delivery can help (malformed): retried without delay, so it reaches the
 * dead-letter queue in seconds rather than after the backoff schedule. Queues have no "dead-letter now".
 */
export class PoisonMessage extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'PoisonMessage';
  }
}

export async function handleQueueBatch(batch: QueueBatch, handlers: JobHandlers): Promise<void> {
  for (const message of batch.messages) {
    const body = message.body as { kind?: unknown } | null;
    const handler = typeof body?.kind === 'string' && Object.hasOwn(handlers, body.kind) ? handlers[body.kind] : undefined;
    if (!handler) {
      // A message nobody can handle is not acknowledged: it is retried and then dead-lettered, never dropped.
      console.error(JSON.stringify({ level: 'error', msg: 'no handler for queue message', queue: batch.queue, id: message.id }));
      message.retry({ delaySeconds: 60 });
      continue;
    }
    try {
      await handler(body as Record<string, unknown>);
      message.ack();
    } catch (err) {
      if (err instanceof RetryLater) {
        message.retry({ delaySeconds: err.delaySeconds });
        continue;
      }
      if (err instanceof PoisonMessage) {
        console.error(JSON.stringify({ level: 'error', msg: 'poisoned queue message', queue: batch.queue, id: message.id, attempts: message.attempts, error: err.message }));
        message.retry({ delaySeconds: 0 });
        continue;
      }
      console.error(JSON.stringify({ level: 'error', msg: 'job failed', queue: batch.queue, id: message.id, attempts: message.attempts, error: String(err) }));
      // Exponential backoff with full jitter, capped at 15 minutes.
      message.retry({ delaySeconds: Math.ceil(Math.random() * Math.min(900, 10 * 2 ** message.attempts)) });
    }
  }
}
