import { z } from 'zod';
import { CUSTOMER_ID_PATTERN, customerOfJob, JURISDICTION_PREFIXED_ID } from '../residency/jurisdiction.ts';

const CustomerId = z.string().regex(CUSTOMER_ID_PATTERN);

/**
 * Every message a Cadence queue carries, as one discriminated union: a consumer parses each message with
 * it, and a message that does not parse goes to the dead-letter queue at once (no delivery can help it).
 */
export const JobMessage = z.discriminatedUnion('kind', [
  /** Analyse one customer (the job record is in the customer's partition). */
  z
    .object({ kind: z.literal('insights.analyze'), customerId: CustomerId, jobId: z.string() })
    .strict()
    .refine((m) => customerOfJob(m.jobId) === m.customerId, { message: 'the job id does not name the customer', path: ['jobId'] }),
  /** Delete the model's analyses of a customer who withdrew consent (again, after replication). */
  z.object({ kind: z.literal('insights.purge'), customerId: CustomerId }).strict(),
  /** Erase a customer (the request record is in the privacy table; a second pass verifies). */
  z.object({ kind: z.literal('privacy.erase'), requestId: z.string().regex(/^prq_(eu|row)_[0-9a-f]{24}$/), customerId: CustomerId, verify: z.boolean().optional() }).strict(),
  /** Recompute these customers' predictions from their stored lines (after a bulk ingest). */
  z.object({ kind: z.literal('predictions.recompute'), customerIds: z.array(CustomerId).min(1).max(100) }).strict(),
  /** A daily batch's Bedrock batch inference job: submit it after the last page, then poll it until it is read. */
  /** Ask the model to name a segment run's new or changed segments (from their aggregate profiles). */
  z.object({ kind: z.literal('segments.name'), runId: z.string().regex(JURISDICTION_PREFIXED_ID) }).strict(),
  /** One page of a tracked job (src/jobs): counted once, skipped when the job is cancelled. */
  z.object({ kind: z.literal('job.page'), jobId: z.string().regex(JURISDICTION_PREFIXED_ID), page: z.number().int().min(0) }).strict(),
  z.object({ kind: z.literal('insights.inference'), step: z.enum(['submit', 'poll']), batchId: z.string().regex(JURISDICTION_PREFIXED_ID) }).strict(),
]);
export type JobMessage = z.infer<typeof JobMessage>;
export type JobKind = JobMessage['kind'];

/** One handler per kind, each given its own message type. */
export type JobHandlers = { [K in JobKind]?: (message: Extract<JobMessage, { kind: K }>) => Promise<void> };
