import { z } from '@hono/zod-openapi';

const Day = z.string().openapi({ example: '2026-12-01', description: 'A calendar day (UTC), YYYY-MM-DD' });
const Range = z.object({ from: Day, to: Day }).openapi({ description: '80% range: 1 in 10 purchases come earlier, 1 in 10 later.' });
const Status = z.enum(['not_due', 'due_soon', 'due', 'overdue', 'lapsed']).openapi({
  description:
    'What the cadence says, each a promise the backtests measure (docs/predictions.md): due — a purchase within 14 days is more likely than not, by the chance of the model calibrated on the recent history of the shop (and the next date is within them); due_soon — the same within 30 days; overdue — a churn warning: quieter than 9 in 10 of the usual intervals, less likely than the average to buy within 90 days (not "about to buy"); lapsed — has probably stopped, a purchase within 90 days is unlikely; not_due — none of these.',
});
const Confidence = z.enum(['low', 'medium', 'high']);
const Flags = z
  .array(z.enum(['wholesale', 'bulk', 'burst', 'short_history', 'test_account', 'irregular_data']))
  .default([])
  .openapi({
    description:
      'Data-quality flags: wholesale (line quantities beyond 99 in 100 of the population), bulk (a one-off purchase ten times the usual and beyond the product\'s 99th percentile), burst (half the purchase days within one week), short_history, test_account, irregular_data (same-day copies of lines under other order ids). Any but short_history widens the range and keeps the history out of the population fits.',
  });

const Cadence = z.object({
  status: Status,
  purchases: z.number().int().openapi({ description: 'Distinct purchase days' }),
  lastPurchase: Day,
  typicalIntervalDays: z.number().openapi({ description: 'Median days between purchases of one unit, pooled with how everybody buys it' }),
  irregularity: z.number().openapi({ description: 'Coefficient of variation of the intervals; lower is more regular' }),
  nextPurchaseDate: Day,
  range: Range,
  probabilityActive: z.number().openapi({ description: 'Probability the customer still buys this at all' }),
  confidence: Confidence,
  flags: Flags,
});

export const ProductPredictionSchema = Cadence.extend({
  productId: z.string(),
  category: z.string().optional(),
  inCatalog: z.boolean().default(true).openapi({ description: "false: the shop's catalog does not know the product; it is predicted without a category, at the population's generic pace" }),
  expectedPurchases90: z.number().openapi({ description: 'Expected purchase days of this product in the next 90 days (BG/NBD on customer-product pairs)' }),
}).openapi('ProductPrediction');
export const CategoryPredictionSchema = Cadence.extend({ category: z.string() }).openapi('CategoryPrediction');

export const PredictionDataSchema = z
  .object({
    firstPurchase: Day,
    lastPurchase: Day,
    purchaseDays: z.number().int(),
    purchaseLines: z.number().int(),
    currency: z.string().openapi({ description: 'The currency most of the lines are in (ISO 4217; XXX when none was given). totalSpend and every expected spend are in it: amounts of different currencies are never added.' }),
    totalSpend: z.number().openapi({ description: 'Spend in `currency` (lines in other currencies are in spendByCurrency only)' }),
    spendByCurrency: z.record(z.string(), z.number()).openapi({ description: 'Spend per currency the customer paid in' }),
  })
  .openapi({ description: 'The history the predictions were computed from' });

export const PredictionsViewSchema = z
  .object({
    customerId: z.string(),
    computedAt: z.iso.datetime(),
    modelVersion: z.string(),
    population: z.object({
      source: z.enum(['fitted', 'default']).openapi({ description: 'default: no population fit yet for this jurisdiction' }),
      fittedAt: z.iso.datetime().optional(),
      customers: z.number().int(),
    }),
    data: PredictionDataSchema,
    customer: z.object({
      probabilityAlive: z.number(),
      expectedPurchases30: z.number(),
      expectedPurchases90: z.number(),
      probabilityOfPurchase30: z.number(),
      probabilityOfPurchase90: z.number(),
      nextPurchaseDate: Day,
      nextPurchaseRange: Range,
      typicalIntervalDays: z.number(),
      expectedSpendPerPurchase: z.number().optional().openapi({ description: 'In data.currency; absent when that currency has too few repeat customers to fit' }),
      expectedSpend90: z.number().optional().openapi({ description: 'In data.currency' }),
      churnRisk: z.enum(['low', 'medium', 'high']),
      churnEvidence: z.array(z.string()),
      flags: Flags,
    }),
    products: z.array(ProductPredictionSchema).openapi({ description: 'Most urgent first (overdue, due, due soon, not due, lapsed)' }),
    productsOmitted: z.number().int().openapi({ description: 'Less urgent products left out beyond the first 150' }),
    categories: z.array(CategoryPredictionSchema),
  })
  .openapi('Predictions');

export type PredictionsView = z.infer<typeof PredictionsViewSchema>;
