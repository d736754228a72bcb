import { z } from '@hono/zod-openapi';
import { Jurisdiction } from '../regions/region.schema.ts';

export const Day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'a calendar day');

export const AccuracyQuery = z
  .object({
    jurisdiction: Jurisdiction.optional(),
    from: Day.optional().openapi({ description: 'First snapshot day (default: 12 weeks before `to`)', example: '2026-11-01' }),
    to: Day.optional().openapi({ description: 'Last snapshot day (default: today)', example: '2026-11-30' }),
  })
  .strict();

const n = z.number().optional();

export const AccuracyWeekSchema = z.object({
  week: z.string().openapi({ example: '2026-W48', description: 'ISO week of the snapshot days' }),
  modelVersion: z.string(),
  snapshots: z.number().int().openapi({ description: 'Snapshot days in the week' }),
  settled: z.boolean().openapi({ description: 'Every snapshot of the week is past its 90-day horizon: the figures are final' }),
  customers: z.number().int().openapi({ description: 'Customer-days snapshotted' }),
  nextDate: z.object({ scored: z.number().int(), noPurchase: z.number().int(), maeDays: n, coverage80: n }).openapi({ description: 'Next purchase date against the first purchase within 90 days' }),
  buysWithin30: z.object({ scored: z.number().int(), baseRate: n, auc: n, brier: n }),
  counts30: z.object({ scored: z.number().int(), mae: n, predictedMean: n, actualMean: n }),
});

export const AccuracyReportSchema = z
  .object({
    jurisdiction: Jurisdiction,
    from: z.string(),
    to: z.string(),
    generatedAt: z.iso.datetime(),
    weeks: z.array(AccuracyWeekSchema),
  })
  .openapi('AccuracyReport');
