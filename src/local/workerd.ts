import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { regions } from '../../regions/index.ts';
import {
  bindingName,
  COMPATIBILITY_DATE,
  deadLetterQueueName,
  ASSETS_BINDING,
  ASSETS_DIRECTORY,
  INSIGHTS_DLQ_BINDING,
  BULK_QUEUE_BINDING,
  bulkQueueName,
  INSIGHTS_QUEUE_BINDING,
  INSIGHTS_QUEUE_SETTINGS,
  insightsQueueName,
  peerRegions,
  workerName,
} from '../regions/wrangler-config.ts';
import { buildAssets } from '../../scripts/build-assets.ts';
import { miniflareRateLimits } from '../ratelimit/bindings.ts';
import type { TierName } from '../ratelimit/limits.ts';
import { LOCAL_CREDENTIALS } from './bootstrap.ts';
import type { StoreName } from './dynamo-stores.ts';

const root = new URL('../../', import.meta.url).pathname;

/** Bundles the Worker exactly as `wrangler deploy` would (with its Node polyfills), without deploying. */
export async function buildWorkerBundle(outDir = join(root, 'dist')): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  buildAssets(root);
  await promisify(execFile)(
    join(root, 'node_modules/.bin/wrangler'),
    ['deploy', '--dry-run', '--outdir', outDir, '--env', regions[0]!.id],
    { cwd: root, env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' } },
  );
  return join(outDir, 'worker.js');
}

async function edgeWorkerScript(): Promise<string> {
  const out = await build({
    entryPoints: [join(root, 'src/local/edge-worker.ts')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    write: false,
  });
  return out.outputFiles[0]!.text;
}

export interface WorkerdStackOptions {
  port: number;
  endpoints: Record<StoreName, string>;
  jwtSecret: string;
  privacyKey: string;
  defaultRegion: string;
  corsOrigins?: string[];
  testAccounts?: string[];
  bundlePath: string;
  /** AI settings passed to every region Worker as bindings (BEDROCK_*, CADENCE_AI_*); none: statistical. */
  aiBindings?: Record<string, string>;
  /** Each stream region's kinesalite endpoint (by AWS region); unset: the Workers publish no events. */
  kinesisEndpoints?: Record<string, string>;
  /** A region's own personal-store endpoint over its jurisdiction's (a drill points one at a closed port: that region is down). */
  personalEndpoints?: Record<string, string>;
  /** Queue delivery settings over wrangler.toml's (tests shorten the waits). */
  queueSettings?: { maxBatchTimeout?: number; retryDelay?: number };
  /** Calls per window of the rate-limiting bindings over wrangler.toml's (tests lower one to see it refuse). */
  rateLimitBindings?: Partial<Record<TierName, number>>;
  /** Other Worker vars (e.g. CADENCE_STOREFRONT_RATE_LIMIT). */
  vars?: Record<string, string>;
}

/**
 * One Worker per region in workerd, each bound only to its own jurisdiction's store and to the other
 * jurisdiction's Workers (service bindings, as wrangler.toml declares), behind a local edge entry.
 */
export async function startWorkerdStack(options: WorkerdStackOptions): Promise<{ url: URL; mf: Miniflare }> {
  const entry = {
    name: 'edge',
    modules: true,
    script: await edgeWorkerScript(),
    compatibilityDate: COMPATIBILITY_DATE,
    bindings: { DEFAULT_REGION: options.defaultRegion },
    serviceBindings: Object.fromEntries(regions.map((r) => [bindingName(r.id), workerName(r.id)])),
  };
  const regionWorkers = regions.map((region) => ({
    name: workerName(region.id),
    modules: true,
    scriptPath: options.bundlePath,
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags: ['nodejs_compat'],
    bindings: {
      CADENCE_REGION: region.id,
      CADENCE_JWT_SECRET: options.jwtSecret,
      CADENCE_PRIVACY_KEY: options.privacyKey,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      DYNAMODB_ENDPOINT: options.personalEndpoints?.[region.id] ?? options.endpoints[region.jurisdiction],
      DYNAMODB_GLOBAL_ENDPOINT: options.endpoints.GLOBAL,
      CADENCE_CORS_ORIGINS: (options.corsOrigins ?? []).join(','),
      CADENCE_TEST_ACCOUNTS: (options.testAccounts ?? []).join(','),
      ...(options.kinesisEndpoints ? { CADENCE_STREAMING: 'on', KINESIS_ENDPOINT: options.kinesisEndpoints[region.stream.awsRegion]! } : {}),
      ...options.aiBindings,
      ...options.vars,
    },
    // Miniflare emulates `[[ratelimits]]` (a fixed window per key, in memory), as wrangler.toml declares them.
    ratelimits: miniflareRateLimits(options.rateLimitBindings),
    serviceBindings: Object.fromEntries(peerRegions(regions, region).map((p) => [bindingName(p.id), workerName(p.id)])),
    assets: { directory: join(root, ASSETS_DIRECTORY), binding: ASSETS_BINDING, routerConfig: { has_user_worker: true } },
    // Miniflare's own queues, as wrangler.toml declares them: every region produces, the home region consumes.
    queueProducers: {
      [INSIGHTS_QUEUE_BINDING]: { queueName: insightsQueueName(region.jurisdiction) },
      [INSIGHTS_DLQ_BINDING]: { queueName: deadLetterQueueName(region.jurisdiction) },
      [BULK_QUEUE_BINDING]: { queueName: bulkQueueName(region.jurisdiction) },
    },
    ...(region.home
      ? {
          queueConsumers: {
            [insightsQueueName(region.jurisdiction)]: {
              ...INSIGHTS_QUEUE_SETTINGS,
              ...options.queueSettings,
              deadLetterQueue: deadLetterQueueName(region.jurisdiction),
            },
            [bulkQueueName(region.jurisdiction)]: {
              ...INSIGHTS_QUEUE_SETTINGS,
              ...options.queueSettings,
              deadLetterQueue: deadLetterQueueName(region.jurisdiction),
            },
            [deadLetterQueueName(region.jurisdiction)]: { maxBatchTimeout: 1 },
          },
        }
      : {}),
  }));
  const mf = new Miniflare({ host: '127.0.0.1', port: options.port, workers: [entry, ...regionWorkers] });
  const url = await mf.ready;
  return { url, mf };
}
