import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { CustomerIdParam } from '../customers/customers.schemas.ts';
import { allow } from '../http/auth.ts';
import type { AppEnv } from '../http/context.ts';
import { commonErrors, json, notFoundError, security } from '../http/openapi.ts';
import { Problem } from '../http/problem.ts';
import { validationHook } from '../http/validation.ts';
import { JURISDICTION_PREFIXED_ID } from '../residency/jurisdiction.ts';
import { BatchSchema, CostsSchema, Day, InsightsSchema, insightView, JobSchema, jobView, MAX_REPORT_DAYS } from './insights.schemas.ts';
import { jsonBytes } from '../http/json-bytes.ts';
import { cacheHeaders } from '../shared/read-through.ts';
import { variantFor } from '../storefront/fast-path.ts';
import type { ViewCache } from '../storefront/view-cache.ts';
import type { InsightsService } from './insights.service.ts';

export interface InsightRoutesDeps {
  insights: InsightsService;
  views: ViewCache;
  now: () => number;
}

const encoder = new TextEncoder();

const getInsights = createRoute({
  method: 'get',
  path: '/v1/customers/{id}/insights',
  tags: ['insights'],
  summary: "A customer's AI analysis (or the statistical one), from cache; never waits for the model",
  description:
    'Stale-while-revalidate: a stale analysis is answered at once and a refresh is queued (`refresh`). `source` says whether Claude or the statistical analyzer produced it, and `fallbackReason` why. A customer\'s own token may read it, without the household and socioeconomic readings.',
  security,
  middleware: [allow.scopeOrSelf('insights:read')] as const,
  request: { params: CustomerIdParam },
  responses: { 200: json(InsightsSchema, 'The analysis'), 304: { description: 'Not modified' }, ...commonErrors, ...notFoundError },
});

const refresh = createRoute({
  method: 'post',
  path: '/v1/customers/{id}/insights/refresh',
  tags: ['insights'],
  summary: 'Queue a new analysis of the customer (202 with the job); one already queued is returned instead',
  security,
  middleware: [allow.scope('insights:write')] as const,
  request: { params: CustomerIdParam },
  responses: { 202: json(JobSchema, 'The job'), ...commonErrors, ...notFoundError },
});

const getJob = createRoute({
  method: 'get',
  path: '/v1/jobs/{id}',
  tags: ['insights'],
  summary: 'An analysis job: queued, running, done (with its source and cost) or failed',
  security,
  middleware: [allow.scope('insights:read')] as const,
  request: { params: z.object({ id: z.string().max(64).openapi({ param: { name: 'id', in: 'path' }, example: 'job_eu_8m3k…_x1…' }) }) },
  responses: { 200: json(JobSchema, 'The job'), ...commonErrors, ...notFoundError },
});

const getBatch = createRoute({
  method: 'get',
  path: '/v1/ops/insight-batches/{id}',
  tags: ['operations'],
  summary: 'A daily analysis batch: customers seen, analyses queued, skipped as unchanged (ops:read)',
  description: 'Batch ids are `<jurisdiction>-<day>`, e.g. `eu-2026-11-22`; the Cron Trigger starts one per jurisdiction and day.',
  security,
  middleware: [allow.scope('ops:read')] as const,
  request: { params: z.object({ id: z.string().regex(JURISDICTION_PREFIXED_ID, '<eu|row>-<day>').openapi({ param: { name: 'id', in: 'path' }, example: 'eu-2026-11-22' }) }) },
  responses: { 200: json(BatchSchema, 'The batch so far'), ...commonErrors, ...notFoundError },
});

const getCosts = createRoute({
  method: 'get',
  path: '/v1/ops/costs',
  tags: ['operations'],
  summary: 'AI spend by day, model and region, cost per analysed customer, budgets (ops:read)',
  description: 'Totals are aggregates of every region (no customer data); the ledger lines behind them stay in each customer\'s jurisdiction. Default: the last 30 days.',
  security,
  middleware: [allow.scope('ops:read')] as const,
  request: { query: z.object({ from: Day.optional(), to: Day.optional() }).strict() },
  responses: { 200: json(CostsSchema, 'The spend'), ...commonErrors },
});

// Jobs and batches name their jurisdiction in their ids: the residency guard sent other ones there.
export function insightRoutes(deps: InsightRoutesDeps) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(getInsights, async (c) => {
      const { id } = c.req.valid('param');
      const generation = deps.views.mark();
      const read = await deps.insights.serve(id);
      const asCustomer = c.var.principal.kind === 'customer';
      const etag = `W/"${read.analysis.etag.replaceAll('"', '')}-${read.status[0]}${asCustomer ? 'c' : 'o'}"`;
      const headers = { etag, ...cacheHeaders({ ageSeconds: read.ageSeconds, stale: read.stale === true }) };
      const view = insightView(read, asCustomer);
      const body = JSON.stringify(view);
      // Only a fresh analysis is served by the fast path: a stale one must go through the read that asks for a refresh.
      if (read.status === 'fresh' && !read.stale) {
        deps.views.put(id, 'insights', variantFor('insights', asCustomer), { body: encoder.encode(body), etag, computedAt: Date.parse(read.analysis.computedAt) }, generation);
      }
      if ((c.req.header('if-none-match') ?? '').split(',').some((t) => t.trim() === etag)) return c.body(null, 304, headers);
      return jsonBytes<typeof view, 200>(c, body, 200, headers);
    })
    .openapi(refresh, async (c) => {
      const job = await deps.insights.refreshNow(c.req.valid('param').id);
      return c.json(jobView(job), 202, { location: `/v1/jobs/${job.jobId}` });
    })
    .openapi(getJob, async (c) => c.json(jobView(await deps.insights.job(c.req.valid('param').id)), 200))
    .openapi(getBatch, async (c) => {
      const report = await deps.insights.batch.report(c.req.valid('param').id);
      if (!report) throw new Problem(404, 'insights.batchNotFound', 'No such batch (or it has not started)');
      return c.json(report, 200);
    })
    .openapi(getCosts, async (c) => {
      const q = c.req.valid('query');
      const to = q.to ?? new Date(deps.now()).toISOString().slice(0, 10);
      const from = q.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
      const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000 + 1;
      if (days < 1 || days > MAX_REPORT_DAYS) throw new Problem(400, 'request.invalidRange', `from must be on or before to, at most ${MAX_REPORT_DAYS} days apart`);
      return c.json(await deps.insights.costReport(from, to), 200);
    });
}
