import { z } from '@hono/zod-openapi';
import { Jurisdiction } from '../regions/region.schema.ts';

const Distinguishing = z.object({ feature: z.string(), unit: z.string(), value: z.number(), population: z.number(), z: z.number() });

export const SegmentSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    size: z.number().int(),
    share: z.number(),
    revenueShare: z.number(),
    centroid: z.record(z.string(), z.number()).openapi({ description: 'The centre in original units (days, spend, …)' }),
    distinguishing: z.array(Distinguishing),
    summary: z.string(),
    statisticalName: z.string().openapi({ description: 'The RFM-convention name from the data (the fallback)' }),
    nameSource: z.enum(['operator', 'model', 'statistical']).openapi({ description: "Where `name` comes from: an operator's rename, the model's proposal (checked against the data), or the statistical name" }),
    description: z.string().optional().openapi({ description: "Two sentences from the model or the operator; every number in the model's was checked against the segment's data" }),
  })
  .openapi('Segment');

export const SegmentIdParam = z.object({ segmentId: z.string().regex(/^seg_\d{1,6}$/).openapi({ param: { name: 'segmentId', in: 'path' }, example: 'seg_3' }) });

export const RenameBody = z
  .object({ name: z.string().trim().min(2).max(60), description: z.string().trim().min(1).max(400).optional() })
  .strict()
  .openapi('SegmentRename');

export const SegmentsSchema = z
  .object({ jurisdiction: Jurisdiction, runId: z.string(), createdAt: z.iso.datetime(), featureSetVersion: z.string(), segments: z.array(SegmentSchema) })
  .openapi('Segments');

export const CustomerSegmentSchema = z
  .object({
    customerId: z.string(),
    segment: z.object({ id: z.string(), name: z.string(), summary: z.string() }),
    distance: z.number().openapi({ description: 'Distance to the segment centre in standard deviations' }),
    previousSegmentId: z.string().optional(),
    runId: z.string(),
    assignedAt: z.iso.datetime(),
  })
  .openapi('CustomerSegment');

export const RunStatus = z.enum(['running', 'succeeded', 'failed', 'cancelled']);
export const RunPhase = z.enum(['loading', 'clustering', 'assigning', 'finished']);

export const RunSchema = z
  .object({
    id: z.string(),
    jurisdiction: Jurisdiction,
    status: RunStatus,
    progress: z.object({ done: z.number(), phase: RunPhase }).optional(),
    startedAt: z.iso.datetime(),
    finishedAt: z.iso.datetime().optional(),
    customers: z.number().int().optional(),
    k: z.number().int().optional(),
    candidates: z.array(z.object({ k: z.number().int(), silhouette: z.number(), inertia: z.number() })).optional(),
    agreement: z.number().optional().openapi({ description: 'Adjusted Rand index with the previous run' }),
    moves: z.array(z.object({ from: z.string(), to: z.string(), customers: z.number().int() })).optional(),
    featureSetVersion: z.string().optional(),
    aiReadings: z
      .object({
        share: z.number().openapi({ description: "Share of the run's customers with AI readings (a model's analysis, given with profiling consent)" }),
        used: z.boolean().openapi({ description: 'Whether the readings were features of this run (at least 20% of customers have them)' }),
      })
      .optional(),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
    jobId: z.string().optional().openapi({ description: 'The tracked job that runs it (`GET /v1/ops/jobs/{id}`: pages, failures, cancel); absent on runs made before jobs' }),
  })
  .openapi('SegmentRun');

/** A segment run's record: status, choice of k, agreement with the previous run and moves (counts). */
export type SegmentRun = z.infer<typeof RunSchema>;

export const JurisdictionQuery = z.object({ jurisdiction: Jurisdiction.optional() }).strict();

export const RUN_ID_PATTERN = /^[a-z0-9-]{3,64}$/;

export const RunBody = z
  .object({
    kMin: z.number().int().min(2).max(20).default(5),
    kMax: z.number().int().min(2).max(20).default(7),
    seed: z.number().int().min(0).max(2 ** 31).default(42),
    runId: z.string().regex(RUN_ID_PATTERN).optional().openapi({ description: 'Makes the run idempotent: a second request with the same id returns the first run' }),
  })
  .strict()
  .refine((b) => b.kMin <= b.kMax, { message: 'kMin must not exceed kMax', path: ['kMin'] })
  .openapi('SegmentRunRequest');
