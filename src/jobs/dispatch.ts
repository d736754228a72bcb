/**
 * Queue and cron dispatch. Job kinds (AI analysis, refits, batch fan-out) register here as later issues
 * add them. Delivery is at least once, so every handler must be idempotent.
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

export interface JobContext {
  env: Record<string, unknown>;
}

type JobHandler = (body: Record<string, unknown>, ctx: JobContext) => Promise<void>;
type CronHandler = (ctx: JobContext) => Promise<void>;

export const jobHandlers: Record<string, JobHandler> = {};
export const cronHandlers: Record<string, CronHandler> = {};

export async function handleQueueBatch(batch: QueueBatch, ctx: JobContext): Promise<void> {
  for (const message of batch.messages) {
    const body = message.body as { kind?: unknown } | null;
    const handler = typeof body?.kind === 'string' ? jobHandlers[body.kind] : undefined;
    if (!handler) {
      // A message nobody can handle is not acknowledged: it is retried and then dead-lettered, never dropped.
      console.error(JSON.stringify({ level: 'error', msg: 'no handler for queue message', queue: batch.queue, id: message.id }));
      message.retry({ delaySeconds: 60 });
      continue;
    }
    try {
      await handler(body as Record<string, unknown>, ctx);
      message.ack();
    } catch (err) {
      console.error(JSON.stringify({ level: 'error', msg: 'job failed', queue: batch.queue, id: message.id, error: String(err) }));
      message.retry({ delaySeconds: Math.min(900, 10 * 2 ** message.attempts) });
    }
  }
}

export async function handleScheduled(cron: string, ctx: JobContext): Promise<void> {
  const handler = cronHandlers[cron];
  if (!handler) throw new Error(`no handler for cron "${cron}"`);
  await handler(ctx);
}
