import { z } from 'zod';

/** EU: personal data stays in EU regions. ROW: the rest of the world. */
export const Jurisdiction = z.enum(['EU', 'ROW']);
export type Jurisdiction = z.infer<typeof Jurisdiction>;

const tableName = z.string().regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'a DynamoDB table name');
/**
 * A table of personal data: it holds one jurisdiction's customers only, every item is reachable from the
 * customer id, and some repository exports and erases it (a test holds every such table to that).
 */
const personalTable = tableName.meta({ personal: true });

export const RegionSchema = z
  .object({
    /** Deployment id; also the wrangler environment name and the Worker name suffix. */
    id: z.string().regex(/^[a-z]{2}-[a-z]+-\d$/),
    jurisdiction: Jurisdiction,
    /** The jurisdiction's home region takes its traffic first; the others are failover. */
    home: z.boolean(),
    awsRegion: z.string().regex(/^[a-z]{2}-[a-z]+-\d$/),
    /** Personal tables hold this jurisdiction's customers only; global tables hold non-personal data. */
    tables: z
      .object({
        customers: personalTable,
        purchases: personalTable,
        predictions: personalTable,
        /** Each customer's segment assignment (personal). */
        segments: personalTable,
        /** AI analyses, analysis jobs and cost-ledger lines, each keyed by the customer they concern (personal). */
        insights: personalTable,
        /**
         * Each customer's precomputed recommendations (personal), and the jurisdiction's aggregates computed from
         * its purchases (co-purchases, segment favourites, best sellers) under `agg#` partitions of no customer.
         */
        recommendations: personalTable,
        catalog: tableName,
        apiKeys: tableName,
        /** Population models, segment definitions and segment runs per jurisdiction: aggregates, not personal data. */
        models: tableName,
      })
      .strict(),
    bedrock: z
      .object({
        region: z.string().regex(/^[a-z]{2}-[a-z]+-\d$/),
        /** Model or inference-profile id; it needs a row in src/insights/pricing.ts. */
        modelId: z.string().min(1),
        /** The account's quotas in this region: calls are paced under them. */
        requestsPerMinute: z.number().int().positive().default(50),
        tokensPerMinute: z.number().int().positive().default(100_000),
        /** This region's share of the spend, US dollars; the global budgets apply on top. */
        dailyBudgetUsd: z.number().nonnegative().default(20),
        monthlyBudgetUsd: z.number().nonnegative().default(400),
      })
      .strict(),
    /** Other regions of the same jurisdiction, in the order they take over when this one is down. */
    failover: z.array(z.string()),
    /** Smart Placement hint: run the Worker next to this AWS region. */
    placement: z.string().regex(/^aws:[a-z]{2}-[a-z]+-\d$/),
  })
  .strict();

export type Region = z.infer<typeof RegionSchema>;
export type TableKind = keyof Region['tables'];

/** The tables the region schema marks personal, in the order it lists them. */
export const PERSONAL_TABLE_KINDS: readonly TableKind[] = Object.entries(RegionSchema.shape.tables.shape)
  .filter(([, schema]) => (schema.meta() as { personal?: boolean } | undefined)?.personal === true)
  .map(([kind]) => kind as TableKind);

export function defineRegion(input: z.input<typeof RegionSchema>): Region {
  return RegionSchema.parse(input);
}
