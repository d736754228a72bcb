import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { allow } from '../http/auth.ts';
import type { AppEnv } from '../http/context.ts';
import { commonErrors, json, security } from '../http/openapi.ts';
import { validationHook } from '../http/validation.ts';
import { AccuracyQuery, AccuracyReportSchema } from './accuracy.schemas.ts';
import type { AccuracyService } from './accuracy.service.ts';

export interface AccuracyRoutesDeps {
  accuracy: AccuracyService;
}

const getAccuracy = createRoute({
  method: 'get',
  path: '/v1/ops/accuracy',
  tags: ['operations'],
  summary: 'Prediction accuracy measured in production, by ISO week and model version (ops:read)',
  description:
    "Each daily refit snapshots what it predicted; later purchases score it: next-date MAE and 80% range coverage (first purchase within 90 days), AUC and Brier of \"buys within 30 days\", and the error of the 30-day purchase count. Aggregates only; `?jurisdiction=` is answered by that jurisdiction. Figures of a week whose horizon has not passed move as purchases arrive (`settled: false`).",
  security,
  middleware: [allow.scope('ops:read')] as const,
  request: { query: AccuracyQuery },
  responses: { 200: json(AccuracyReportSchema, 'The figures'), ...commonErrors },
});

// The residency guard sent a request naming another jurisdiction there: this one answers for its own.
export function accuracyRoutes(deps: AccuracyRoutesDeps) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(getAccuracy, async (c) => {
    const { from, to } = c.req.valid('query');
    return c.json(await deps.accuracy.report(from, to), 200);
  });
}
