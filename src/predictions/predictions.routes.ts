import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppDeps } from '../app.ts';
import { CustomerId } from '../customers/customers.schemas.ts';
import { requireScope, requireScopeOrSelf } from '../http/auth.ts';
import type { AppEnv } from '../http/context.ts';
import { commonErrors, json, notFoundError, security } from '../http/openapi.ts';
import { forwardToJurisdiction, peerAnswer } from '../residency/peers.ts';
import { notFound, Problem } from '../http/problem.ts';
import { validationHook } from '../http/validation.ts';
import { Jurisdiction } from '../regions/region.schema.ts';
import { PredictionsViewSchema } from './predictions.schemas.ts';

const getPredictions = createRoute({
  method: 'get',
  path: '/v1/customers/{id}/predictions',
  tags: ['predictions'],
  summary: "A customer's buying cadence: model figures and products by urgency (served from cache)",
  description:
    'Computed when purchases arrive and refreshed by the daily refit; a read is a cache lookup. Send If-None-Match with the ETag to get 304 when nothing changed. `Age` says how long the answer has been cached; `computedAt` when it was computed.',
  security,
  request: { params: z.object({ id: CustomerId.openapi({ param: { name: 'id', in: 'path' } }) }) },
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
    fittedAt: z.iso.datetime(),
    bgnbd: z.object({ r: z.number(), alpha: z.number(), a: z.number(), b: z.number() }),
    productPriors: z.number().int(),
    durationMs: z.number(),
  })
  .openapi('RefitReport');

const refit = createRoute({
  method: 'post',
  path: '/v1/ops/refit',
  tags: ['operations'],
  summary: "Refit a jurisdiction's population model and recompute every customer's predictions (admin)",
  description: 'The daily Cron Trigger does this in each jurisdiction\'s home region; this runs it now. It runs in the jurisdiction whose data it reads.',
  security,
  request: { query: z.object({ jurisdiction: Jurisdiction.optional() }).strict() },
  responses: { 200: json(RefitReport, 'What was fitted'), ...commonErrors },
});

export function predictionRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  return app
    .openapi(getPredictions, async (c) => {
      const { id } = c.req.valid('param');
      requireScopeOrSelf(c, 'predictions:read', id);
      const found = await deps.predictions.read(id);
      if (!found) {
        if (!(await deps.customers.get(id))) throw notFound('customer');
        throw new Problem(404, 'predictions.notFound', 'No predictions yet: the customer has no purchases');
      }
      const headers = { etag: found.stored.etag, 'cache-control': 'private, max-age=60', age: String(found.ageSeconds) };
      const ifNoneMatch = c.req.header('if-none-match');
      if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim() === found.stored.etag || t.trim() === `W/${found.stored.etag}`)) {
        return c.body(null, 304, headers);
      }
      return c.json(found.stored.view, 200, headers);
    })
    .openapi(refit, async (c) => {
      requireScope(c, 'admin');
      const wanted = c.req.valid('query').jurisdiction ?? deps.region.jurisdiction;
      if (wanted !== deps.region.jurisdiction) return peerAnswer(await forwardToJurisdiction(deps.peers, wanted, deps.region.id, c.req.raw));
      return c.json(await deps.predictions.refit(), 200);
    });
}
