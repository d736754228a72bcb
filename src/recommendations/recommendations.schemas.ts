import { z } from '@hono/zod-openapi';
import { Category, ProductId } from '../products/products.schemas.ts';
import { Jurisdiction } from '../regions/region.schema.ts';
import { REASONS } from './model/types.ts';

export const MAX_LIMIT = 50;
export const MAX_EXCLUDE = 50;

const Limit = z.coerce.number().int().min(1).max(MAX_LIMIT).default(10).openapi({ description: `Items to return, 1-${MAX_LIMIT}` });

/** `exclude=a,b,c`: product ids the storefront does not want shown (already in the cart, out of stock). */
const Exclude = z
  .string()
  .max(MAX_EXCLUDE * 130)
  .transform((s, ctx) => {
    const ids = s.split(',').map((x) => x.trim()).filter(Boolean);
    if (ids.length > MAX_EXCLUDE) ctx.addIssue({ code: 'custom', message: `at most ${MAX_EXCLUDE} product ids` });
    for (const id of ids) if (!ProductId.safeParse(id).success) ctx.addIssue({ code: 'custom', message: `"${id.slice(0, 40)}" is not a product id` });
    return new Set(ids);
  })
  .openapi({ type: 'string', description: `Comma-separated product ids to leave out (at most ${MAX_EXCLUDE})`, example: 'coffee-beans-1kg,oat-milk-6x1l' });

export const RecommendationsQuery = z
  .object({
    limit: Limit,
    context: z.enum(['home', 'cart', 'product']).default('home').openapi({ description: 'home: the personal list; cart: what goes with the product added, then what is due; product: like and bought with the product viewed' }),
    productId: ProductId.optional().openapi({ description: 'The product in view (required with context=product) or just added to the cart' }),
    category: Category.optional(),
    exclude: Exclude.optional(),
    maxPrice: z.coerce.number().positive().max(1e9).optional().openapi({ description: "Only products at most this price (in the catalog's currency); products without a price are left out" }),
  })
  .strict()
  .refine((q) => q.context !== 'product' || q.productId !== undefined, { message: 'context=product needs productId', path: ['productId'] });
export type RecommendationsQuery = z.infer<typeof RecommendationsQuery>;

const Item = z.object({
  productId: z.string(),
  rank: z.number().int(),
  score: z.number(),
  reason: z.enum(REASONS),
  evidence: z.string().openapi({ example: 'due in 2 days' }),
  category: z.string().optional(),
  price: z.number().optional(),
});

const Empty = z
  .object({ reason: z.enum(['catalog_empty', 'nothing_matches', 'no_aggregates_yet', 'no_candidates']) })
  .openapi({ description: 'Present when there are no items: why (the catalog is empty, the filters leave nothing, no aggregates were built yet, no source found any)' });

export const RecommendationsViewSchema = z
  .object({
    customerId: z.string(),
    algorithm: z.string().openapi({ example: 'replenish-blend-v1', description: 'The named, versioned algorithm that made the list' }),
    experiment: z
      .object({ experimentKey: z.string(), phase: z.number().int(), variationKey: z.string() })
      .optional()
      .openapi({ description: "The running 'recommendations' experiment whose variant chose the algorithm (absent: no experiment served this list)" }),
    personalised: z.boolean(),
    notPersonalised: z.enum(['profiling_objected', 'no_purchases']).optional().openapi({ description: 'Why the list uses nothing of the customer: they objected to profiling, or have no purchases yet' }),
    context: z.enum(['home', 'cart', 'product']),
    computedAt: z.iso.datetime().optional().openapi({ description: "When the customer's entry was computed (absent for a customer with none)" }),
    weights: z.enum(['inner_split', 'default']).openapi({ description: "inner_split: the ranker's weights were chosen on the jurisdiction's own purchases; default: no build yet" }),
    items: z.array(Item),
    empty: Empty.optional(),
  })
  .openapi('Recommendations');
export type RecommendationsView = z.infer<typeof RecommendationsViewSchema>;

export const ProductListQuery = z.object({ limit: Limit, jurisdiction: Jurisdiction.optional().openapi({ description: "Whose purchases the list comes from (their aggregates stay there); by default the serving deployment's" }) }).strict();
export const SimilarQuery = z.object({ limit: Limit }).strict();

const Related = z.object({ productId: z.string(), score: z.number(), evidence: z.string(), category: z.string().optional(), price: z.number().optional() });

export const SimilarViewSchema = z.object({ productId: z.string(), algorithm: z.string(), items: z.array(Related), empty: Empty.optional() }).openapi('SimilarProducts');
export const BoughtTogetherViewSchema = z
  .object({ productId: z.string(), jurisdiction: Jurisdiction, builtAt: z.iso.datetime().optional(), items: z.array(Related.extend({ customers: z.number().int().openapi({ description: 'Customers who bought both (at least 5)' }) })), empty: Empty.optional() })
  .openapi('BoughtTogether');

export const RebuildReportSchema = z
  .object({
    jurisdiction: Jurisdiction,
    buildId: z.string(),
    customers: z.number().int(),
    entries: z.number().int(),
    products: z.number().int(),
    productsWithNeighbours: z.number().int(),
    weights: z.record(z.string(), z.number()),
    weightsSource: z.enum(['inner_split', 'default']),
    innerNdcg: z.number().optional(),
    durationMs: z.number().openapi({ description: 'How long the fit took (the entry pages that follow are in the job)' }),
  })
  .openapi('RecommendationsRebuild');
export type RebuildReport = z.infer<typeof RebuildReportSchema>;
/** The rebuild endpoint's answer: the report and the tracked job it ran as. */
export const RebuildAnswerSchema = RebuildReportSchema.extend({ jobId: z.string(), status: z.string() }).openapi('RecommendationsRebuildJob');
