import { getRequestListener } from '@hono/node-server';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { regions } from '../regions/index.ts';
import { aiSettings, parseNodeEnv, splitList } from './config/env.ts';
import { edgeFastPath, edgeRouter } from './hosting/edge-router.ts';
import { nodeRegions } from './hosting/node-regions.ts';
import { setMetricsSink } from './ops/metrics.ts';
import { PrometheusSink } from './ops/prometheus.ts';
import type { FastPath, MinimalRequest } from './storefront/fast-path.ts';
import type { Region } from './regions/region.schema.ts';
import { requestActivity } from './shared/activity.ts';

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Node's server waits 5 minutes for a request by default: a client that declares a longer body than it
 * sends holds a connection that long. Cadence's bodies are at most 1 MiB and come from servers nearby.
 */
export const REQUEST_TIMEOUT_MS = 10_000;
export const HEADERS_TIMEOUT_MS = 5_000;

/** A Node request as the storefront fast path reads it (no Request object, and no closure, is built for it). */
class NodeRequestView implements MinimalRequest {
  readonly method: string;
  readonly url: string;
  constructor(private readonly req: IncomingMessage) {
    this.method = req.method ?? 'GET';
    this.url = req.url ?? '/';
  }
  header(name: string): string | undefined {
    const v = this.req.headers[name];
    return Array.isArray(v) ? v.join(', ') : v;
  }
}

/**
 * Serves a fetch handler on Node's HTTP server (the same app the Worker runs), on loopback by default.
 * With a fast path, a warm storefront read is written straight to the socket; everything else goes
 * through @hono/node-server's adapter to the app.
 */
export function serveFetch(
  fetch: (request: Request) => Promise<Response>,
  port: number,
  hostname = '127.0.0.1',
  timeouts: { requestMs?: number; headersMs?: number } = {},
  fast?: FastPath,
): Promise<RunningServer> {
  return new Promise((resolve) => {
    const requestTimeout = timeouts.requestMs ?? REQUEST_TIMEOUT_MS;
    const serverOptions = { requestTimeout, headersTimeout: Math.min(requestTimeout, timeouts.headersMs ?? HEADERS_TIMEOUT_MS), connectionsCheckingInterval: Math.min(1_000, requestTimeout) };
    // A request is counted until the app has made its answer (a stream's body, such as the live view's,
    // is not): the in-process queue yields to the requests counted (decision 144).
    const app = getRequestListener(async (request: Request) => {
      const done = requestActivity.begin();
      try {
        return await fetch(request);
      } finally {
        done();
      }
    });
    const server = createServer(serverOptions, (req, res) => {
      const hit = fast?.(new NodeRequestView(req));
      if (!hit) return void app(req, res);
      res.writeHead(hit.status, hit.headers);
      res.end(hit.body);
    });
    server.listen(port, hostname, () => {
      const info = server.address() as AddressInfo;
      resolve({
        url: `http://${hostname}:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/**
 * Self-hosting: `node --import tsx src/node.ts` serves the regions named in CADENCE_REGIONS (all by
 * default) against real DynamoDB with the SDK's default credentials, or against DYNAMODB_ENDPOINT_*.
 */
async function main(): Promise<void> {
  const env = parseNodeEnv(process.env);
  if (!env.CADENCE_JWT_SECRET) throw new Error('CADENCE_JWT_SECRET is required when self-hosting');
  if (!env.CADENCE_PRIVACY_KEY) throw new Error('CADENCE_PRIVACY_KEY is required when self-hosting (the key of the erasure suppression list)');
  // One sink per process: every region app in it records into the same prom-client registry (GET /metrics).
  setMetricsSink(new PrometheusSink());
  const wanted = splitList(env.CADENCE_REGIONS);
  const served: Region[] = wanted.length > 0 ? regions.filter((r) => wanted.includes(r.id)) : [...regions];
  if (served.length === 0) throw new Error(`CADENCE_REGIONS names no known region (${regions.map((r) => r.id).join(', ')})`);
  const endpoint = (v: string | undefined) => (v ? { endpoint: v } : {});
  const apps = nodeRegions({
    regions: served,
    connections: (region) => ({
      personal: { region: region.awsRegion, ...endpoint(region.jurisdiction === 'EU' ? env.DYNAMODB_ENDPOINT_EU : env.DYNAMODB_ENDPOINT_ROW) },
      global: { region: region.awsRegion, ...endpoint(env.DYNAMODB_ENDPOINT_GLOBAL) },
    }),
    jwtSecret: env.CADENCE_JWT_SECRET,
    privacyKey: env.CADENCE_PRIVACY_KEY,
    corsOrigins: splitList(env.CADENCE_CORS_ORIGINS),
    testAccounts: splitList(env.CADENCE_TEST_ACCOUNTS),
    ai: aiSettings(env),
    // The Node side of the Worker's sweep cron: quiet jobs resume from their pages not counted.
    sweepEveryMs: 60_000,
    remotePeers: {
      ...(env.CADENCE_PEER_URL_EU ? { EU: env.CADENCE_PEER_URL_EU } : {}),
      ...(env.CADENCE_PEER_URL_ROW ? { ROW: env.CADENCE_PEER_URL_ROW } : {}),
    },
    ...(env.CADENCE_STOREFRONT_RATE_LIMIT ? { rateLimits: { storefront: env.CADENCE_STOREFRONT_RATE_LIMIT } } : {}),
  });
  const defaultRegion = served.some((r) => r.id === env.CADENCE_EDGE_REGION) ? env.CADENCE_EDGE_REGION : served[0]!.id;
  const server = await serveFetch(edgeRouter(apps, defaultRegion), env.PORT, env.HOST, {}, edgeFastPath(apps, defaultRegion));
  console.log(`Cadence (Node) serving ${served.map((r) => r.id).join(', ')} on ${server.url}`);
  // Work requests deferred past their answers (a purchase's segment and recommendations) finishes first.
  const stop = () => void server.close().then(() => Promise.all([...apps.values()].map((a) => a.settled()))).then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
