import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { CustomerIdParam } from '../customers/customers.schemas.ts';
import { allow } from '../http/auth.ts';
import type { AppEnv } from '../http/context.ts';
import { commonErrors, conflictError, json, jsonBody, notFoundError, security } from '../http/openapi.ts';
import { validationHook } from '../http/validation.ts';
import type { PeerRead } from '../residency/peer-read.ts';
import { cacheHeaders } from '../shared/read-through.ts';
import {
  AssignmentSchema,
  CustomerAssignmentsSchema,
  ExperimentBody,
  ExperimentKeyParam,
  ExperimentListSchema,
  ExperimentSchema,
  JurisdictionStatsSchema,
  LookupQuery,
  ResultsQuery,
  ResultsSchema,
  StatsQuery,
} from './experiments.schemas.ts';
import type { ExperimentService } from './experiments.service.ts';

export interface ExperimentRoutesDeps {
  experiments: ExperimentService;
  /** Reads the other jurisdiction's aggregates through the residency layer. */
  peerRead: PeerRead;
}

const tags = ['experiments'];

const putExperiment = createRoute({
  method: 'put',
  path: '/v1/experiments/{key}',
  tags,
  summary: 'Create or change an experiment (definitions are global, not personal)',
  description: 'Once a phase has run, variations, weights, seed, coverage and namespace change only with `"phase": current + 1` (409 otherwise). At most one running experiment per `surface`.',
  security,
  middleware: [allow.scope('experiments:write')] as const,
  request: { params: ExperimentKeyParam, body: jsonBody(ExperimentBody) },
  responses: { 200: json(ExperimentSchema, 'Changed'), 201: json(ExperimentSchema, 'Created'), ...commonErrors, ...conflictError },
});

const getExperiment = createRoute({
  method: 'get',
  path: '/v1/experiments/{key}',
  tags,
  summary: 'An experiment definition, with its phases',
  security,
  middleware: [allow.scope('experiments:read')] as const,
  request: { params: ExperimentKeyParam },
  responses: { 200: json(ExperimentSchema, 'The experiment'), ...commonErrors, ...notFoundError },
});

const listExperiments = createRoute({
  method: 'get',
  path: '/v1/experiments',
  tags,
  summary: 'Every experiment definition',
  security,
  middleware: [allow.scope('experiments:read')] as const,
  responses: { 200: json(ExperimentListSchema, 'The experiments'), ...commonErrors },
});

const customerAssignment = createRoute({
  method: 'get',
  path: '/v1/customers/{id}/experiments/{key}',
  tags,
  summary: "A customer's variation (GrowthBook Result fields); the first lookup records the exposure",
  description: 'Served from isolate memory on a warm path. `?unit=device:<id>` buckets by a device id; `?expose=false` looks without recording. Outside coverage or targeting, or stopped: `inExperiment: false`, variation 0.',
  security,
  middleware: [allow.scopeOrSelf('experiments:read')] as const,
  request: { params: CustomerIdParam.extend(ExperimentKeyParam.shape), query: LookupQuery },
  responses: { 200: json(AssignmentSchema, 'The assignment'), ...commonErrors, ...notFoundError },
});

const customerAssignments = createRoute({
  method: 'get',
  path: '/v1/customers/{id}/experiments',
  tags,
  summary: "A customer's variation in every running experiment, in one call",
  security,
  middleware: [allow.scopeOrSelf('experiments:read')] as const,
  request: { params: CustomerIdParam, query: LookupQuery },
  responses: { 200: json(CustomerAssignmentsSchema, 'The assignments'), ...commonErrors, ...notFoundError },
});

const results = createRoute({
  method: 'get',
  path: '/v1/experiments/{key}/results',
  tags,
  summary: 'Results of a phase by engine (bayesian by default), with the SRM check, from both jurisdictions',
  description: "Each jurisdiction reduces its own exposures and purchases to sums (n, Σx, Σx²) per variation; only those cross the border.",
  security,
  middleware: [allow.scope('experiments:read')] as const,
  request: { params: ExperimentKeyParam, query: ResultsQuery },
  responses: { 200: json(ResultsSchema, 'The results'), ...commonErrors, ...notFoundError },
});

const stats = createRoute({
  method: 'get',
  path: '/v1/experiments/{key}/stats',
  tags,
  summary: "One jurisdiction's sufficient statistics of a phase (what results combine)",
  description: '`?jurisdiction=` is served by that jurisdiction (the request is routed there).',
  security,
  middleware: [allow.scope('experiments:read')] as const,
  request: { params: ExperimentKeyParam, query: StatsQuery },
  responses: { 200: json(JurisdictionStatsSchema, 'The sums'), ...commonErrors, ...notFoundError },
});

export function experimentRoutes(deps: ExperimentRoutesDeps) {
  const { experiments } = deps;
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(putExperiment, async (c) => {
      const { experiment, created } = await experiments.put(c.req.valid('param').key, c.req.valid('json'));
      return created ? c.json(experiment, 201) : c.json(experiment, 200);
    })
    .openapi(getExperiment, async (c) => c.json(await experiments.get(c.req.valid('param').key), 200))
    .openapi(listExperiments, async (c) => c.json({ items: await experiments.list() }, 200))
    .openapi(customerAssignment, async (c) => {
      const { id, key } = c.req.valid('param');
      const q = c.req.valid('query');
      const { view, read } = await experiments.assignment(id, key, { ...(q.unit ? { unit: q.unit } : {}), expose: q.expose === 'true' });
      return c.json(view, 200, cacheHeaders(read, 30));
    })
    .openapi(customerAssignments, async (c) => {
      const { id } = c.req.valid('param');
      const q = c.req.valid('query');
      const { views, read } = await experiments.assignments(id, { ...(q.unit ? { unit: q.unit } : {}), expose: q.expose === 'true' });
      return c.json({ customerId: id, experiments: views }, 200, cacheHeaders(read, 30));
    })
    .openapi(results, async (c) => {
      const { key } = c.req.valid('param');
      const q = c.req.valid('query');
      const peer = (jurisdiction: 'EU' | 'ROW', k: string, phase: number) =>
        deps.peerRead(c.req.raw, jurisdiction, `/v1/experiments/${encodeURIComponent(k)}/stats?jurisdiction=${jurisdiction}&phase=${phase}`);
      return c.json(await experiments.results(key, { engine: q.engine, ...(q.phase ? { phase: q.phase } : {}) }, peer), 200);
    })
    // A `?jurisdiction=` naming the other jurisdiction was sent there by the residency guard.
    .openapi(stats, async (c) => c.json(await experiments.stats(c.req.valid('param').key, c.req.valid('query').phase), 200));
}
