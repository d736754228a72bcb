import { z } from '@hono/zod-openapi';
import { Country } from '../customers/customers.schemas.ts';
import { Jurisdiction } from '../regions/region.schema.ts';
import { Currency } from '../shared/money.ts';
import { FreeText } from '../shared/text.ts';

/** Experiment keys are URL- and GrowthBook-friendly; no `#` (the store's separator) and no dots. */
export const EXPERIMENT_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{2,63}$/;
const ExperimentKey = z.string().regex(EXPERIMENT_KEY_PATTERN, '3-64 letters, digits, - or _, starting with a letter or digit').openapi({ example: 'reco-algorithm' });
export const ExperimentKeyParam = z.object({ key: ExperimentKey.openapi({ param: { name: 'key', in: 'path' } }) });
const VariationKey = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, '1-64 letters, digits, - or _');
// The body is JSON already, so any value is a JSON value (a recursive z.json() breaks the OpenAPI generator).
const JsonValue = z.unknown().openapi({ description: 'Any JSON value the storefront renders (for a recommendations experiment, `{ "algorithm": "…" }`)' });

export const MAX_WINDOW_DAYS = 90;
export const DEFAULT_WINDOW_DAYS = 14;

export const MetricType = z.enum(['conversion', 'orders', 'revenue']).openapi({
  description: '`conversion`: the unit ordered at least once in the window; `orders`: orders per unit; `revenue`: spend per unit in the experiment\'s `currency`',
});
export const MetricInput = z
  .object({
    key: VariationKey,
    type: MetricType,
    name: FreeText(100).optional(),
    windowDays: z.number().int().min(1).max(MAX_WINDOW_DAYS).default(DEFAULT_WINDOW_DAYS).openapi({ description: 'Purchases count from the first exposure to this many days after it' }),
  })
  .strict();

export const Surface = z.enum(['recommendations']).openapi({ description: 'A part of the storefront Cadence serves itself; at most one running experiment per surface' });

export const ExperimentBody = z
  .object({
    name: FreeText(200),
    hypothesis: FreeText(2000).optional(),
    variations: z.array(z.object({ key: VariationKey, name: FreeText(100).optional(), value: JsonValue.optional() }).strict()).min(2).max(10),
    weights: z.array(z.number().min(0).max(1)).optional().openapi({ description: 'One per variation, summing to 1; equal by default' }),
    coverage: z.number().min(0).max(1).default(1).openapi({ description: 'Share of eligible units in the experiment' }),
    seed: z.string().min(1).max(128).regex(/^[\x20-\x7e]+$/, 'printable ASCII').optional().openapi({ description: 'Hash seed; the key by default' }),
    namespace: z
      .object({ id: VariationKey, range: z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]).refine(([a, b]) => a < b, 'start must be below end') })
      .strict()
      .optional()
      .openapi({ description: 'Experiments in one namespace with disjoint ranges never share a unit' }),
    status: z.enum(['draft', 'running', 'stopped']),
    targeting: z
      .object({ jurisdictions: z.array(Jurisdiction).min(1).optional(), countries: z.array(Country).min(1).max(250).optional(), segmentIds: z.array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/)).min(1).max(50).optional() })
      .strict()
      .optional(),
    metrics: z.array(MetricInput).min(1).max(10).optional(),
    primaryMetric: VariationKey.optional(),
    currency: Currency.optional().openapi({ description: 'Reporting currency of revenue metrics; lines in other currencies are not converted and do not count as revenue' }),
    surface: Surface.optional(),
    forcedVariations: z
      .record(z.string().min(1).max(160), VariationKey)
      .optional()
      .openapi({ description: 'QA: unit id (customer id, or device id) → variation key. Forced lookups are not exposures.' }),
    phase: z.number().int().min(1).optional().openapi({ description: 'Send the current phase + 1 to change variations, weights, seed, coverage or namespace once the experiment has run' }),
  })
  .strict()
  .openapi('ExperimentInput');
export type ExperimentInput = z.infer<typeof ExperimentBody>;

const Metric = MetricInput.extend({ windowDays: z.number().int() });
const PhaseRecord = z.object({
  phase: z.number().int(),
  variations: z.array(z.object({ key: z.string(), name: z.string().optional() })),
  weights: z.array(z.number()),
  coverage: z.number(),
  startedAt: z.iso.datetime().optional(),
});

