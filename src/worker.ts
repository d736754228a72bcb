import { z } from 'zod';
import { regions } from '../regions/index.ts';
import { AiEnv, aiSettings, splitList } from './config/env.ts';
import { createApp, type AppDeps } from './app.ts';
import { handleQueueBatch, type QueueBatch } from './jobs/dispatch.ts';
import { workersQueue, type JobMessage, type QueueBinding } from './jobs/queue.ts';
import { deploymentDeps } from './deps.ts';
import type { Fetcher, Peers } from './residency/peers.ts';
import { findRegion, servingOrder } from './regions/region-set.ts';
import { bindingName, INSIGHTS_CRON, INSIGHTS_QUEUE_BINDING, isDeadLetterQueue, REFIT_CRON, SEGMENT_CRON } from './regions/wrangler-config.ts';
import type { Jurisdiction } from './regions/region.schema.ts';


const WorkerEnv = z.object({
  CADENCE_REGION: z.string(),
  CADENCE_JWT_SECRET: z.string().min(32, 'CADENCE_JWT_SECRET must be at least 32 characters'),
  AWS_ACCESS_KEY_ID: z.string().min(1),
  AWS_SECRET_ACCESS_KEY: z.string().min(1),
  /** Local stand-ins only (dynalite); unset in production. */
  DYNAMODB_ENDPOINT: z.url().optional(),
  DYNAMODB_GLOBAL_ENDPOINT: z.url().optional(),
  /** Comma-separated storefront origins allowed to call from browsers. */
  CADENCE_CORS_ORIGINS: z.string().optional(),
  /** The jurisdiction's analysis-job queue (a Cloudflare Queue producer binding). */
  [INSIGHTS_QUEUE_BINDING]: z.custom<QueueBinding>((v) => typeof (v as QueueBinding | undefined)?.send === 'function', 'a Queue binding'),
}).extend(AiEnv.shape);

type Env = Record<string, unknown>;
type App = ReturnType<typeof createApp>;

type Deployment = { env: Env; app: App; deps: AppDeps };
let cached: Deployment | undefined;

/** One app per isolate: the SDK clients and the caches live as long as the isolate. */
function deploymentFor(env: Env): Deployment {
  if (cached?.env === env) return cached;
  const parsed = WorkerEnv.safeParse(env);
  if (!parsed.success) throw new Error(`invalid Worker environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const vars = parsed.data;
  const region = findRegion(regions, vars.CADENCE_REGION);
  if (!region) throw new Error(`CADENCE_REGION ${vars.CADENCE_REGION} has no file in regions/`);
  const credentials = { accessKeyId: vars.AWS_ACCESS_KEY_ID, secretAccessKey: vars.AWS_SECRET_ACCESS_KEY };
  const peers: Peers = {};
  for (const jurisdiction of ['EU', 'ROW'] as const satisfies Jurisdiction[]) {
    if (jurisdiction === region.jurisdiction) continue;
    peers[jurisdiction] = servingOrder(regions, jurisdiction)
      .map((r) => env[bindingName(r.id)] as Fetcher | undefined)
      .filter((f): f is Fetcher => f !== undefined);
  }
  const deps = deploymentDeps({
    region,
    personal: { region: region.awsRegion, credentials, ...(vars.DYNAMODB_ENDPOINT ? { endpoint: vars.DYNAMODB_ENDPOINT } : {}) },
    global: { region: region.awsRegion, credentials, ...(vars.DYNAMODB_GLOBAL_ENDPOINT ? { endpoint: vars.DYNAMODB_GLOBAL_ENDPOINT } : {}) },
    peers,
    jwtSecret: vars.CADENCE_JWT_SECRET,
    corsOrigins: splitList(vars.CADENCE_CORS_ORIGINS),
    queue: workersQueue(vars[INSIGHTS_QUEUE_BINDING]),
    ai: aiSettings(vars),
  });
  cached = { env, app: createApp(deps), deps };
  return cached;
}

export default {
  fetch(request: Request, env: Env, ctx: unknown): Response | Promise<Response> {
    return deploymentFor(env).app.fetch(request, env, ctx as never);
  },
  async queue(batch: QueueBatch, env: Env): Promise<void> {
    const { deps } = deploymentFor(env);
    if (isDeadLetterQueue(batch.queue)) {
      // Messages that failed every retry: their jobs are marked failed so a new refresh can be asked for.
      for (const message of batch.messages) {
        await deps.insights.deadLetter(message.body as JobMessage);
        message.ack();
      }
      return;
    }
    await handleQueueBatch(batch, deps.insights.handlers);
  },
  async scheduled(controller: { cron: string }, env: Env): Promise<void> {
    const { deps } = deploymentFor(env);
    if (controller.cron === REFIT_CRON || controller.cron === SEGMENT_CRON || controller.cron === INSIGHTS_CRON) {
      // Both regions of a jurisdiction carry the triggers; only the home region runs them, so they run once.
      if (!deps.region.home) return;
      if (controller.cron === INSIGHTS_CRON) {
        console.log(JSON.stringify({ level: 'info', msg: 'insights batch started', batch: await deps.insights.startBatch() }));
      } else if (controller.cron === REFIT_CRON) {
        console.log(JSON.stringify({ level: 'info', msg: 'population refit', ...(await deps.predictions.refit()) }));
      } else {
        // One run id per jurisdiction and day: a repeated trigger returns the day's run instead of another.
        const runId = `${deps.region.jurisdiction.toLowerCase()}-daily-${new Date().toISOString().slice(0, 10)}`;
        const run = await deps.segments.run({ runId });
        console.log(JSON.stringify({ level: run.status === 'failed' ? 'error' : 'info', msg: 'segment run', id: run.id, status: run.status, k: run.k }));
      }
      return;
    }
    throw new Error(`no handler for cron "${controller.cron}"`);
  },
};
