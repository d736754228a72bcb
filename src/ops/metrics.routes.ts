import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { allow } from '../http/auth.ts';
import type { AppEnv } from '../http/context.ts';
import { commonErrors, notFoundError, security } from '../http/openapi.ts';
import { Problem } from '../http/problem.ts';
import { validationHook } from '../http/validation.ts';
import { METRICS, metricsSink } from './metrics.ts';

const names = Object.values(METRICS).map((m) => m.name) as [string, ...string[]];
const MetricName = z.enum(names);

const getMetrics = createRoute({
  method: 'get',
  path: '/metrics',
  tags: ['operations'],
  summary: 'Prometheus metrics of this process (Node entry only; ops:read)',
  description: 'Prometheus text format. `name` (comma-separated) keeps only those metrics. The Worker answers 404: it writes its metrics to Workers Logs.',
  security,
  middleware: [allow.scope('ops:read')] as const,
  request: {
    query: z
      .object({
        name: z
          .string()
          .max(2048)
          .optional()
          .transform((v, ctx) => {
            if (v === undefined) return undefined;
            const list = v.split(',').map((s) => s.trim());
            for (const n of list) if (!MetricName.safeParse(n).success) ctx.addIssue({ code: 'custom', message: `unknown metric ${n.slice(0, 80)}` });
            return [...new Set(list)];
          })
          .openapi({ param: { name: 'name', in: 'query' }, type: 'string', example: 'cadence_http_requests_total' }),
      })
      .strict(),
  },
  responses: { 200: { description: 'Prometheus text exposition', content: { 'text/plain': { schema: z.string() } } }, ...commonErrors, ...notFoundError },
});

/** `GET /metrics`: what the process's prom-client registry holds; 404 where the sink is not Prometheus. */
export function metricsRoutes() {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(getMetrics, async (c) => {
    const sink = metricsSink();
    if (!sink.expose) throw new Problem(404, 'metrics.notExposed', 'This deployment does not expose Prometheus metrics (see Workers Logs)');
    const { contentType, text } = await sink.expose(c.req.valid('query').name);
    return c.text(text, 200, { 'content-type': contentType, 'cache-control': 'no-store' });
  });
}
