import { z } from '@hono/zod-openapi';
import { AnalysisAnswer } from './analysis.schema.ts';
import { FALLBACK_REASONS, type AnalysisJob } from './insights.model.ts';
import type { InsightRead } from './read.ts';

export const FallbackReason = z
  .enum(FALLBACK_REASONS)
  .openapi({ description: 'Why the answer is statistical rather than the model\'s (too_little_history: fewer than two purchase days, nothing a model could read beyond the figures)' });

export const InsightsSchema = z
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

export const JobSchema = z
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
        skipped: z.enum(['unchanged', 'customer_gone', 'no_purchases', 'objected']).optional(),
      })
      .optional(),
    error: z.string().optional(),
  })
  .openapi('Job');

export const BatchSchema = z
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
    inference: z
      .object({
        mode: z.enum(['batch', 'on_demand']).openapi({ description: 'One Bedrock batch inference job, or on demand (below the minimum record count)' }),
        status: z.string(),
        jobArn: z.string().optional(),
        records: z.number().int(),
        submittedAt: z.string(),
        answered: z.number().int().openapi({ description: 'Records answered and charged at batch prices' }),
        invalid: z.number().int().openapi({ description: 'Records whose answer did not validate (charged; the customer gets an on-demand job)' }),
        onDemand: z.number().int().openapi({ description: 'Jobs sent on demand: a failed, unfinished or errored record, or the whole batch below the minimum' }),
        costUsd: z.number(),
        finishedAt: z.string().optional(),
      })
      .optional()
      .openapi({ description: 'How the batch was bought, when batch inference is configured' }),
  })
  .openapi('InsightsBatch');

const Totals = z.object({ calls: z.number().int(), inputTokens: z.number().int(), outputTokens: z.number().int(), costUsd: z.number(), analyses: z.number().int() });
const Budget = z.object({ dailyUsd: z.number(), spentTodayUsd: z.number(), monthlyUsd: z.number(), spentThisMonthUsd: z.number() });
export const CostsSchema = z
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

export const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD').refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'a calendar day');
export const MAX_REPORT_DAYS = 92;

/** The served analysis; a customer's own token gets it without the household and socioeconomic readings. */
export function insightView(read: InsightRead, asCustomer: boolean) {
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

/** A job as served (the lease is internal). */
export const jobView = (j: AnalysisJob) => {
  const { leaseUntil: _, ...rest } = j;
  return rest;
};

