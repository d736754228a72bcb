import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppDeps } from '../app.ts';
import { CustomerId } from '../customers/customers.schemas.ts';
import { requireScope, requireScopeOrSelf } from '../http/auth.ts';
import type { AppEnv } from '../http/context.ts';
import { commonErrors, json, notFoundError, security } from '../http/openapi.ts';
import { forwardToJurisdiction, peerAnswer } from '../residency/peers.ts';
import { notFound, Problem } from '../http/problem.ts';
import { validationHook } from '../http/validation.ts';
import { jurisdictionOfCustomerId } from '../shared/ids.ts';
import { AnalysisAnswer } from './analysis.schema.ts';
import type { AnalysisJob } from './insights.repository.ts';
import { customerOfJob, type InsightRead } from './insights.service.ts';

const IdParam = z.object({ id: CustomerId.openapi({ param: { name: 'id', in: 'path' } }) });

const FallbackReason = z
  .enum(['no_consent', 'unconfigured', 'over_budget', 'circuit_open', 'unavailable', 'timeout', 'invalid_answer', 'refused'])
  .openapi({ description: 'Why the answer is statistical rather than the model\'s' });

const InsightsSchema = z
  .object({
    customerId: z.string(),
    status: z.enum(['fresh', 'stale', 'pending']).openapi({
      description: 'fresh: current. stale: older than the purchases or a week; a refresh was queued and this is the last analysis. pending: the first analysis is queued; this is a statistical reading computed now.',
    }),
    source: z.enum(['bedrock', 'statistical']),
    fallbackReason: FallbackReason.optional(),
    modelId: z.string().optional(),
    promptVersion: z.string(),
    computedAt: z.iso.datetime(),
    analysis: AnalysisAnswer.partial({ household: true, socioeconomic: true }).openapi({
      description: "The reading. A customer's own token gets it without the household and socioeconomic readings and without evidence.",
    }),
    refresh: z.object({ jobId: z.string(), href: z.string() }).optional(),
  })
  .openapi('Insights');

const JobSchema = z
  .object({
    jobId: z.string(),
    customerId: z.string(),
    kind: z.literal('insights.analyze'),
    reason: z.enum(['on_demand', 'stale', 'batch', 'pattern_change']),
    status: z.enum(['queued', 'running', 'done', 'failed']),
    attempts: z.number().int(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    result: z
      .object({
        source: z.enum(['bedrock', 'statistical']),
        fallbackReason: FallbackReason.optional(),
        costUsd: z.number(),
        skipped: z.enum(['unchanged', 'customer_gone', 'no_purchases']).optional(),
      })
      .optional(),
    error: z.string().optional(),
  })
  .openapi('Job');

const BatchSchema = z
  .object({
    batchId: z.string(),
    pages: z.number().int(),
    finished: z.boolean(),
    customers: z.number().int(),
    enqueued: z.number().int().openapi({ description: 'Analyses queued' }),
    unchanged: z.number().int().openapi({ description: 'Skipped: nothing changed since their analysis' }),
    inactive: z.number().int().openapi({ description: 'No purchase in the last 365 days' }),
    noConsent: z.number().int(),
    alreadyPending: z.number().int().openapi({ description: 'A refresh was already in flight' }),
    unchangedShare: z.number().openapi({ description: 'unchanged / (enqueued + unchanged + alreadyPending)' }),
  })
  .openapi('InsightsBatch');

const Totals = z.object({ calls: z.number().int(), inputTokens: z.number().int(), outputTokens: z.number().int(), costUsd: z.number(), analyses: z.number().int() });
const Budget = z.object({ dailyUsd: z.number(), spentTodayUsd: z.number(), monthlyUsd: z.number(), spentThisMonthUsd: z.number() });
const CostsSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    currency: z.literal('USD'),
    total: Totals.extend({ costPerAnalysedCustomer: z.number().nullable() }),
    byDay: z.array(Totals.extend({ day: z.string() })),
    byModel: z.array(Totals.extend({ modelId: z.string() })),
    byRegion: z.array(Totals.extend({ region: z.string() })),
    fallbacks: z.record(z.string(), z.number().int()).openapi({ description: 'Statistical answers instead of the model\'s, by reason; over_budget counts the budget\'s refusals' }),
    budgets: z.record(z.string(), Budget).openapi({ description: '`global` and each deployment region (region budgets are in the region files)' }),
    ai: z.object({ configured: z.boolean(), modelId: z.string().nullable(), circuit: z.enum(['closed', 'open', 'half-open']) }),
  })
  .openapi('Costs');

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD').refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'a calendar day');
const MAX_REPORT_DAYS = 92;

function view(read: InsightRead, asCustomer: boolean) {
  const a = read.analysis;
  const analysis = asCustomer
    ? (({ household: _h, socioeconomic: _s, ...rest }) => ({ ...rest, priceSensitivity: { level: rest.priceSensitivity.level, evidence: [] } }))(a.answer)
    : a.answer;
  return {
    customerId: a.customerId,
    status: read.status,
    source: a.source,
    ...(a.fallbackReason ? { fallbackReason: a.fallbackReason } : {}),
    ...(a.modelId ? { modelId: a.modelId } : {}),
    promptVersion: a.promptVersion,
    computedAt: a.computedAt,
    analysis,
    ...(read.refreshJobId ? { refresh: { jobId: read.refreshJobId, href: `/v1/jobs/${read.refreshJobId}` } } : {}),
  };
}

const jobView = (j: AnalysisJob) => {
  const { leaseUntil: _, ...rest } = j;
  return rest;
};

