import type { RegionApp } from '../../src/hosting/node-regions.ts';
import { edgeRouter, EDGE_REGION_HEADER } from '../../src/hosting/edge-router.ts';
import { localConnection } from '../../src/local/bootstrap.ts';
import { nodeRegions, type NodeRegionsOptions } from '../../src/hosting/node-regions.ts';
import type { TestStores } from './stores.ts';
import type { AiSettings } from '../../src/config/env.ts';
import { InProcessQueue, type JobQueue } from '../../src/jobs/queue.ts';
import type { Region } from '../../src/regions/region.schema.ts';
import { regions as allRegions } from '../../regions/index.ts';

export const JWT_SECRET = 'test-secret-that-is-long-enough-0123456789';
export const PRIVACY_KEY = 'test-privacy-key-that-is-long-enough-98765';

export interface Client {
  /** A request entering at `region` (default us-east-1), as JSON when `body` is an object. */
  call(method: string, path: string, options?: { key?: string; body?: unknown; raw?: string; headers?: Record<string, string>; region?: string }): Promise<{ status: number; type: string; body: any }>;
  fetch: (request: Request) => Promise<Response>;
  regions: Map<string, RegionApp>;
  /** The default job queues by region id (one per jurisdiction, shared): nothing runs until a test drains them. */
  queues: Map<string, InProcessQueue>;
  /** The bulk queues (job pages, the daily batch's analyses) by region id, one per jurisdiction, shared. */
  bulkQueues: Map<string, InProcessQueue>;
  /** Drains a region's on-demand and bulk queues until both are empty (a page may queue analyses, and so on). */
  drainAll(regionId?: string): Promise<void>;
}

/** All four region apps in-process on the test stores, behind the local edge router; no HTTP server. */
export interface ClientOptions {
  now?: () => number;
  corsOrigins?: string[];
  testAccounts?: string[];
  ai?: AiSettings;
  bedrockClientOptions?: Record<string, unknown>;
  /** The region deployments (default: the region files); a test may change one's settings. */
  regions?: readonly Region[];
  /** Each region's job queue; by default a manual in-process queue per region (see Client.queues). */
  queueFor?: (region: Region) => JobQueue;
  /** Each region's bulk queue; by default a manual in-process queue per jurisdiction (see Client.bulkQueues). */
  bulkQueueFor?: (region: Region) => JobQueue;
  /** Customers per page of a tracked job (default 100). */
  jobPageCustomers?: number;
  /** The features every region app mounts, in order (default: the app's). */
  features?: NodeRegionsOptions['features'];
  /** How each region reaches its stream (kinesalite); unset: no streaming. */
  streaming?: NodeRegionsOptions['streaming'];
  /** Rate limits of every region app (the customer tokens' limit, the limiter's clock). */
  rateLimits?: NodeRegionsOptions['rateLimits'];
}

export function client(stores: TestStores, options: ClientOptions = {}): Client {
  const queues = new Map<string, InProcessQueue>();
  const bulkQueues = new Map<string, InProcessQueue>();
  const regions = nodeRegions({
    connections: (region) => ({
      personal: localConnection(stores.endpoints[region.jurisdiction], region.awsRegion),
      global: localConnection(stores.endpoints.GLOBAL, region.awsRegion),
    }),
    jwtSecret: JWT_SECRET,
    privacyKey: PRIVACY_KEY,
    ...(options.now ? { now: options.now } : {}),
    ...(options.corsOrigins ? { corsOrigins: options.corsOrigins } : {}),
    ...(options.testAccounts ? { testAccounts: options.testAccounts } : {}),
    ...(options.ai ? { ai: options.ai } : {}),
    ...(options.regions ? { regions: options.regions } : {}),
    ...(options.features ? { features: options.features } : {}),
    ...(options.bedrockClientOptions ? { bedrockClientOptions: options.bedrockClientOptions } : {}),
    ...(options.streaming ? { streaming: options.streaming } : {}),
    ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
    ...(options.jobPageCustomers ? { jobPageCustomers: options.jobPageCustomers } : {}),
    // One queue per jurisdiction, as in production: both regions produce, the home region consumes.
    queueFor: options.queueFor ?? ((region) => {
      const shared = [...queues.entries()].find(([id]) => allRegions.find((r) => r.id === id)?.jurisdiction === region.jurisdiction)?.[1];
      const queue = shared ?? new InProcessQueue(`insights-${region.jurisdiction.toLowerCase()}`, { maxRetries: 3 });
      queues.set(region.id, queue);
      return queue;
    }),
    bulkQueueFor: options.bulkQueueFor ?? ((region) => {
      const shared = [...bulkQueues.entries()].find(([id]) => allRegions.find((r) => r.id === id)?.jurisdiction === region.jurisdiction)?.[1];
      const queue = shared ?? new InProcessQueue(`insights-${region.jurisdiction.toLowerCase()}-bulk`, { maxRetries: 3 });
      bulkQueues.set(region.id, queue);
      return queue;
    }),
  });
  const edge = edgeRouter(regions, 'us-east-1');
  // What a request deferred past its answer (waitUntil) has finished when the test sees the answer.
  const fetch = async (request: Request) => {
    const res = await edge(request);
    await Promise.all([...regions.values()].map((r) => r.settled()));
    return res;
  };
  return {
    fetch,
    regions,
    queues,
    bulkQueues,
    async drainAll(regionId = 'eu-central-1') {
      const pair = [queues.get(regionId), bulkQueues.get(regionId)].filter((q): q is InProcessQueue => q !== undefined);
      for (let i = 0; i < 100 && pair.some((q) => q.size > 0); i++) for (const q of pair) await q.drain();
    },
    async call(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      headers[EDGE_REGION_HEADER] = options.region ?? 'us-east-1';
      if (options.key !== undefined) headers.authorization = `Bearer ${options.key}`;
      let body: string | undefined = options.raw;
      if (options.body !== undefined) {
        body = JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json';
      } else if (body !== undefined) headers['content-type'] ??= 'application/json';
      const res = await fetch(new Request(`http://cadence.test${path}`, { method, headers, ...(body !== undefined ? { body } : {}) }));
      const type = res.headers.get('content-type') ?? '';
      const text = await res.text();
      return { status: res.status, type, body: type.includes('json') && text ? JSON.parse(text) : text };
    },
  };
}
