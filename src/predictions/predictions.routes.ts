import type { JobService } from '../jobs/jobs.service.ts';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { CustomerIdParam } from '../customers/customers.schemas.ts';
import { allow } from '../http/auth.ts';
import type { AppEnv } from '../http/context.ts';
import { commonErrors, json, notFoundError, security } from '../http/openapi.ts';
import { validationHook } from '../http/validation.ts';
import { Jurisdiction } from '../regions/region.schema.ts';
import { matchesEtag } from '../shared/etag.ts';
import { cacheHeaders } from '../shared/read-through.ts';
import { jsonBytes } from '../http/json-bytes.ts';
import type { ViewCache } from '../storefront/view-cache.ts';
import { PredictionsViewSchema, type PredictionsView } from './predictions.schemas.ts';
import type { PredictionService } from './predictions.service.ts';

export interface PredictionRoutesDeps {
  predictions: PredictionService;
  /** Runs the population job here, tracked (decision 118). */
  jobs: Pick<JobService, 'run'>;
  views: ViewCache;
  now: () => number;
}

const encoder = new TextEncoder();

const getPredictions = createRoute({
  method: 'get',
  path: '/v1/customers/{id}/predictions',
  tags: ['predictions'],
  summary: "A customer's buying cadence: model figures and products by urgency (served from cache)",
  description:
    'Computed when purchases arrive and refreshed by the daily refit; a read is a cache lookup. Send If-None-Match with the ETag to get 304 when nothing changed. `Age` says how long the answer has been cached; `computedAt` when it was computed.',
  security,
  middleware: [allow.scopeOrSelf('predictions:read')] as const,
  request: { params: CustomerIdParam },
  responses: {
    200: json(PredictionsViewSchema, 'The predictions'),
    304: { description: 'Not modified' },
    ...commonErrors,
    ...notFoundError,
  },
});

const RefitReport = z
  .object({
    jurisdiction: z.string(),
    customers: z.number().int(),
    purchaseLines: z.number().int(),
    sampledCustomers: z.number().int().optional().openapi({ description: 'Present when the jurisdiction was fitted on a sample: the customers in it (decision 129)' }),
    fittedAt: z.iso.datetime(),
    bgnbd: z.object({ r: z.number(), alpha: z.number(), a: z.number(), b: z.number() }),
    productPriors: z.number().int(),
    durationMs: z.number().openapi({ description: 'How long the fit took (the pages that follow are in the job)' }),
    jobId: z.string().openapi({ description: 'The tracked job (`GET /v1/ops/jobs/{id}`)' }),
    status: z.string(),
  })
  .openapi('RefitReport');

const refit = createRoute({
  method: 'post',
  path: '/v1/ops/refit',
  tags: ['operations'],
  summary: "Refit a jurisdiction's population model and recompute every customer's predictions (admin)",
  description: 'The daily Cron Trigger does this in each jurisdiction\'s home region; this runs it now. It runs in the jurisdiction whose data it reads.',
  security,
  middleware: [allow.scope('admin')] as const,
  request: { query: z.object({ jurisdiction: Jurisdiction.optional() }).strict() },
  responses: { 200: json(RefitReport, 'What was fitted'), ...commonErrors },
});

export function predictionRoutes(deps: PredictionRoutesDeps) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(getPredictions, async (c) => {
      const { id } = c.req.valid('param');
      const generation = deps.views.mark();
      const found = await deps.predictions.serve(id);
      const { stored } = found;
      // The fast path serves the next reads of this isolate from these bytes (a stale answer is not kept).
      if (!found.stale) deps.views.put(id, 'predictions', '', { body: encoder.encode(stored.body), etag: stored.etag, computedAt: deps.now() - found.ageSeconds * 1000, readAt: deps.now() - found.ageSeconds * 1000 }, generation);
      const headers = { etag: stored.etag, ...cacheHeaders(found) };
      if (matchesEtag(c.req.header('if-none-match'), stored.etag)) return c.body(null, 304, headers);
      return jsonBytes<PredictionsView, 200>(c, stored.body, 200, headers);
    })
    // The residency guard sent a request for another jurisdiction there: this one refits its own.
    .openapi(refit, async (c) => {
      // The fit, then every customer's page, here; tracked as a job like the daily one.
      const job = await deps.jobs.run('predictions.refit');
      return c.json({ ...(job.result as Omit<z.infer<typeof RefitReport>, 'jobId' | 'status'>), jobId: job.id, status: job.status }, 200);
    });
}