export function insightRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  return app
    .openapi(
      createRoute({
        method: 'get',
        path: '/v1/customers/{id}/insights',
        tags: ['insights'],
        summary: "A customer's AI analysis (or the statistical one), from cache; never waits for the model",
        description:
          'Stale-while-revalidate: a stale analysis is answered at once and a refresh is queued (`refresh`). `source` says whether Claude or the statistical analyzer produced it, and `fallbackReason` why. A customer\'s own token may read it, without the household and socioeconomic readings.',
        security,
        request: { params: IdParam },
        responses: { 200: json(InsightsSchema, 'The analysis'), 304: { description: 'Not modified' }, ...commonErrors, ...notFoundError },
      }),
      async (c) => {
        const { id } = c.req.valid('param');
        requireScopeOrSelf(c, 'insights:read', id);
        const predictions = await deps.predictions.read(id);
        const read = await deps.insights.read(id, predictions?.stored.lineCount);
        if (!read) {
          if (!(await deps.customers.get(id))) throw notFound('customer');
          throw new Problem(404, 'insights.noPurchases', 'Nothing to analyse yet: the customer has no purchases');
        }
        const asCustomer = c.var.principal.kind === 'customer';
        const etag = `W/"${read.analysis.etag.replaceAll('"', '')}-${read.status[0]}${asCustomer ? 'c' : 'o'}"`;
        const headers = { etag, 'cache-control': 'private, max-age=60', age: String(read.ageSeconds) };
        if ((c.req.header('if-none-match') ?? '').split(',').some((t) => t.trim() === etag)) return c.body(null, 304, headers);
        return c.json(view(read, asCustomer), 200, headers);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/v1/customers/{id}/insights/refresh',
        tags: ['insights'],
        summary: 'Queue a new analysis of the customer (202 with the job); one already queued is returned instead',
        security,
        request: { params: IdParam },
        responses: { 202: json(JobSchema, 'The job'), ...commonErrors, ...notFoundError },
      }),
      async (c) => {
        const { id } = c.req.valid('param');
        requireScope(c, 'insights:write');
        if (!(await deps.customers.get(id))) throw notFound('customer');
        const { jobId } = await deps.insights.requestRefresh(id, 'on_demand');
        const job = await deps.insights.getJob(id, jobId);
        if (!job) throw new Problem(503, 'insights.jobUnavailable', 'The job was not recorded; retry');
        return c.json(jobView(job), 202, { location: `/v1/jobs/${jobId}` });
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/v1/jobs/{id}',
        tags: ['insights'],
        summary: 'An analysis job: queued, running, done (with its source and cost) or failed',
        security,
        request: { params: z.object({ id: z.string().max(64).openapi({ param: { name: 'id', in: 'path' }, example: 'job_eu_8m3k…_x1…' }) }) },
        responses: { 200: json(JobSchema, 'The job'), ...commonErrors, ...notFoundError },
      }),
      async (c) => {
        const { id } = c.req.valid('param');
        requireScope(c, 'insights:read');
        const customerId = customerOfJob(id);
        if (!customerId) throw new Problem(404, 'jobs.notFound', 'No such job');
        // A job lives with its customer: another jurisdiction's job is read there.
        const jurisdiction = jurisdictionOfCustomerId(customerId)!;
        if (jurisdiction !== deps.region.jurisdiction) return peerAnswer(await forwardToJurisdiction(deps.peers, jurisdiction, deps.region.id, c.req.raw));
        const job = await deps.insights.getJob(customerId, id);
        if (!job) throw new Problem(404, 'jobs.notFound', 'No such job');
        return c.json(jobView(job), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/v1/ops/insight-batches/{id}',
        tags: ['operations'],
        summary: 'A daily analysis batch: customers seen, analyses queued, skipped as unchanged (ops:read)',
        description: 'Batch ids are `<jurisdiction>-<day>`, e.g. `eu-2026-11-22`; the Cron Trigger starts one per jurisdiction and day.',
        security,
        request: { params: z.object({ id: z.string().regex(/^(eu|row)-[A-Za-z0-9._-]{1,64}$/, '<eu|row>-<day>').openapi({ param: { name: 'id', in: 'path' }, example: 'eu-2026-11-22' }) }) },
        responses: { 200: json(BatchSchema, 'The batch so far'), ...commonErrors, ...notFoundError },
      }),
      async (c) => {
        requireScope(c, 'ops:read');
        const { id } = c.req.valid('param');
        const jurisdiction = id.startsWith('eu-') ? 'EU' : 'ROW';
        if (jurisdiction !== deps.region.jurisdiction) return peerAnswer(await forwardToJurisdiction(deps.peers, jurisdiction, deps.region.id, c.req.raw));
        const report = await deps.insights.batchReport(id);
        if (!report) throw new Problem(404, 'insights.batchNotFound', 'No such batch (or it has not started)');
        return c.json(report, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/v1/ops/costs',
        tags: ['operations'],
        summary: 'AI spend by day, model and region, cost per analysed customer, budgets (ops:read)',
        description: 'Totals are aggregates of every region (no customer data); the ledger lines behind them stay in each customer\'s jurisdiction. Default: the last 30 days.',
        security,
        request: { query: z.object({ from: Day.optional(), to: Day.optional() }).strict() },
        responses: { 200: json(CostsSchema, 'The spend'), ...commonErrors },
      }),
      async (c) => {
        requireScope(c, 'ops:read');
        const q = c.req.valid('query');
        const to = q.to ?? new Date(deps.now()).toISOString().slice(0, 10);
        const from = q.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
        const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000 + 1;
        if (days < 1 || days > MAX_REPORT_DAYS) throw new Problem(400, 'request.invalidRange', `from must be on or before to, at most ${MAX_REPORT_DAYS} days apart`);
        return c.json(await deps.insights.costReport(from, to), 200);
      },
    );
}
