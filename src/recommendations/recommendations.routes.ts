import type { JobService } from '../jobs/jobs.service.ts';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { TypedResponse } from 'hono';
import { CustomerIdParam } from '../customers/customers.schemas.ts';
import { allow } from '../http/auth.ts';
import type { AppEnv } from '../http/context.ts';
import { commonErrors, json, notFoundError, security } from '../http/openapi.ts';
import { validationHook } from '../http/validation.ts';
import { ProductId } from '../products/products.schemas.ts';
import { Jurisdiction } from '../regions/region.schema.ts';
import { matchesEtag } from '../shared/etag.ts';
import { cacheHeaders } from '../shared/read-through.ts';
import type { ViewCache } from '../storefront/view-cache.ts';
import { BoughtTogetherViewSchema, ProductListQuery, RebuildAnswerSchema, RecommendationsQuery, RecommendationsViewSchema, SimilarQuery, SimilarViewSchema, type RebuildReport, type RecommendationsView } from './recommendations.schemas.ts';
import type { RecommendationService } from './recommendations.service.ts';

export interface RecommendationRoutesDeps {
  recommendations: RecommendationService;
  /** Runs the population job here, tracked (decision 118). */
  jobs: Pick<JobService, 'run'>;
  views: ViewCache;
  now: () => number;
}

const encoder = new TextEncoder();

/** The request's query as it came (the fast path keys a recommendations view by it: one variant per query). */
const rawQuery = (url: string) => {
  const q = url.indexOf('?');
  return q < 0 ? '' : url.slice(q + 1);
};

const ProductParam = z.object({ id: ProductId.openapi({ param: { name: 'id', in: 'path' } }) });

const forCustomer = createRoute({
  method: 'get',
  path: '/v1/customers/{id}/recommendations',
  tags: ['recommendations'],
  summary: "A customer's recommendations, each with its reason and evidence (served from cache)",
  description:
    'Computed when purchases arrive and by the daily rebuild; a read is a cache lookup. Never a product just bought (within its interval and not due), a durable already owned, or one missing from the catalog. A customer who objected to profiling gets non-personal items (`personalised: false`, `notPersonalised: "profiling_objected"`). `algorithm` names the algorithm that served (an experiment may choose it: `experiment`). Send If-None-Match with the ETag to get 304; `Age` says how old the entry is. A warm read of the same query is answered by the storefront fast path from its serialized bytes.',
  security,
  middleware: [allow.scopeOrSelf('recommendations:read')] as const,
  request: { params: CustomerIdParam, query: RecommendationsQuery },
  responses: { 200: json(RecommendationsViewSchema, 'The recommendations'), 304: { description: 'Not modified' }, ...commonErrors, ...notFoundError },
});

const similar = createRoute({
  method: 'get',
  path: '/v1/products/{id}/similar',
  tags: ['recommendations'],
  summary: 'Catalog products like this one: category, name, price band, pack (non-personal)',
  security,
  middleware: [allow.scopeOrCustomer('recommendations:read')] as const,
  request: { params: ProductParam, query: SimilarQuery },
  responses: { 200: json(SimilarViewSchema, 'Similar products'), ...commonErrors, ...notFoundError },
});

const boughtTogether = createRoute({
  method: 'get',
  path: '/v1/products/{id}/bought-together',
  tags: ['recommendations'],
  summary: "What a jurisdiction's customers buy with this product (aggregates of five customers or more; non-personal)",
  description: "`?jurisdiction=EU` names whose purchases: the request is served where those aggregates live. Without it, the serving deployment's jurisdiction (the answer says which).",
  security,
  middleware: [allow.scopeOrCustomer('recommendations:read')] as const,
  request: { params: ProductParam, query: ProductListQuery },
  responses: { 200: json(BoughtTogetherViewSchema, 'Bought together'), ...commonErrors, ...notFoundError },
});

const rebuild = createRoute({
  method: 'post',
  path: '/v1/ops/recommendations/rebuild',
  tags: ['operations'],
  summary: "Rebuild a jurisdiction's recommendation aggregates and weights, and recompute every entry (admin)",
  description: "The daily Cron Trigger does this in each jurisdiction's home region after the segment run; this runs it now, in the jurisdiction whose purchases it reads.",
  security,
  middleware: [allow.scope('admin')] as const,
  request: { query: z.object({ jurisdiction: Jurisdiction.optional() }).strict() },
  responses: { 200: json(RebuildAnswerSchema, 'What was rebuilt'), ...commonErrors },
});

// A `?jurisdiction=` naming another jurisdiction was sent there by the residency guard: these serve their own.
export function recommendationRoutes(deps: RecommendationRoutesDeps) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(forCustomer, async (c) => {
      const { id } = c.req.valid('param');
      const generation = deps.views.mark();
      const served = await deps.recommendations.serve(id, c.req.valid('query'));
      // The fast path serves this isolate's next reads of the same query from these bytes (not a stale answer).
      if (!served.stale) deps.views.put(id, 'recommendations', rawQuery(c.req.url), { body: encoder.encode(served.body), etag: served.etag, computedAt: deps.now() - served.ageSeconds * 1000 }, generation);
      const headers = { etag: served.etag, ...cacheHeaders(served) };
      if (matchesEtag(c.req.header('if-none-match'), served.etag)) return c.body(null, 304, headers);
      // The answer was rendered once for this entry and these parameters: its bytes are sent as they are.
      return c.body(served.body, 200, { ...headers, 'content-type': 'application/json' }) as unknown as Response & TypedResponse<RecommendationsView, 200, 'json'>;
    })
    .openapi(similar, async (c) => c.json(await deps.recommendations.similar(c.req.valid('param').id, c.req.valid('query').limit), 200))
    .openapi(boughtTogether, async (c) => c.json(await deps.recommendations.boughtTogether(c.req.valid('param').id, c.req.valid('query').limit), 200))
    .openapi(rebuild, async (c) => {
      // The fit, then every customer's entries page by page, here; tracked as a job like the daily one.
      const job = await deps.jobs.run('recommendations.rebuild');
      return c.json({ ...(job.result as Omit<RebuildReport, 'entries'>), entries: job.items.done, jobId: job.id, status: job.status }, 200);
    });
}
