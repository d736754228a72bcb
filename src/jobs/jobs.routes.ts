import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { allow } from '../http/auth.ts';
import type { AppEnv } from '../http/context.ts';
import { decodeCursor, encodeCursor } from '../http/cursor.ts';
import { commonErrors, conflictError, json, jsonBody, notFoundError, security, unprocessableError } from '../http/openapi.ts';
import { Jurisdiction } from '../regions/region.schema.ts';
import { Problem } from '../http/problem.ts';
import { validationHook } from '../http/validation.ts';
import { JOB_ID } from './jobs.model.ts';
import { JobIdParam, JobListQuery, JobListSchema, jobView, StartJobBody, TrackedJobSchema } from './jobs.schemas.ts';
import type { JobService } from './jobs.service.ts';

export interface JobRoutesDeps {
  jobs: JobService;
}

const listJobs = createRoute({
  method: 'get',
  path: '/v1/ops/jobs',
  tags: ['operations'],
  summary: "A jurisdiction's tracked jobs, newest first (refit, recommendation rebuild, insight batch, segment run, erasure, export) (ops:read)",
  description: '`?jurisdiction=` names whose jobs (default: the serving deployment\'s); `type` and `status` filter; `cursor` is the previous page\'s `nextCursor`.',
  security,
  middleware: [allow.scope('ops:read')] as const,
  request: { query: JobListQuery },
  responses: { 200: json(JobListSchema, 'Jobs'), ...commonErrors },
});

const startJob = createRoute({
  method: 'post',
  path: '/v1/ops/jobs',
  tags: ['operations'],
  summary: 'Start a tracked job now; its pages go through the bulk queue (admin)',
  description: 'The daily Cron Triggers start the same jobs with the day as `key`. `?jurisdiction=` names whose data it works on.',
  security,
  middleware: [allow.scope('admin')] as const,
  request: { query: z.object({ jurisdiction: Jurisdiction.optional() }).strict(), body: jsonBody(StartJobBody) },
  responses: { 202: json(TrackedJobSchema, 'The job, planned, its pages queued'), ...commonErrors, ...unprocessableError },
});

const getJob = createRoute({
  method: 'get',
  path: '/v1/ops/jobs/{id}',
  tags: ['operations'],
  summary: 'A tracked job: status, pages counted of planned, items, failures (ops:read)',
  security,
  middleware: [allow.scope('ops:read')] as const,
  request: { params: JobIdParam },
  responses: { 200: json(TrackedJobSchema, 'The job'), ...commonErrors, ...notFoundError },
});

const cancelJob = createRoute({
  method: 'post',
  path: '/v1/ops/jobs/{id}/cancel',
  tags: ['operations'],
  summary: 'Cancel a queued or running job: pages not started yet do nothing (admin)',
  description: 'Idempotent: cancelling a cancelled job answers it again. A job that has finished answers 409 `jobs.finished`.',
  security,
  middleware: [allow.scope('admin')] as const,
  request: { params: JobIdParam },
  responses: { 200: json(TrackedJobSchema, 'The cancelled job'), ...commonErrors, ...notFoundError, ...conflictError },
});

const notFound = () => new Problem(404, 'jobs.notFound', 'No such job');

// A job id names its jurisdiction: the residency layer sent a foreign one there before these run.
export function jobRoutes(deps: JobRoutesDeps) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(listJobs, async (c) => {
      const { type, status, limit, cursor } = c.req.valid('query');
      const after = cursor ? decodeCursor(cursor, ['jobId', 'startedKey']) : undefined;
      if (after && !JOB_ID.test(after.jobId!)) throw new Problem(400, 'request.invalidCursor', 'The cursor is not one this endpoint returned');
      const page = await deps.jobs.list({ limit, ...(type ? { type } : {}), ...(status ? { status } : {}), ...(after ? { after: { jobId: after.jobId!, startedKey: after.startedKey! } } : {}) });
      return c.json({ items: page.jobs.map(jobView), nextCursor: page.next ? encodeCursor(page.next) : null }, 200);
    })
    .openapi(startJob, async (c) => {
      const { type, key } = c.req.valid('json');
      return c.json(jobView(await deps.jobs.start(type, key ? { suffix: key } : {})), 202);
    })
    .openapi(getJob, async (c) => {
      const job = await deps.jobs.get(c.req.valid('param').id);
      if (!job) throw notFound();
      return c.json(jobView(job), 200);
    })
    .openapi(cancelJob, async (c) => c.json(jobView(await deps.jobs.cancel(c.req.valid('param').id)), 200));
}
