import { z } from 'zod';
import type { QueueBinding } from '../jobs/queue.ts';
import { BULK_QUEUE_BINDING, INSIGHTS_DLQ_BINDING, INSIGHTS_QUEUE_BINDING } from '../regions/wrangler-config.ts';
import { RateLimitEnv } from '../ratelimit/limits.ts';
import { AiEnv, TestAccounts } from './env.ts';

const Queue = z.custom<QueueBinding>((v) => typeof (v as QueueBinding | undefined)?.send === 'function', 'a Queue binding');

/**
 * Every binding the Worker reads (vars, secrets, queues), parsed once per isolate: a bad deployment fails
 * with every problem listed. Service bindings to other regions are read by name in src/worker.ts.
 */
export const WorkerEnv = z
  .object({
    CADENCE_REGION: z.string(),
    CADENCE_JWT_SECRET: z.string().min(32, 'CADENCE_JWT_SECRET must be at least 32 characters'),
    /** The key of the erasure suppression list's keyed hashes (a secret; rotating it forgets the list). */
    CADENCE_PRIVACY_KEY: z.string().min(32, 'CADENCE_PRIVACY_KEY must be at least 32 characters'),
    AWS_ACCESS_KEY_ID: z.string().min(1),
    AWS_SECRET_ACCESS_KEY: z.string().min(1),
    /** Local stand-ins only (dynalite); unset in production. */
    DYNAMODB_ENDPOINT: z.url().optional(),
    DYNAMODB_GLOBAL_ENDPOINT: z.url().optional(),
    /** `on`: publish events to the jurisdiction's Kinesis stream (region file), with the same AWS keys. */
    CADENCE_STREAMING: z.enum(['on', 'off']).default('off'),
    /** Local stand-ins only (kinesalite); unset in production. */
    KINESIS_ENDPOINT: z.url().optional(),
    /** Comma-separated storefront origins allowed to call from browsers. */
    CADENCE_CORS_ORIGINS: z.string().optional(),
    /** Comma-separated test-account patterns (`id:<glob>`, `email:<glob>`). */
    CADENCE_TEST_ACCOUNTS: TestAccounts,
    /** How often the Worker writes its aggregated metrics to Workers Logs, at most (seconds). */
    CADENCE_METRICS_INTERVAL_S: z.coerce.number().int().min(1).max(3600).default(60),
    /** Every customer token's limit in this isolate's buckets (the STOREFRONT_LIMITER binding's is wrangler.toml's). */
    CADENCE_STOREFRONT_RATE_LIMIT: RateLimitEnv.optional(),
    /** The jurisdiction's analysis-job queue and its dead-letter queue (Cloudflare Queue producer bindings). */
    [INSIGHTS_QUEUE_BINDING]: Queue,
    [INSIGHTS_DLQ_BINDING]: Queue,
    /** The jurisdiction's bulk queue (job pages): its own consumer, so on-demand messages never wait behind it. */
    [BULK_QUEUE_BINDING]: Queue,
    /**
     * `lambda`: the heavy daily jobs (refit, recommendation rebuild) run as the jurisdiction's Lambda on an
     * EventBridge schedule (infra/), so this Worker's crons for them do nothing; `worker` (default): here.
     */
    CADENCE_HEAVY_JOBS: z.enum(['worker', 'lambda']).default('worker'),
  })
  .extend(AiEnv.shape);

export type WorkerEnv = z.infer<typeof WorkerEnv>;

export function parseWorkerEnv(env: Record<string, unknown>): WorkerEnv {
  const parsed = WorkerEnv.safeParse(env);
  if (!parsed.success) throw new Error(`invalid Worker environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}
