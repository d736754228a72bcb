import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { CustomerIdParam } from '../customers/customers.schemas.ts';
import { allow } from '../http/auth.ts';
import type { AppEnv } from '../http/context.ts';
import { commonErrors, json, jsonBody, notFoundError, security, unprocessableError } from '../http/openapi.ts';
import { Problem } from '../http/problem.ts';
import { validationHook } from '../http/validation.ts';
import { CustomerSegmentSchema, JurisdictionQuery, RenameBody, RUN_ID_PATTERN, RunBody, RunSchema, SegmentIdParam, SegmentSchema, SegmentsSchema } from './segments.schemas.ts';
import { jsonBytes } from '../http/json-bytes.ts';
import { etagOf, matchesEtag } from '../shared/etag.ts';
import { cacheHeaders } from '../shared/read-through.ts';
import type { ViewCache } from '../storefront/view-cache.ts';
import type { SegmentService } from './segments.service.ts';

export interface SegmentRoutesDeps {
  segments: SegmentService;
  views: ViewCache;
  now: () => number;
}

const encoder = new TextEncoder();

const customerSegment = createRoute({
  method: 'get',
  path: '/v1/customers/{id}/segment',
  tags: ['segments'],
  summary: "A customer's segment (the customer's own token may read it)",
  security,
  middleware: [allow.scopeOrSelf('segments:read')] as const,
  request: { params: CustomerIdParam },
  responses: { 200: json(CustomerSegmentSchema, 'The segment'), 304: { description: 'Not modified' }, ...commonErrors, ...notFoundError },
});

const currentSegments = createRoute({
  method: 'get',
  path: '/v1/segments',
  tags: ['segments'],
  summary: "A jurisdiction's current segments: size, centre, explanation, name",
  security,
  middleware: [allow.scope('segments:read')] as const,
  request: { query: JurisdictionQuery },
  responses: { 200: json(SegmentsSchema, 'The segments'), ...commonErrors, ...notFoundError },
});

const startRun = createRoute({
  method: 'post',
  path: '/v1/segment-runs',
  tags: ['segments'],
  summary: 'Segment a jurisdiction now (admin); the daily Cron Trigger does it too',
  description: 'Runs in the jurisdiction whose customers it segments, as a tracked job `segments.run` (its `jobId`), in this request. Answers with the finished run: `failed` runs leave the current segments in place.',
  security,
  middleware: [allow.scope('admin')] as const,
  request: { query: JurisdictionQuery, body: jsonBody(RunBody) },
  responses: { 201: json(RunSchema, 'The run'), ...commonErrors, ...unprocessableError },
});

const runRecord = createRoute({
  method: 'get',
  path: '/v1/segment-runs/{id}',
  tags: ['segments'],
  summary: 'A segment run: status, chosen k, silhouette and inertia per k, agreement with the previous run, moves',
  security,
  middleware: [allow.scope('segments:read')] as const,
  request: { params: z.object({ id: z.string().regex(RUN_ID_PATTERN).openapi({ param: { name: 'id', in: 'path' } }) }) },
  responses: { 200: json(RunSchema, 'The run'), ...commonErrors, ...notFoundError },
});

const renameSegment = createRoute({
  method: 'patch',
  path: '/v1/segments/{segmentId}',
  tags: ['segments'],
  summary: "Rename a current segment (admin): the name stays while the segment keeps its id, over the model's",
  security,
  middleware: [allow.scope('admin')] as const,
  request: { params: SegmentIdParam, query: JurisdictionQuery, body: jsonBody(RenameBody) },
  responses: { 200: json(SegmentSchema, 'The segment with its new name'), ...commonErrors, ...notFoundError },
});

// A `?jurisdiction=` naming another jurisdiction was sent there by the residency guard: these serve their own.
export function segmentRoutes(deps: SegmentRoutesDeps) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(customerSegment, async (c) => {
      const { id } = c.req.valid('param');
      const generation = deps.views.mark();
      const { view, ...read } = await deps.segments.serve(id);
      const body = JSON.stringify(view);
      const etag = await etagOf(body);
      if (!read.stale) deps.views.put(id, 'segment', '', { body: encoder.encode(body), etag, computedAt: deps.now() - read.ageSeconds * 1000, readAt: deps.now() - read.ageSeconds * 1000 }, generation);
      const headers = { etag, ...cacheHeaders(read) };
      if (matchesEtag(c.req.header('if-none-match'), etag)) return c.body(null, 304, headers);
      return jsonBytes<typeof view, 200>(c, body, 200, headers);
    })
    .openapi(currentSegments, async (c) => {
      const def = await deps.segments.current();
      if (!def) throw new Problem(404, 'segments.none', 'No segment run has succeeded yet; POST /v1/segment-runs starts one');
      const names = await deps.segments.names();
      return c.json({ jurisdiction: def.jurisdiction, runId: def.runId, createdAt: def.createdAt, featureSetVersion: def.model.featureSet.version, segments: def.segments.map((s) => deps.segments.named(s, names)) }, 200);
    })
    .openapi(renameSegment, async (c) => {
      const segment = await deps.segments.rename(c.req.valid('param').segmentId, c.req.valid('json'));
      return c.json(segment, 200);
    })
    .openapi(startRun, async (c) => {
      const run = await deps.segments.run(c.req.valid('json'));
      if (run.status === 'failed' && run.error?.code.startsWith('segments.') && run.error.code !== 'segments.runFailed') {
        throw new Problem(422, run.error.code, run.error.message, { runId: run.id });
      }
      return c.json(run, 201);
    })
    .openapi(runRecord, async (c) => {
      const run = await deps.segments.runRecord(c.req.valid('param').id);
      if (!run) throw new Problem(404, 'segments.runNotFound', 'No such segment run');
      return c.json(run, 200);
    });
}
