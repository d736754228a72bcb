import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { metrics } from './metrics.ts';

/** The route label: the pattern of the route that matched (`/v1/customers/:id/predictions`), never the path. */
export function routeLabel(pattern: string): string {
  return pattern === '' || pattern.includes('*') ? 'unmatched' : pattern;
}

/** Counts and times every request the app answers, labelled by route pattern, method, status and region. */
export function requestMetrics(region: string): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    await next();
    metrics.request(region, routeLabel(routePath(c, -1)), c.req.method, c.res.status, (performance.now() - started) / 1000);
  };
}
