/**
 * Benchmark target: the Node entry against the stores named in BENCH_ENDPOINTS, serving all four regions, or
 * those named in BENCH_REGIONS (as CADENCE_REGIONS deploys one region per process).
 */
import { regions } from '../../regions/index.ts';
import { edgeFastPath, edgeRouter } from '../../src/hosting/edge-router.ts';
import { localConnection } from '../../src/local/bootstrap.ts';
import type { StoreName } from '../../src/local/dynamo-stores.ts';
import { nodeRegions } from '../../src/hosting/node-regions.ts';
import { serveFetch } from '../../src/node.ts';
import { setMetricsSink } from '../../src/ops/metrics.ts';
import { PrometheusSink } from '../../src/ops/prometheus.ts';

// Metrics recorded as the Node entry records them (its `main`): their cost is in the figures.
setMetricsSink(new PrometheusSink());

const endpoints = JSON.parse(process.env.BENCH_ENDPOINTS!) as Record<StoreName, string>;
const wanted = process.env.BENCH_REGIONS?.split(',').filter(Boolean) ?? [];
const apps = nodeRegions({
  ...(wanted.length > 0 ? { regions: regions.filter((r) => wanted.includes(r.id)) } : {}),
  connections: (region) => ({
    personal: localConnection(endpoints[region.jurisdiction], region.awsRegion),
    global: localConnection(endpoints.GLOBAL, region.awsRegion),
  }),
  jwtSecret: process.env.BENCH_JWT_SECRET!,
  privacyKey: process.env.BENCH_JWT_SECRET!.split('').reverse().join(''),
  // The limiter runs on every request (its cost is measured) and never refuses.
  rateLimits: { storefront: { perSecond: 1_000_000, burst: 1_000_000 } },
});
const edge = process.env.BENCH_EDGE_REGION ?? 'eu-central-1';
const server = await serveFetch(edgeRouter(apps, edge), 0, '127.0.0.1', {}, edgeFastPath(apps, edge));
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
// In-flight store calls may still be running: exit rather than wait for them.
process.on('SIGTERM', () => process.exit(0));
