/**
 * Benchmark target: the Worker bundle (as `wrangler deploy` builds it) in workerd through Miniflare, one
 * Worker per region behind the local edge entry, against the stores named in BENCH_ENDPOINTS.
 */
import { startWorkerdStack, buildWorkerBundle } from '../../src/local/workerd.ts';
import type { StoreName } from '../../src/local/dynamo-stores.ts';

const endpoints = JSON.parse(process.env.BENCH_ENDPOINTS!) as Record<StoreName, string>;
const { url, mf } = await startWorkerdStack({
  port: 0,
  endpoints,
  jwtSecret: process.env.BENCH_JWT_SECRET!,
  privacyKey: process.env.BENCH_JWT_SECRET!.split('').reverse().join(''),
  defaultRegion: process.env.BENCH_EDGE_REGION ?? 'eu-central-1',
  bundlePath: await buildWorkerBundle(),
  // The isolate's buckets and the storefront binding run on every request and never refuse.
  vars: { CADENCE_STOREFRONT_RATE_LIMIT: '1000000/1000000' },
  rateLimitBindings: { storefront: 1_000_000 },
});
process.stdout.write(`${JSON.stringify({ url: url.href.replace(/\/$/, '') })}\n`);
process.on('SIGTERM', () => void mf.dispose().finally(() => process.exit(0)));
