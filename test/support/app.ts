import type { Fetcher } from '../../src/http/peers.ts';
import { edgeRouter, EDGE_REGION_HEADER } from '../../src/http/edge-router.ts';
import { localConnection } from '../../src/local/bootstrap.ts';
import { nodeRegions } from '../../src/local/node-regions.ts';
import type { TestStores } from './stores.ts';

export const JWT_SECRET = 'test-secret-that-is-long-enough-0123456789';

export interface Client {
  /** A request entering at `region` (default us-east-1), as JSON when `body` is an object. */
  call(method: string, path: string, options?: { key?: string; body?: unknown; raw?: string; headers?: Record<string, string>; region?: string }): Promise<{ status: number; type: string; body: any }>;
  fetch: (request: Request) => Promise<Response>;
  regions: Map<string, Fetcher>;
}

/** All four region apps in-process on the test stores, behind the local edge router; no HTTP server. */
export function client(stores: TestStores, options: { now?: () => number; corsOrigins?: string[] } = {}): Client {
  const regions = nodeRegions({
    connections: (region) => ({
      personal: localConnection(stores.endpoints[region.jurisdiction], region.awsRegion),
      global: localConnection(stores.endpoints.GLOBAL, region.awsRegion),
    }),
    jwtSecret: JWT_SECRET,
    ...(options.now ? { now: options.now } : {}),
    ...(options.corsOrigins ? { corsOrigins: options.corsOrigins } : {}),
  });
  const fetch = edgeRouter(regions, 'us-east-1');
  return {
    fetch,
    regions,
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
