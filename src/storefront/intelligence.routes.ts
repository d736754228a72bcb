import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { CustomerIdParam } from '../customers/customers.schemas.ts';
import { allow } from '../http/auth.ts';
import type { AppEnv } from '../http/context.ts';
import { jsonBytes } from '../http/json-bytes.ts';
import { commonErrors, json, notFoundError, security } from '../http/openapi.ts';
import { validationHook } from '../http/validation.ts';
import { AssignmentSchema } from '../experiments/experiments.schemas.ts';
import { InsightsSchema } from '../insights/insights.schemas.ts';
import { PredictionsViewSchema } from '../predictions/predictions.schemas.ts';
import { RecommendationsViewSchema } from '../recommendations/recommendations.schemas.ts';
import { CustomerSegmentSchema } from '../segments/segments.schemas.ts';
import { etagOf, matchesEtag } from '../shared/etag.ts';
import { variantFor } from './fast-path.ts';
import type { IntelligenceService } from './intelligence.service.ts';
import type { ViewCache } from './view-cache.ts';

export interface IntelligenceRoutesDeps {
  intelligence: IntelligenceService;
  views: ViewCache;
}

const part = <T extends z.ZodType>(data: T) =>
  z.union([
    z.object({ ageSeconds: z.number().int(), stale: z.boolean(), data }),
    z.object({ unavailable: z.string().openapi({ description: 'The problem code a read of this part alone answers (e.g. predictions.notFound, privacy.profilingObjected)' }) }),
  ]);

const IntelligenceSchema = z
  .object({
    customerId: z.string(),
    generatedAt: z.iso.datetime(),
    profile: z.object({
      residency: z.enum(['EU', 'ROW']),
      country: z.string().optional(),
      displayName: z.string().optional(),
      consents: z.object({ profiling: z.boolean(), marketing: z.boolean() }),
      profilingObjected: z.boolean().optional(),
      customerSince: z.iso.datetime(),
    }).openapi({ description: 'A summary of the profile, without contact data' }),
    predictions: part(PredictionsViewSchema),
    segment: part(CustomerSegmentSchema),
    analysis: part(InsightsSchema),
    experiments: part(z.array(AssignmentSchema)).openapi({ description: "The customer's variation in every running experiment, looked at without recording an exposure (the lookup records it when the page shows the variant)" }),
    recommendations: part(RecommendationsViewSchema).openapi({ description: 'The home list (10 items) as GET /v1/customers/:id/recommendations answers it; a recommendations experiment\'s variant is looked at without recording an exposure' }),
  })
  .openapi('CustomerIntelligence');

const getIntelligence = createRoute({
  method: 'get',
  path: '/v1/customers/{id}/intelligence',
  tags: ['storefront'],
  summary: "Everything Cadence knows about a customer in one answer: profile summary, predictions, analysis, segment, running experiment variations, recommendations, each with its age",
  description: "The customer's own token may read it (the analysis without the household and socioeconomic readings). Served from this isolate's cache of serialized answers on a warm path, with ETag/304.",
  security,
  middleware: [allow.scopeOrSelf('customers:read')] as const,
  request: { params: CustomerIdParam },
  responses: { 200: json(IntelligenceSchema, 'The view'), 304: { description: 'Not modified' }, ...commonErrors, ...notFoundError },
});

const encoder = new TextEncoder();

export function intelligenceRoutes(deps: IntelligenceRoutesDeps) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(getIntelligence, async (c) => {
    const { id } = c.req.valid('param');
    const asCustomer = c.var.principal.kind === 'customer';
    const generation = deps.views.mark();
    const view = await deps.intelligence.view(id, asCustomer);
    const body = JSON.stringify(view);
    const etag = await etagOf(body);
    const stale = [view.predictions, view.segment, view.analysis, view.experiments, view.recommendations].some((p) => 'stale' in p && p.stale);
    if (!stale) deps.views.put(id, 'intelligence', variantFor('intelligence', asCustomer), { body: encoder.encode(body), etag }, generation);
    const headers = { etag, 'cache-control': 'private, max-age=60', age: '0' };
    if (matchesEtag(c.req.header('if-none-match'), etag)) return c.body(null, 304, headers);
    return jsonBytes<z.infer<typeof IntelligenceSchema>, 200>(c, body, 200, headers);
  });
}
