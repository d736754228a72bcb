import { z } from 'zod';

/** EU: personal data stays in EU regions. ROW: the rest of the world. */
export const Jurisdiction = z.enum(['EU', 'ROW']);
export type Jurisdiction = z.infer<typeof Jurisdiction>;

const tableName = z.string().regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'a DynamoDB table name');
/**
 * A table of personal data: it holds one jurisdiction's customers only, every item is reachable from the
 * customer id, and some repository exports and erases it (a test holds every such table to that).
 */
const personalTable = tableName.meta({ personal: true, scope: 'jurisdiction' });
/**
 * A table of one jurisdiction that holds no personal data by design (keyed hashes and counts only: the
 * privacy requests' audit and the suppression list). It stays in the jurisdiction, and is not erased with
 * a customer: suppression must outlive the erasure.
 */
const jurisdictionTable = tableName.meta({ scope: 'jurisdiction' });

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
        /** Privacy requests (audit) and the erasure suppression list: keyed hashes, no personal data. */
        privacy: jurisdictionTable,
        /** Tracked jobs (refit, rebuilds, batches): status, page counts, failures by page; no personal data. */
        jobs: jurisdictionTable,
        /** Experiment exposures and the purchase lines attributed to them, keyed by the customer (personal). */
        exposures: personalTable,
        /** Streaming: the events outbox, consumed-event markers, live aggregates and shard checkpoints (personal). */
        events: personalTable,
        catalog: tableName,
        apiKeys: tableName,
        /** Population models, segment definitions and segment runs per jurisdiction: aggregates, not personal data. */
        models: tableName,
        /** Experiment definitions (variations, weights, status, phases): not personal, replicated everywhere. */
        experiments: tableName,
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
    /**
     * How long personal data is kept (DynamoDB TTL on `expiresAt`, filtered on read because TTL deletes
     * lazily): purchase lines after the purchase; what is derived from them (predictions, segment
     * assignments, analyses) after the customer's last activity.
     */
    retention: z
      .object({ purchasesDays: z.number().int().positive().default(3 * 365), inactiveDerivedDays: z.number().int().positive().default(2 * 365) })
      .strict()
      .default({ purchasesDays: 3 * 365, inactiveDerivedDays: 2 * 365 }),
    /**
     * The jurisdiction's Kinesis data stream, in its home AWS region (every region of the jurisdiction
     * publishes there; the region set checks that it never crosses the border).
     */
    stream: z.object({ name: z.string().regex(/^[a-zA-Z0-9_.-]{1,128}$/), awsRegion: z.string().regex(/^[a-z]{2}-[a-z]+-\d$/) }).strict(),
    /** Other regions of the same jurisdiction, in the order they take over when this one is down. */
    failover: z.array(z.string()),
    /** Smart Placement hint: run the Worker next to this AWS region. */
    placement: z.string().regex(/^aws:[a-z]{2}-[a-z]+-\d$/),
  })
  .strict();

export type Region = z.infer<typeof RegionSchema>;
export type TableKind = keyof Region['tables'];

const tableMeta = (schema: z.ZodType) => (schema.meta() ?? {}) as { personal?: boolean; scope?: 'jurisdiction' };
const kindsWhere = (test: (meta: ReturnType<typeof tableMeta>) => boolean): readonly TableKind[] =>
  Object.entries(RegionSchema.shape.tables.shape)
    .filter(([, schema]) => test(tableMeta(schema)))
    .map(([kind]) => kind as TableKind);

/** The tables the region schema marks personal, in the order it lists them. */
export const PERSONAL_TABLE_KINDS = kindsWhere((m) => m.personal === true);
/** Every table of one jurisdiction (personal or not): never shared between jurisdictions. */
export const JURISDICTION_TABLE_KINDS = kindsWhere((m) => m.scope === 'jurisdiction');
/** The rest: global tables replicated to every region, holding nothing personal. */
export const GLOBAL_TABLE_KINDS = kindsWhere((m) => m.scope !== 'jurisdiction');

export function defineRegion(input: z.input<typeof RegionSchema>): Region {
  return RegionSchema.parse(input);
}
