import type { JobQueue } from '../jobs/queue.ts';
import { jobIdFor } from '../residency/jurisdiction.ts';
import { TtlCache } from '../shared/ttl-cache.ts';
import type { AnalysisJob, JobReason } from './insights.model.ts';
import type { JobRepository } from './jobs.repository.ts';

export interface RefreshRequestsDeps {
  jobs: JobRepository;
  queue: JobQueue;
  /** The queue of the daily batch's requests (bulk work); the on-demand queue when unset. */
  bulkQueue?: JobQueue;
  now: () => number;
}

/**
 * A refresh marked pending and not touched for this long is considered lost and may be requested again;
 * longer than a job's retries with backoff (the job touches it on every claim and deferral).
 */
export const PENDING_TIMEOUT_MS = 2 * 3600_000;
/** How long this isolate remembers that it asked for a customer's refresh. */
const REQUESTED_MEMO_MS = 30_000;

/**
 * One refresh in flight per customer: batch pages, stale reads, pattern changes and the refresh endpoint
 * all ask through one conditional `pending` marker, so however often a stale analysis is read, there is
 * one job.
 */
export class RefreshRequests {
  // Refreshes this isolate asked for lately: a burst of reads of one stale analysis writes one marker.
  private readonly requested: TtlCache<string>;

  constructor(private readonly deps: RefreshRequestsDeps) {
    this.requested = new TtlCache(REQUESTED_MEMO_MS, 10_000, deps.now);
  }

  /**
   * Asks for a refresh unless one is already in flight; the job id either way. `queue: false` records the
   * job without sending its message (a daily-batch job that goes to batch inference instead).
   */
  async request(customerId: string, reason: JobReason, options: { queue?: boolean } = {}): Promise<{ jobId: string; created: boolean }> {
    const jobId = jobIdFor(customerId);
    const at = this.deps.now();
    const pending = await this.deps.jobs.markPending(customerId, jobId, at, at - PENDING_TIMEOUT_MS);
    if (!pending.marked) return { jobId: pending.jobId, created: false };
    const iso = new Date(at).toISOString();
    const job: AnalysisJob = { jobId, customerId, kind: 'insights.analyze', reason, status: 'queued', attempts: 0, createdAt: iso, updatedAt: iso };
    try {
      await this.deps.jobs.create(job);
      if (options.queue !== false) await (reason === 'batch' ? (this.deps.bulkQueue ?? this.deps.queue) : this.deps.queue).send({ kind: 'insights.analyze', customerId, jobId });
    } catch (err) {
      // Nothing will run this job: say so, and let the next request ask again.
      await this.deps.jobs.fail(customerId, jobId, this.deps.now(), `could not be queued: ${String(err)}`).catch(() => {});
      await this.deps.jobs.clearPending(customerId, jobId).catch(() => {});
      throw err;
    }
    this.requested.set(customerId, jobId, this.requested.mark());
    return { jobId, created: true };
  }

  /** The refresh this isolate asked for lately, if any. */
  recent(customerId: string): string | undefined {
    return this.requested.get(customerId)?.value;
  }

  /** The customer's refresh is done: the next stale read may ask again. */
  done(customerId: string): void {
    this.requested.delete(customerId);
  }
}
