import { z } from '@hono/zod-openapi';
import { Jurisdiction } from '../regions/region.schema.ts';
import { JOB_ID, JobStatus, JobType, StartableJobType } from './jobs.model.ts';
import type { StoredJob } from './jobs.repository.ts';

export const JobIdParam = z.object({
  id: z.string().max(80).regex(JOB_ID, '<eu|row>-<refit|rebuild|insights|segments|erasure|export>-<suffix>').openapi({ param: { name: 'id', in: 'path' }, example: 'eu-insights-2026-12-01' }),
});

export const JobListQuery = z
  .object({
    type: JobType.optional(),
    status: JobStatus.optional(),
    jurisdiction: Jurisdiction.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().max(512).optional(),
  })
  .strict();

export const StartJobBody = z
  .object({
    type: StartableJobType,
    /** Names the job (`<jurisdiction>-<type>-<key>`): a second start with the same key returns the first job. */
    key: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/).optional(),
  })
  .strict()
  .openapi('StartJob');

export const TrackedJobSchema = z
  .object({
    id: z.string(),
    type: JobType,
    jurisdiction: Jurisdiction,
    status: JobStatus,
    progress: z.object({ done: z.number().int(), total: z.number().int().nullable() }).openapi({ description: 'Pages counted, of the planned pages (null until planned)' }),
    items: z.object({ done: z.number().int(), failed: z.number().int() }).openapi({ description: 'Items the counted pages handled: customers (owners of personal data for privacy jobs)' }),
    failures: z.array(z.object({ item: z.string(), code: z.string() })).openapi({ description: 'The first failures (at most 50): `page#<n>` for a page that failed after its retries, or the item a runner names (a privacy job: the owner, `purchases`)' }),
    failureCount: z.number().int(),
    runner: z.enum(['queue', 'process']),
    params: z.record(z.string(), z.union([z.string(), z.number()])),
    result: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    lastActivityAt: z.string(),
    resumes: z.number().int(),
  })
  .openapi('TrackedJob');
export type TrackedJob = z.infer<typeof TrackedJobSchema>;

export const JobListSchema = z.object({ items: z.array(TrackedJobSchema), nextCursor: z.string().nullable() }).openapi('TrackedJobList');

/** The record as the API shows it (the done-page set stays internal). */
export function jobView(job: StoredJob): TrackedJob {
  const { donePages: _pages, ...view } = job;
  return view;
}
