import { z } from 'zod';
import type { Jurisdiction } from '../regions/region.schema.ts';

/** Every kind of tracked long work (decision 97). */
export const JobType = z.enum(['predictions.refit', 'recommendations.rebuild', 'insights.batch', 'segments.run', 'privacy.erasure', 'privacy.export']);
export type JobType = z.infer<typeof JobType>;

export const JobStatus = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']);
export type JobStatus = z.infer<typeof JobStatus>;

export const FINISHED: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];
export const isFinished = (s: JobStatus) => FINISHED.includes(s);

/**
 * A failure names an item key, never a customer's data: `page#<n>` for a page that failed after its
 * retries (its customers are counted in `failureCount`), or a non-personal key a runner gives.
 */
export interface JobFailure {
  item: string;
  code: string;
}

/** At most this many failures are kept on the record; `failureCount` counts all of them. */
export const FAILURE_CAP = 50;

/**
 * Job ids carry their jurisdiction, so the residency layer routes `/v1/ops/jobs/:id` without a lookup. A
 * privacy job's id is random: it names neither the customer nor their request (decision 123).
 */
export const JOB_ID = /^(eu|row)-(refit|rebuild|insights|segments|erasure|export)-[a-z0-9-]{1,64}$/;
const SLUG: Record<JobType, string> = {
  'predictions.refit': 'refit',
  'recommendations.rebuild': 'rebuild',
  'insights.batch': 'insights',
  'segments.run': 'segments',
  'privacy.erasure': 'erasure',
  'privacy.export': 'export',
};
export const jobIdFor = (jurisdiction: Jurisdiction, type: JobType, suffix: string) => `${jurisdiction.toLowerCase()}-${SLUG[type]}-${suffix.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 64)}`;
/** Types an operator may start with `POST /v1/ops/jobs` (a privacy job starts only from its privacy request). */
export const StartableJobType = JobType.exclude(['privacy.erasure', 'privacy.export']);

/** Scalar parameters the pages need (a build id, a fit date): non-personal. */
export type JobParams = Record<string, string | number>;

export interface JobRecord {
  id: string;
  type: JobType;
  jurisdiction: Jurisdiction;
  status: JobStatus;
  /** Pages: `total` is known once the job is planned. */
  progress: { done: number; total: number | null };
  /** Items (customers) the pages handled, and how many of them failed. */
  items: { done: number; failed: number };
  failures: JobFailure[];
  failureCount: number;
  /** Where the pages run: through the queue, or in one process (a heavy job's Lambda or the local process). */
  runner: 'queue' | 'process';
  params: JobParams;
  /** What the plan step reported (a fit's figures): non-personal. */
  result: Record<string, unknown>;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** The last time a page finished or the job was resumed (the sweep finds quiet jobs by it). */
  lastActivityAt: string;
  /** Pages sent again by the sweep after the job went quiet. */
  resumes: number;
}

/** What one page did: items handled, items failed (with the failures to keep). */
export interface PageOutcome {
  done: number;
  failed: number;
  failures: JobFailure[];
}

/** The final status of a job whose pages are all counted. */
export const finalStatus = (job: Pick<JobRecord, 'failureCount'>): JobStatus => (job.failureCount > 0 ? 'failed' : 'succeeded');

/** Customers per page of a job that walks the customers table (a parallel-scan segment each). */
export const PAGE_CUSTOMERS = 100;
/** The pages of a job over `count` customers: segments of a parallel scan (DynamoDB takes up to 1,000,000). */
export const pagesFor = (count: number, perPage = PAGE_CUSTOMERS) => Math.min(1_000_000, Math.max(1, Math.ceil(count / perPage)));
