import { RetryLater } from '../jobs/dispatch.ts';
import type { JobQueue } from '../jobs/queue.ts';
import { customerOfJob } from '../residency/jurisdiction.ts';
import type { Analyses } from './analyse.ts';
import type { JobRepository } from './jobs.repository.ts';
import type { AnalysisJob, JobResult } from './insights.model.ts';
import type { CostLedger } from './ledger.ts';
import type { RefreshRequests } from './refresh.ts';

export interface AnalysisJobsDeps {
  jobs: JobRepository;
  analyses: Analyses;
  ledger: CostLedger;
  refresh: RefreshRequests;
  queue: JobQueue;
  now: () => number;
}

/** How long a worker holds a claimed job; longer than a call with its retries and timeout. */
export const JOB_LEASE_MS = 2 * 60_000;

/**
 * The analysis job under at-least-once delivery: its first act is a conditional claim of its record, so a
 * redelivered message neither analyses nor charges twice; a job paced under the quota goes back to the
 * queue as a new message (waiting must not use up its retries).
 */
export class AnalysisJobs {
  constructor(private readonly deps: AnalysisJobsDeps) {}

  async run(customerId: string, jobId: string): Promise<void> {
    const { jobs } = this.deps;
    const claim = await jobs.claim(customerId, jobId, this.deps.now(), JOB_LEASE_MS);
    if (!claim.claimed) {
      if (claim.job?.status === 'running') throw new RetryLater(Math.ceil(JOB_LEASE_MS / 1000), 'another delivery holds this job');
      // Done, failed, or erased with its customer: nothing to do but a marker a failed clear may have left.
      if (claim.job) await jobs.clearPending(customerId, jobId);
      return;
    }
    const job = claim.job;
    await jobs.touchPending(customerId, jobId, this.deps.now());
    try {
      const result = await this.deps.analyses.analyse(job);
      if ('deferSeconds' in result) {
        await jobs.release(customerId, jobId, job.attempts, this.deps.now());
        await this.deps.queue.send({ kind: 'insights.analyze', customerId, jobId }, { delaySeconds: result.deferSeconds });
        return;
      }
      // Another delivery took over after our lease ran out: it finishes and clears, not us.
      if (!(await jobs.finish(customerId, jobId, job.attempts, this.deps.now(), result))) return;
      await jobs.clearPending(customerId, jobId);
      this.deps.refresh.done(customerId);
    } catch (err) {
      await jobs.release(customerId, jobId, job.attempts, this.deps.now());
      throw err;
    }
  }

  /**
   * Runs `work` on a job this delivery claims (daily-batch jobs prepared for, or finished from, batch
   * inference): a result finishes the job and clears the customer's marker; undefined puts it back queued.
   * False when the job was not there to claim (done already, or held by another delivery).
   */
  async settle(customerId: string, jobId: string, work: (job: AnalysisJob) => Promise<JobResult | undefined>): Promise<boolean> {
    const { jobs } = this.deps;
    const claim = await jobs.claim(customerId, jobId, this.deps.now(), JOB_LEASE_MS);
    if (!claim.claimed) return false;
    const job = claim.job;
    try {
      const result = await work(job);
      if (!result) {
        await jobs.release(customerId, jobId, job.attempts, this.deps.now());
        return true;
      }
      if (!(await jobs.finish(customerId, jobId, job.attempts, this.deps.now(), result))) return true;
      await jobs.clearPending(customerId, jobId);
      this.deps.refresh.done(customerId);
      return true;
    } catch (err) {
      await jobs.release(customerId, jobId, job.attempts, this.deps.now());
      throw err;
    }
  }

  /** What a dead-lettered message leaves behind: its job failed, and the customer may be refreshed again. */
  async deadLettered(body: unknown): Promise<void> {
    const m = (body ?? {}) as { kind?: unknown; jobId?: unknown; batchId?: unknown; page?: unknown };
    console.error(JSON.stringify({ level: 'error', msg: 'dead-lettered job', kind: m.kind, jobId: m.jobId, batchId: m.batchId, page: m.page }));
    // A dead-lettered batch page ends that day's batch early (logged above); the next day's covers it.
    if (m.kind !== 'insights.analyze' || typeof m.jobId !== 'string') return;
    const customerId = customerOfJob(m.jobId);
    if (!customerId) return;
    await this.deps.jobs.fail(customerId, m.jobId, this.deps.now(), 'gave up after repeated failures (dead-lettered)');
    await this.deps.ledger.dropAnswer(customerId, m.jobId);
    await this.deps.jobs.clearPending(customerId, m.jobId);
  }
}
