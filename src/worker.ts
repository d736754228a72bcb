import type { ExportedHandler, MessageBatch, ScheduledController } from '@cloudflare/workers-types/latest/index.ts';
import { regions } from '../regions/index.ts';
import { createApp } from './app.ts';
import { aiSettings, splitList } from './config/env.ts';
import { parseWorkerEnv } from './config/worker-env.ts';
import { deploymentDeps, type Deployment } from './deps.ts';
import { handleQueueBatch, type QueueBatch } from './jobs/dispatch.ts';
import { workersQueue } from './jobs/queue.ts';
import { findRegion, servingOrder } from './regions/region-set.ts';
import type { Jurisdiction } from './regions/region.schema.ts';
import { DOCS_SCRIPT_PATH } from './http/docs.ts';
import { assetUrl, type DashboardAssets } from './dashboard/assets.ts';
import { fromRequest, limitedAnswer, revalidationRequest, toResponse } from './storefront/fast-path.ts';
import { limiterBindingsOf } from './ratelimit/bindings.ts';
import { setMetricsSink } from './ops/metrics.ts';
import { LogLinesSink } from './ops/log-sink.ts';
import type { JobType } from './jobs/jobs.model.ts';
import { ASSETS_BINDING, bindingName, BULK_QUEUE_BINDING, INSIGHTS_CRON, JOBS_SWEEP_CRON, INSIGHTS_DLQ_BINDING, INSIGHTS_QUEUE_BINDING, isDeadLetterQueue, RECOMMENDATIONS_CRON, REFIT_CRON, SEGMENT_CRON } from './regions/wrangler-config.ts';
import type { Fetcher, Peers } from './residency/peers.ts';
import { withDefer } from './shared/defer.ts';

type Env = Record<string, unknown>;
/** Outbox pages (200 events each) one scheduled drain sends at most: 10,000 events every 10 minutes. */
const OUTBOX_DRAIN_PAGES = 50;
type Isolate = { env: Env; app: ReturnType<typeof createApp>; deployment: Deployment };
let cached: Isolate | undefined;

/** One app per isolate: the SDK clients and the caches live as long as the isolate. */
function isolateFor(env: Env): Isolate {
  if (cached?.env === env) return cached;
  const vars = parseWorkerEnv(env);
  const region = findRegion(regions, vars.CADENCE_REGION);
  setMetricsSink(new LogLinesSink({ intervalMs: vars.CADENCE_METRICS_INTERVAL_S * 1000 }));
  if (!region) throw new Error(`CADENCE_REGION ${vars.CADENCE_REGION} has no file in regions/`);
  const assets = env[ASSETS_BINDING] as Fetcher | undefined;
  const credentials = { accessKeyId: vars.AWS_ACCESS_KEY_ID, secretAccessKey: vars.AWS_SECRET_ACCESS_KEY };
  const peers: Peers = {};
  for (const jurisdiction of ['EU', 'ROW'] as const satisfies Jurisdiction[]) {
    if (jurisdiction === region.jurisdiction) continue;
    peers[jurisdiction] = servingOrder(regions, jurisdiction)
      .map((r) => env[bindingName(r.id)] as Fetcher | undefined)
      .filter((f): f is Fetcher => f !== undefined);
  }
  const deployment = deploymentDeps({
    region,
    personal: { region: region.awsRegion, credentials, ...(vars.DYNAMODB_ENDPOINT ? { endpoint: vars.DYNAMODB_ENDPOINT } : {}) },
    global: { region: region.awsRegion, credentials, ...(vars.DYNAMODB_GLOBAL_ENDPOINT ? { endpoint: vars.DYNAMODB_GLOBAL_ENDPOINT } : {}) },
    peers,
    jwtSecret: vars.CADENCE_JWT_SECRET,
    privacyKey: vars.CADENCE_PRIVACY_KEY,
    corsOrigins: splitList(vars.CADENCE_CORS_ORIGINS),
    testAccounts: splitList(vars.CADENCE_TEST_ACCOUNTS),
    queue: workersQueue(vars[INSIGHTS_QUEUE_BINDING], vars[INSIGHTS_DLQ_BINDING]),
    bulkQueue: workersQueue(vars[BULK_QUEUE_BINDING], vars[INSIGHTS_DLQ_BINDING]),
    ...(assets ? { docsAsset: (request: Request) => assets.fetch(new Request(new URL(DOCS_SCRIPT_PATH, request.url))) } : {}),
    ai: aiSettings(vars),
    ...(vars.CADENCE_STREAMING === 'on' ? { streaming: { credentials, ...(vars.KINESIS_ENDPOINT ? { endpoint: vars.KINESIS_ENDPOINT } : {}) } } : {}),
    // The isolate's buckets, then the colo's count of the tier's binding (absent bindings: buckets only).
    rateLimits: { bindings: limiterBindingsOf(env), ...(vars.CADENCE_STOREFRONT_RATE_LIMIT ? { storefront: vars.CADENCE_STOREFRONT_RATE_LIMIT } : {}) },
  });
  const dashboardAssets: DashboardAssets | undefined = assets && ((request, name) => assets.fetch(new Request(new URL(assetUrl(name), request.url))));
  cached = { env, app: createApp({ ...deployment, ...(dashboardAssets ? { dashboardAssets } : {}) }), deployment };
  return cached;
}

