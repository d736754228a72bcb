import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppDeps } from '../app.ts';
import { CustomerId } from '../customers/customers.schemas.ts';
import { requireScope, requireScopeOrSelf } from '../http/auth.ts';
import type { AppEnv } from '../http/context.ts';
import { commonErrors, json, jsonBody, notFoundError, security, unprocessableError } from '../http/openapi.ts';
import { forwardToJurisdiction, peerAnswer } from '../residency/peers.ts';
import { notFound, Problem } from '../http/problem.ts';
import { validationHook } from '../http/validation.ts';
import { Jurisdiction } from '../regions/region.schema.ts';

const Distinguishing = z.object({ feature: z.string(), unit: z.string(), value: z.number(), population: z.number(), z: z.number() });
const SegmentSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    size: z.number().int(),
    share: z.number(),
    revenueShare: z.number(),
    centroid: z.record(z.string(), z.number()).openapi({ description: 'The centre in original units (days, spend, …)' }),
    distinguishing: z.array(Distinguishing),
    summary: z.string(),
  })
  .openapi('Segment');

const SegmentsSchema = z
  .object({ jurisdiction: Jurisdiction, runId: z.string(), createdAt: z.iso.datetime(), featureSetVersion: z.string(), segments: z.array(SegmentSchema) })
  .openapi('Segments');

const CustomerSegmentSchema = z
  .object({
    customerId: z.string(),
    segment: z.object({ id: z.string(), name: z.string(), summary: z.string() }),
    distance: z.number().openapi({ description: 'Distance to the segment centre in standard deviations' }),
    previousSegmentId: z.string().optional(),
    runId: z.string(),
    assignedAt: z.iso.datetime(),
  })
  .openapi('CustomerSegment');

const RunSchema = z
  .object({
    id: z.string(),
    jurisdiction: Jurisdiction,
    status: z.enum(['running', 'succeeded', 'failed']),
    progress: z.object({ done: z.number(), phase: z.enum(['loading', 'clustering', 'assigning', 'finished']) }).optional(),
    startedAt: z.iso.datetime(),
    finishedAt: z.iso.datetime().optional(),
    customers: z.number().int().optional(),
    k: z.number().int().optional(),
    candidates: z.array(z.object({ k: z.number().int(), silhouette: z.number(), inertia: z.number() })).optional(),
    agreement: z.number().optional().openapi({ description: 'Adjusted Rand index with the previous run' }),
    moves: z.array(z.object({ from: z.string(), to: z.string(), customers: z.number().int() })).optional(),
    featureSetVersion: z.string().optional(),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
  })
  .openapi('SegmentRun');

const JurisdictionQuery = z.object({ jurisdiction: Jurisdiction.optional() }).strict();

const RunBody = z
  .object({
    kMin: z.number().int().min(2).max(20).default(5),
    kMax: z.number().int().min(2).max(20).default(7),
    seed: z.number().int().min(0).max(2 ** 31).default(42),
    runId: z.string().regex(/^[a-z0-9-]{3,64}$/).optional().openapi({ description: 'Makes the run idempotent: a second request with the same id returns the first run' }),
  })
  .strict()
  .refine((b) => b.kMin <= b.kMax, { message: 'kMin must not exceed kMax', path: ['kMin'] })
  .openapi('SegmentRunRequest');

export function segmentRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const elsewhere = (wanted: string | undefined) => wanted !== undefined && wanted !== deps.region.jurisdiction;

  return app
    .openapi(
      createRoute({
        method: 'get',
        path: '/v1/customers/{id}/segment',
        tags: ['segments'],
        summary: "A customer's segment (the customer's own token may read it)",
        security,
        request: { params: z.object({ id: CustomerId.openapi({ param: { name: 'id', in: 'path' } }) }) },
        responses: { 200: json(CustomerSegmentSchema, 'The segment'), ...commonErrors, ...notFoundError },
      }),
      async (c) => {
        const { id } = c.req.valid('param');
        requireScopeOrSelf(c, 'segments:read', id);
        const found = await deps.segments.read(id);
        if (!found) {
          if (!(await deps.customers.get(id))) throw notFound('customer');
          throw new Problem(404, 'segments.notAssigned', 'The customer is not in a segment yet (no purchases, or no segment run)');
        }
        const { assignment: a, definition } = found;
        const segment = definition.segments.find((s) => s.id === a.segmentId);
        if (!segment) throw new Problem(404, 'segments.notAssigned', 'The customer is not in a current segment yet');
        return c.json(
          {
            customerId: id,
            segment: { id: segment.id, name: segment.name, summary: segment.summary },
            distance: Number(a.distance.toFixed(4)),
            ...(a.previousSegmentId ? { previousSegmentId: a.previousSegmentId } : {}),
            runId: a.runId,
            assignedAt: a.assignedAt,
          },
          200,
          { 'cache-control': 'private, max-age=60' },
        );
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/v1/segments',
        tags: ['segments'],
        summary: "A jurisdiction's current segments: size, centre, explanation, name",
        security,
        request: { query: JurisdictionQuery },
        responses: { 200: json(SegmentsSchema, 'The segments'), ...commonErrors, ...notFoundError },
      }),
      async (c) => {
        requireScope(c, 'segments:read');
        const wanted = c.req.valid('query').jurisdiction;
        if (elsewhere(wanted)) return peerAnswer(await forwardToJurisdiction(deps.peers, wanted!, deps.region.id, c.req.raw));
        const def = await deps.segments.current();
        if (!def) throw new Problem(404, 'segments.none', 'No segment run has succeeded yet; POST /v1/segment-runs starts one');
        return c.json({ jurisdiction: def.jurisdiction, runId: def.runId, createdAt: def.createdAt, featureSetVersion: def.model.featureSet.version, segments: def.segments }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/v1/segment-runs',
        tags: ['segments'],
        summary: 'Segment a jurisdiction now (admin); the daily Cron Trigger does it too',
        description: 'Runs in the jurisdiction whose customers it segments. Answers with the finished run: `failed` runs leave the current segments in place.',
        security,
        request: { query: JurisdictionQuery, body: jsonBody(RunBody) },
        responses: { 201: json(RunSchema, 'The run'), ...commonErrors, ...unprocessableError },
      }),
      async (c) => {
        requireScope(c, 'admin');
        const wanted = c.req.valid('query').jurisdiction;
        if (elsewhere(wanted)) return peerAnswer(await forwardToJurisdiction(deps.peers, wanted!, deps.region.id, c.req.raw, JSON.stringify(c.req.valid('json'))));
        const run = await deps.segments.run(c.req.valid('json'));
        if (run.status === 'failed' && run.error?.code.startsWith('segments.') && run.error.code !== 'segments.runFailed') {
          throw new Problem(422, run.error.code, run.error.message, { runId: run.id });
        }
        return c.json(run, 201);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/v1/segment-runs/{id}',
        tags: ['segments'],
        summary: 'A segment run: status, chosen k, silhouette and inertia per k, agreement with the previous run, moves',
        security,
        request: { params: z.object({ id: z.string().regex(/^[a-z0-9-]{3,64}$/).openapi({ param: { name: 'id', in: 'path' } }) }) },
        responses: { 200: json(RunSchema, 'The run'), ...commonErrors, ...notFoundError },
      }),
      async (c) => {
        requireScope(c, 'segments:read');
        const run = await deps.segments.runRecord(c.req.valid('param').id);
        if (!run) throw new Problem(404, 'segments.runNotFound', 'No such segment run');
        return c.json(run, 200);
      },
    );
}
