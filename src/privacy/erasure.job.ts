import { Problem } from '../http/problem.ts';
import type { JobRecord } from '../jobs/jobs.model.ts';
import type { JobRunner } from '../jobs/jobs.service.ts';
import type { JobQueue } from '../jobs/queue.ts';
import type { PersonalData } from './personal-data.ts';
import type { PrivacyRepository } from './privacy.repository.ts';

export interface ErasureJobDeps {
  /** Every holder of the jurisdiction's personal data: one page each. */
  owners: readonly PersonalData[];
  privacy: PrivacyRepository;
  /** The on-demand queue: the verification pass a minute after the job, and a full pass if something raced it. */
  queue: Pick<JobQueue, 'send'>;
  forget(customerId: string): void;
  now: () => number;
}

/** The second pass after an erasure: anything that raced the first one (an order in flight) goes too. */
export const VERIFY_AFTER_SECONDS = 60;

/** Items the owner still holds of the customer (one query of their partition). */
async function left(owner: PersonalData, customerId: string): Promise<number> {
  let n = 0;
  for await (const _ of owner.exportOf(customerId)) n++;
  return n;
}

/**
 * An erasure as a tracked job `privacy.erasure` (decision 123): one page per owner of personal data, each
 * erasing the customer from its table and checking that nothing is left there (else it throws, and the
 * queue retries that owner alone). A page that still fails is recorded by the owner's table name. The job
 * record holds the request id (a keyed hash, as in the audit) and counts; the customer id is read, page by
 * page, from the request's subject item in the jurisdiction's privacy table, deleted when the job ends.
 */
export function erasureJob(d: ErasureJobDeps): JobRunner {
  const iso = () => new Date(d.now()).toISOString();
  const requestOf = (job: JobRecord) => String(job.params.requestId);
  return {
    onDemand: true,
    pageItem: (_job, page) => d.owners[page]?.table ?? `page#${page}`,
    async plan(job) {
      if (typeof job.params.requestId !== 'string' || !(await d.privacy.getRequest(job.params.requestId))) {
        throw new Problem(422, 'privacy.requestMissing', 'An erasure job starts from its privacy request (DELETE /v1/customers/{id})');
      }
      return { pages: d.owners.length, result: { owners: d.owners.map((o) => o.table) } };
    },
    async page(job, page) {
      const owner = d.owners[page]!;
      const customerId = await d.privacy.subjectOf(requestOf(job));
      // No subject: another job of the request finished and forgot it; nothing is left for this one to do.
      if (!customerId) return { done: 0, failed: 1, failures: [{ item: owner.table, code: 'privacy.subjectGone' }] };
      await d.privacy.markRunning(requestOf(job), iso());
      const erased = await owner.eraseOf(customerId);
      await d.privacy.addErased(requestOf(job), owner.table, erased, iso());
      d.forget(customerId);
      if ((await left(owner, customerId)) > 0) throw new Error(`items were left in ${owner.table}`);
      return { done: 1, failed: 0, failures: [] };
    },
    async finished(job) {
      const requestId = requestOf(job);
      const [request, customerId] = await Promise.all([d.privacy.getRequest(requestId), d.privacy.subjectOf(requestId)]);
      if (!request || !customerId) return;
      const remaining: Record<string, number> = {};
      for (const owner of d.owners) remaining[owner.table] = await left(owner, customerId);
      const clean = Object.values(remaining).every((n) => n === 0);
      const completed = job.status === 'succeeded' && clean;
      const failedOwners = job.failures.map((f) => f.item);
      const { error: _was, ...rest } = request;
      await d.privacy.putRequest({
        ...rest,
        status: completed ? 'completed' : 'failed',
        remaining,
        attempts: request.attempts + 1,
        updatedAt: iso(),
        jobId: job.id,
        ...(completed ? {} : { error: failedOwners.length > 0 ? `owners failed: ${failedOwners.join(', ')}; ask again to retry` : 'items were left; the erasure is retried' }),
      });
      d.forget(customerId);
      // Verified a minute later (anything that raced it goes too); a job that left items is followed by a full pass.
      if (completed) await d.queue.send({ kind: 'privacy.erase', requestId, customerId, verify: true }, { delaySeconds: VERIFY_AFTER_SECONDS });
      else if (job.status === 'succeeded') await d.queue.send({ kind: 'privacy.erase', requestId, customerId });
      await d.privacy.forgetSubject(requestId);
    },
  };
}

/**
 * A streamed export as a tracked job `privacy.export` (decision 124): one page per owner, counted as its
 * section is written to the reader (the stream does the work, in the request). A page the sweep sends again
 * belongs to an export whose reader is gone: a streamed answer cannot be resumed, so it is recorded as
 * `export.interrupted` by owner and the job ends failed; the customer asks again.
 */
export function exportJob(owners: readonly PersonalData[]): JobRunner {
  return {
    onDemand: true,
    pageItem: (_job, page) => owners[page]?.table ?? `page#${page}`,
    plan: async () => ({ pages: owners.length, result: { owners: owners.map((o) => o.table) } }),
    page: async (_job, page) => ({ done: 0, failed: 1, failures: [{ item: owners[page]?.table ?? `page#${page}`, code: 'export.interrupted' }] }),
  };
}