/** The daily work of a jurisdiction, run by its home region only (both regions carry the triggers). */
async function daily(deployment: Deployment, cron: string, heavyJobs: 'worker' | 'lambda'): Promise<void> {
  const { services, region } = deployment;
  const day = new Date().toISOString().slice(0, 10);
  // One job id per jurisdiction, type and day: a repeated trigger finds the day's job and starts nothing.
  const start = async (type: JobType) => {
    const job = await services.jobs.start(type, { suffix: day });
    console.log(JSON.stringify({ level: 'info', msg: 'job started', jobId: job.id, type, status: job.status, pages: job.progress.total }));
  };
  if (cron === JOBS_SWEEP_CRON) {
    // Events left in the outbox while Kinesis was down go out now (decision 127), whatever the sweep does.
    const drained = deployment.streaming?.producer.drainAlone(OUTBOX_DRAIN_PAGES).catch((err: unknown) => console.error(JSON.stringify({ level: 'error', msg: 'outbox drain failed', error: String(err) })));
    const { resumed } = await services.jobs.sweep().finally(() => drained);
    if (resumed.length > 0) console.log(JSON.stringify({ level: 'info', msg: 'jobs resumed', resumed }));
  } else if (cron === INSIGHTS_CRON) await start('insights.batch');
  // Heavy jobs run as the jurisdiction's Lambda when it is deployed (decision 99); else here, fanned out.
  else if (cron === REFIT_CRON) await (heavyJobs === 'lambda' ? undefined : start('predictions.refit'));
  // Aggregates and weights from the day's purchases, every entry with the day's segments (once a day).
  else if (cron === RECOMMENDATIONS_CRON) await (heavyJobs === 'lambda' ? undefined : start('recommendations.rebuild'));
  else if (heavyJobs === 'lambda') return; // the segmentation's fit holds every customer: the Lambda's too
  else {
    // One run id per jurisdiction and day: a repeated trigger returns the day's run instead of another.
    // A tracked job (decision 122): the fit here, its assignment pages through the bulk queue.
    const run = await services.segments.start({ runId: `${region.jurisdiction.toLowerCase()}-daily-${day}` });
    console.log(JSON.stringify({ level: run.status === 'failed' ? 'error' : 'info', msg: 'segment run', id: run.id, status: run.status, k: run.k }));
  }
}

export default {
  async fetch(request, env, ctx) {
    // workerd's Request and the DOM's are the same object at run time; only their typings differ.
    const req = request as unknown as Request;
    const isolate = isolateFor(env);
    // A warm storefront read is answered from this isolate's bytes (after the colo's rate limit); anything else goes to the app.
    const { fastPath, limiter, region } = isolate.deployment;
    const minimal = fromRequest(req);
    const hit = fastPath(minimal);
    if (hit) {
      // Served past its TTL: the app re-reads it after the answer (stale-while-revalidate).
      if (hit.revalidate) ctx.waitUntil(Promise.resolve(isolate.app.fetch(revalidationRequest(minimal), env, ctx as never)).then((res) => res.body?.cancel()));
      const wait = hit.principal && limiter.hasBindings ? await limiter.colo(hit.principal) : 0;
      return toResponse(wait > 0 ? limitedAnswer(wait, region.id) : hit) as never;
    }
    return isolate.app.fetch(req, env, ctx as never) as never;
  },
  async queue(batch, env, ctx) {
    return withDefer((work) => ctx.waitUntil(work), () => consume(batch, env));
  },
  async scheduled(controller, env, ctx) {
    return withDefer((work) => ctx.waitUntil(work), () => scheduled(controller, env));
  },
} satisfies ExportedHandler<Env>;

async function consume(batch: MessageBatch, env: Env): Promise<void> {
  const { deployment } = isolateFor(env);
  const messages = batch as unknown as QueueBatch;
  if (isDeadLetterQueue(batch.queue)) {
    // Messages no delivery could help: their jobs are marked failed so a new refresh can be asked for.
    for (const message of messages.messages) {
      await deployment.deadLettered(message.body);
      message.ack();
    }
    return;
  }
  await handleQueueBatch(messages, deployment.handlers, (body, reason) => deployment.queue.deadLetter(body, reason));
}

async function scheduled(controller: ScheduledController, env: Env): Promise<void> {
  const { deployment } = isolateFor(env);
  if (![REFIT_CRON, SEGMENT_CRON, RECOMMENDATIONS_CRON, INSIGHTS_CRON, JOBS_SWEEP_CRON].includes(controller.cron)) throw new Error(`no handler for cron "${controller.cron}"`);
  if (!deployment.region.home) return;
  await daily(deployment, controller.cron, parseWorkerEnv(env).CADENCE_HEAVY_JOBS).catch((err: unknown) => {
    console.error(JSON.stringify({ level: 'error', msg: 'cron failed', cron: controller.cron, error: String(err) }));
    throw err;
  });
}

