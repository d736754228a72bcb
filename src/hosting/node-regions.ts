import { regions as allRegions } from '../../regions/index.ts';
import { createApp, FEATURES } from '../app.ts';
import { deploymentDeps } from '../deps.ts';
import { fromRequest, revalidationRequest, toResponse, type FastPath } from '../storefront/fast-path.ts';
import { packagedDocsAsset } from './docs-asset.ts';
import { packagedDashboardAssets } from './dashboard-assets.ts';
import type { Fetcher, Peers } from '../residency/peers.ts';
import { servingOrder } from '../regions/region-set.ts';
import type { Jurisdiction, Region } from '../regions/region.schema.ts';
import type { DynamoConnection } from '../storage/client.ts';
import type { AiSettings } from '../config/env.ts';
import type { JobQueue } from '../jobs/queue.ts';
import type { JobService } from '../jobs/jobs.service.ts';
import type { DeploymentConfig, StreamingParts } from '../deps.ts';
import type { KinesisConnection } from '../streaming/kinesis.ts';
import { BackgroundWork } from '../shared/defer.ts';

export interface NodeRegionsOptions {
  regions?: readonly Region[];
  connections: (region: Region) => { personal: DynamoConnection; global: DynamoConnection };
  jwtSecret: string;
  /** The key of the suppression list's keyed hashes. */
  privacyKey: string;
  corsOrigins?: readonly string[];
  testAccounts?: readonly string[];
  /** Deployments of a jurisdiction that this process does not serve, reached over HTTP. */
  remotePeers?: Partial<Record<Jurisdiction, string>>;
  now?: () => number;
  ai?: AiSettings;
  /** Options for each region's Bedrock client (tests pass an HTTP/1.1 handler for the local stand-in). */
  bedrockClientOptions?: Record<string, unknown>;
  /** A queue per region (tests drain them by hand); by default each region runs its jobs in process. */
  queueFor?: (region: Region) => JobQueue;
  /** A bulk queue per region (job pages); by default a second in-process queue per region. */
  bulkQueueFor?: (region: Region) => JobQueue;
  /** Customers per page of a tracked job (default 100). */
  jobPageCustomers?: number;
  /** Resume quiet jobs this often (the Node side of the Worker's sweep cron); unset: no timer (tests sweep by hand). */
  sweepEveryMs?: number;
  /** The features each app mounts, in order (tests mount them in another order). */
  features?: Parameters<typeof createApp>[1];
  /** How each region reaches its jurisdiction's stream; unset: no streaming. */
  streaming?: (region: Region) => Omit<KinesisConnection, 'region'>;
  /** Per-credential rate limits of every region app (each has its own buckets). */
  rateLimits?: DeploymentConfig['rateLimits'];
}

export function httpFetcher(baseUrl: string): Fetcher {
  return {
    fetch(request) {
      const url = new URL(request.url);
      return fetch(new URL(url.pathname + url.search, baseUrl), request);
    },
  };
}

/**
 * Several region deployments in one Node process, each with only its own jurisdiction's stores, talking to
 * each other through `fetch` exactly as Workers do through service bindings.
 */
/** A region's app in this process: its fetch (warm storefront reads first through the fast path), and the fast path itself. */
export interface RegionApp extends Fetcher {
  fastPath: FastPath;
  /** The region's tracked jobs (the heavy-job process and the tests start, run and sweep them). */
  jobs: JobService;
  /** The region's producer and consumer, when it streams (the local stack polls the home regions'). */
  streaming?: StreamingParts;
  /** Resolves once the work requests handed to their waitUntil has finished (shutdown and tests wait for it). */
  settled(): Promise<void>;
}

export function nodeRegions(options: NodeRegionsOptions): Map<string, RegionApp> {
  const served = options.regions ?? allRegions;
  const apps = new Map<string, RegionApp>();
  const peersFor = (region: Region): Peers => {
    const peers: Peers = {};
    for (const jurisdiction of ['EU', 'ROW'] as const) {
      if (jurisdiction === region.jurisdiction) continue;
      const local = servingOrder(allRegions, jurisdiction)
        .filter((r) => served.some((s) => s.id === r.id))
        .map((r): Fetcher => ({ fetch: (req) => apps.get(r.id)!.fetch(req) }));
      const remote = options.remotePeers?.[jurisdiction];
      peers[jurisdiction] = remote ? [...local, httpFetcher(remote)] : local;
    }
    return peers;
  };
  const docsAsset = packagedDocsAsset();
  const dashboardAssets = packagedDashboardAssets();
  for (const region of served) {
    const deployment = deploymentDeps({
      region,
      ...options.connections(region),
      peers: peersFor(region),
      jwtSecret: options.jwtSecret,
      privacyKey: options.privacyKey,
      ...(options.corsOrigins ? { corsOrigins: options.corsOrigins } : {}),
      ...(options.testAccounts ? { testAccounts: options.testAccounts } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.ai ? { ai: options.ai } : {}),
      ...(options.bedrockClientOptions ? { bedrockClientOptions: options.bedrockClientOptions } : {}),
      ...(options.queueFor ? { queue: options.queueFor(region) } : {}),
      ...(options.bulkQueueFor ? { bulkQueue: options.bulkQueueFor(region) } : {}),
      ...(options.jobPageCustomers ? { jobPageCustomers: options.jobPageCustomers } : {}),
      ...(options.streaming ? { streaming: options.streaming(region) } : {}),
      ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
      docsAsset,
    });
    const app = createApp({ ...deployment, dashboardAssets }, options.features ?? FEATURES);
    // The Node side of a Worker's ctx.waitUntil: what a request defers is tracked, not dropped.
    const background = new BackgroundWork();
    const ctx = background.executionContext;
    // An entry served past its TTL is re-read through the app after the answer (stale-while-revalidate).
    const fastPath: FastPath = (req) => {
      const hit = deployment.fastPath(req);
      if (hit?.revalidate) background.defer(Promise.resolve(app.fetch(revalidationRequest(req), undefined, ctx)).then((res) => res.body?.cancel()));
      return hit;
    };
    if (options.sweepEveryMs && region.home) {
      const timer = setInterval(() => void deployment.services.jobs.sweep().catch((err: unknown) => console.error(JSON.stringify({ level: 'error', msg: 'job sweep failed', error: String(err) }))), options.sweepEveryMs);
      timer.unref();
    }
    apps.set(region.id, {
      fastPath,
      jobs: deployment.services.jobs,
      ...(deployment.streaming ? { streaming: deployment.streaming } : {}),
      fetch: (req) => {
        const hit = fastPath(fromRequest(req));
        return hit ? Promise.resolve(toResponse(hit)) : Promise.resolve(app.fetch(req, undefined, ctx));
      },
      settled: () => background.settled(),
    });
  }
  return apps;
}