export const ExperimentSchema = z
  .object({
    key: z.string(),
    name: z.string(),
    hypothesis: z.string().optional(),
    variations: z.array(z.object({ key: z.string(), name: z.string().optional(), value: JsonValue.optional() })),
    weights: z.array(z.number()),
    coverage: z.number(),
    seed: z.string(),
    hashAttribute: z.literal('id'),
    hashVersion: z.literal(2),
    namespace: z.object({ id: z.string(), range: z.tuple([z.number(), z.number()]) }).optional(),
    status: z.enum(['draft', 'running', 'stopped']),
    targeting: z.object({ jurisdictions: z.array(Jurisdiction).optional(), countries: z.array(z.string()).optional(), segmentIds: z.array(z.string()).optional() }).optional(),
    metrics: z.array(Metric),
    primaryMetric: z.string(),
    currency: z.string().optional(),
    surface: Surface.optional(),
    forcedVariations: z.record(z.string(), z.string()).optional(),
    phase: z.number().int(),
    phases: z.array(PhaseRecord),
    version: z.number().int(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi('Experiment');
export type Experiment = z.infer<typeof ExperimentSchema>;
export type MetricSpec = z.infer<typeof Metric>;

export const ExperimentListSchema = z.object({ items: z.array(ExperimentSchema) }).openapi('Experiments');

/** A lookup's answer: GrowthBook's `Result` field names, plus the experiment and its phase. */
export const AssignmentSchema = z
  .object({
    experimentKey: z.string(),
    phase: z.number().int(),
    inExperiment: z.boolean(),
    variationId: z.number().int().openapi({ description: 'The variation index (0 = control); 0 when not in the experiment' }),
    key: z.string().openapi({ description: 'The variation key' }),
    name: z.string().optional(),
    value: z.unknown(),
    hashAttribute: z.enum(['id', 'deviceId']),
    hashValue: z.string(),
    hashUsed: z.boolean().openapi({ description: 'False for a forced (QA) variation: such lookups are not exposures' }),
    bucket: z.number().optional(),
  })
  .openapi('ExperimentAssignment');
export type AssignmentView = z.infer<typeof AssignmentSchema>;

export const CustomerAssignmentsSchema = z.object({ customerId: z.string(), experiments: z.array(AssignmentSchema) }).openapi('CustomerExperiments');

export const LookupQuery = z
  .object({
    unit: z.string().regex(/^device:[\x21-\x7e]{1,128}$/, 'device:<id>').optional().openapi({ description: 'Bucket by a device id (an anonymous visitor) instead of the customer id' }),
    expose: z.enum(['true', 'false']).default('true').openapi({ description: '`false` looks without recording an exposure' }),
  })
  .strict();

export const Engine = z.enum(['frequentist', 'bayesian', 'sequential']);
export const ResultsQuery = z.object({ engine: Engine.default('bayesian'), phase: z.coerce.number().int().min(1).optional() }).strict();
export const StatsQuery = z.object({ jurisdiction: Jurisdiction.optional(), phase: z.coerce.number().int().min(1).optional() }).strict();

const Sums = z.object({ n: z.number().int().nonnegative(), sum: z.number(), sumSquares: z.number().nonnegative() });
/** One jurisdiction's sufficient statistics of one phase: the only experiment data that crosses a border. */
export const JurisdictionStatsSchema = z
  .object({
    experimentKey: z.string(),
    phase: z.number().int(),
    jurisdiction: Jurisdiction,
    variations: z.array(z.object({ units: z.number().int().nonnegative(), metrics: z.record(z.string(), Sums) })),
    multipleExposures: z.number().int().nonnegative(),
    otherCurrencyLines: z.number().int().nonnegative(),
  })
  .openapi('ExperimentJurisdictionStats');
export type JurisdictionStats = z.infer<typeof JurisdictionStatsSchema>;

const Inference = z.object({
  estimate: z.number(),
  ci: z.tuple([z.number(), z.number()]),
  pValue: z.number().optional(),
  pValueAdjusted: z.number().optional().openapi({ description: 'Holm-adjusted across the variations (more than two variations)' }),
  chanceToWin: z.number().optional(),
  risk: z.number().optional().openapi({ description: 'Expected loss of shipping the variation, in the lift\'s units' }),
  riskOfControl: z.number().optional(),
});
const MetricResult = z.object({
  type: MetricType,
  windowDays: z.number().int(),
  units: z.number().int(),
  mean: z.number(),
  sd: z.number(),
  total: z.number(),
  relativeLift: Inference.optional(),
  absoluteLift: Inference.optional(),
  note: z.string().optional(),
});
export const ResultsSchema = z
  .object({
    experimentKey: z.string(),
    phase: z.number().int(),
    engine: Engine,
    primaryMetric: z.string(),
    currency: z.string().optional(),
    jurisdictions: z.array(Jurisdiction),
    variations: z.array(
      z.object({
        variationId: z.number().int(),
        key: z.string(),
        name: z.string().optional(),
        units: z.number().int(),
        conversions: z.number().int().optional(),
        conversionRate: z.number().optional(),
        revenuePerUnit: z.object({ mean: z.number(), sd: z.number() }).optional(),
        metrics: z.record(z.string(), MetricResult),
      }),
    ),
    srm: z.object({ pValue: z.number(), flagged: z.boolean() }),
    multipleExposures: z.number().int().openapi({ description: 'Units seen in more than one variation: counted here, excluded from every figure' }),
    otherCurrencyLines: z.number().int().openapi({ description: 'Attributed purchase lines in another currency than `currency`: not converted, not revenue' }),
  })
  .openapi('ExperimentResults');
export type Results = z.infer<typeof ResultsSchema>;
export type MetricResultView = z.infer<typeof MetricResult>;
export type InferenceView = z.infer<typeof Inference>;
