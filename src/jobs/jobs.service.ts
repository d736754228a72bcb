import { Problem } from '../http/problem.ts';
import type { Jurisdiction } from '../regions/region.schema.ts';
import { DependencyUnavailable } from '../shared/errors.ts';
import { randomId } from '../shared/ids.ts';
import { FAILURE_CAP, finalStatus, isFinished, jobIdFor, type JobParams, type JobRecord, type JobType, type PageOutcome } from './jobs.model.ts';
import type { JobListQuery, JobRepository, StoredJob } from './jobs.repository.ts';
import type { JobQueue } from './queue.ts';

/** What one type of job does: a plan (the heavy step, if any, and the page count), then its pages. */
export interface JobRunner {
  plan(job: JobRecord): Promise<{ pages: number; params?: JobParams; result?: Record<string, unknown> }>;
  /** One page; it throws to be retried (the queue's retries, or the process runner's). */
  page(job: JobRecord, page: number): Promise<PageOutcome>;
  /** Told once, by whichever page counted last (the status says how it ended). */
  finished?(job: JobRecord): Promise<void>;
  /** The item a page that failed after its retries is recorded as (default `page#<n>`); never a customer. */
  pageItem?(job: JobRecord, page: number): string;
  /** Pages go to the on-demand queue, not the bulk queue (a privacy request must not wait behind a refit). */
  onDemand?: boolean;
}

export interface JobServiceDeps {
  jurisdiction: Jurisdiction;
  jobs: JobRepository;
  /** The jurisdiction's bulk queue: pages never wait in front of on-demand work. */
  queue: Pick<JobQueue, 'send' | 'sendBatch'>;
  /** The jurisdiction's on-demand queue, for the pages of runners marked `onDemand` (default: the bulk queue). */
  onDemandQueue?: Pick<JobQueue, 'send' | 'sendBatch'>;
  runners: Partial<Record<JobType, JobRunner>>;
  now: () => number;
}

/** A running job with no page counted for this long is resumed by the sweep. */
export const QUIET_AFTER_MS = 10 * 60_000;
/** The process runner tries a page this often before recording it failed (the queue has its own retries). */
const PROCESS_ATTEMPTS = 3;

const codeOf = (err: unknown) => (err instanceof DependencyUnavailable || err instanceof Problem ? err.code : 'page.failed');

/**
 * The one job model (decisions 97–99): a job is planned into pages; pages run through the bulk queue or
 * in one process, each counted exactly once; a page that fails after its retries is recorded as a failure;
 * a quiet running job is resumed from the pages not yet counted; cancel is checked before every page.
 */
export class JobService {
  constructor(private readonly deps: JobServiceDeps) {}

  private iso = () => new Date(this.deps.now()).toISOString();

  private queueOf(type: JobType) {
    return this.deps.runners[type]?.onDemand && this.deps.onDemandQueue ? this.deps.onDemandQueue : this.deps.queue;
  }

  private runnerOf(type: JobType): JobRunner {
    const runner = this.deps.runners[type];
    if (!runner) throw new Problem(422, 'jobs.typeNotRunHere', `Jobs of type ${type} are not run by this deployment`);
    return runner;
  }

  /**
   * Creates and plans a job; with the queue runner its pages are sent to the bulk queue. A job id that
   * exists already (a repeated daily trigger) returns that job and starts nothing.
   */
  async start(type: JobType, options: { suffix?: string; runner?: JobRecord['runner']; params?: JobParams } = {}): Promise<StoredJob> {
    const runner = this.runnerOf(type);
    const at = this.iso();
    const suffix = options.suffix ?? `${at.replace(/[-:.TZ]/g, '').slice(0, 14)}-${randomId(6)}`;
    const id = jobIdFor(this.deps.jurisdiction, type, suffix);
    const record: JobRecord = {
      id,
      type,
      jurisdiction: this.deps.jurisdiction,
      status: 'queued',
      progress: { done: 0, total: null },
      items: { done: 0, failed: 0 },
      failures: [],
      failureCount: 0,
      runner: options.runner ?? 'queue',
      params: options.params ?? {},
      result: {},
      createdAt: at,
      startedAt: null,
      finishedAt: null,
      lastActivityAt: at,
      resumes: 0,
    };
    if (!(await this.deps.jobs.create(record))) {
      const existing = (await this.deps.jobs.get(id))!;
      // A job whose process died while it was planned stays queued: after a quiet while, it is planned again.
      if (existing.status !== 'queued' || existing.lastActivityAt > new Date(this.deps.now() - QUIET_AFTER_MS).toISOString()) return existing;
    }
    let plan;
    try {
      plan = await runner.plan(record);
    } catch (err) {
      // A plan that failed (a store outage, a fit that threw) ends the job failed, and the caller hears why.
      await this.deps.jobs.abandon(id, { item: 'plan', code: codeOf(err) }, this.iso()).catch(() => undefined);
      throw err;
    }
    const started = await this.deps.jobs.started(id, { total: plan.pages, params: { ...record.params, ...plan.params }, result: plan.result ?? {} }, this.iso());
    if (!started) return (await this.deps.jobs.get(id))!; // cancelled while it was planned
    if (plan.pages === 0) {
      await this.finishJob(started);
      return (await this.deps.jobs.get(id))!;
    }
    if (started.runner === 'queue') {
      await this.queueOf(type).sendBatch(Array.from({ length: plan.pages }, (_, page) => ({ kind: 'job.page' as const, jobId: id, page })));
    }
    return started;
  }

  /** Starts a job and runs its pages here, one after another (a heavy job's process or Lambda; an ops request). */
  async run(type: JobType, options: { suffix?: string; params?: JobParams } = {}): Promise<StoredJob> {
    const job = await this.start(type, { ...options, runner: 'process' });
    return this.runHere(job.id);
  }

  /** Runs the pages of a planned job not counted yet, here (also how a process run is resumed). */
  async runHere(id: string): Promise<StoredJob> {
    const job = await this.read(id);
    for (let page = 0; page < (job.progress.total ?? 0); page++) {
      const current = await this.read(id);
      if (isFinished(current.status)) break;
      if (current.donePages.has(page)) continue;
      for (let attempt = 1; ; attempt++) {
        try {
          await this.page(id, page);
          break;
        } catch (err) {
          if (attempt >= PROCESS_ATTEMPTS) {
            await this.pageFailed(id, page, codeOf(err));
            break;
          }
        }
      }
    }
    return this.read(id);
  }

  /** One page (the `job.page` queue message): skipped when the job is finished or cancelled, or the page counted. */
  async page(id: string, page: number): Promise<void> {
    const job = await this.deps.jobs.get(id);
    if (!job || job.status !== 'running' || job.donePages.has(page)) return;
    if (page < 0 || page >= (job.progress.total ?? 0)) return;
    const outcome = await this.runnerOf(job.type).page(job, page);
    await this.count(job, page, outcome);
  }

  /** A page whose work was done outside the runner (a streamed export's section): counted once. */
  async pageDone(id: string, page: number, outcome: PageOutcome): Promise<void> {
    const job = await this.deps.jobs.get(id);
    if (!job || job.status !== 'running' || job.donePages.has(page)) return;
    await this.count(job, page, outcome);
  }

  /** A page that failed after all its retries (dead-lettered): recorded as a failure, never dropped. */
  async pageFailed(id: string, page: number, code: string): Promise<void> {
    const job = await this.deps.jobs.get(id);
    if (!job || job.donePages.has(page)) return;
    const item = this.deps.runners[job.type]?.pageItem?.(job, page) ?? `page#${page}`;
    await this.count(job, page, { done: 0, failed: 0, failures: [{ item, code }] });
  }

  private async count(job: StoredJob, page: number, outcome: PageOutcome): Promise<void> {
    const kept = outcome.failures.slice(0, Math.max(0, FAILURE_CAP - job.failures.length));
    const counted = await this.deps.jobs.countPage(job.id, page, outcome, kept, this.iso());
    if (counted && counted.status === 'running' && counted.progress.done >= (counted.progress.total ?? 0)) await this.finishJob(counted);
  }

  private async finishJob(job: StoredJob): Promise<void> {
    const status = finalStatus(job);
    if (!(await this.deps.jobs.finish(job.id, status, this.iso()))) return;
    await this.runnerOf(job.type).finished?.({ ...job, status });
  }

  async get(id: string): Promise<StoredJob | undefined> {
    return this.deps.jobs.get(id);
  }

  private async read(id: string): Promise<StoredJob> {
    const job = await this.deps.jobs.get(id);
    if (!job) throw new Problem(404, 'jobs.notFound', 'No such job');
    return job;
  }

  list(query: JobListQuery) {
    return this.deps.jobs.list(query);
  }

  /** Cancels a queued or running job (again: the same answer); a finished job is a 409 `jobs.finished`. */
  async cancel(id: string): Promise<StoredJob> {
    const job = await this.read(id);
    if (job.status === 'cancelled') return job;
    if (isFinished(job.status)) throw new Problem(409, 'jobs.finished', `The job has finished (${job.status}): there is nothing to cancel`, { jobStatus: job.status });
    return (await this.deps.jobs.cancel(id, this.iso())) ?? this.cancel(id);
  }

  /** Sends the pages of a running job not counted yet to its queue again (counted ones would be skipped anyway). */
  private async resend(job: StoredJob): Promise<void> {
    const missing = Array.from({ length: job.progress.total ?? 0 }, (_, page) => page).filter((page) => !job.donePages.has(page));
    await this.deps.jobs.resumed(job.id, this.iso());
    await this.queueOf(job.type).sendBatch(missing.map((page) => ({ kind: 'job.page' as const, jobId: job.id, page })));
    console.log(JSON.stringify({ level: 'info', msg: 'job resumed', jobId: job.id, type: job.type, pages: missing.length }));
  }

  /**
   * Resumes one running job now, without waiting for it to go quiet (a privacy request asked again: its
   * pages may have been lost with a store outage). Answers the job; a finished one is left as it is.
   */
  async resume(id: string): Promise<StoredJob> {
    const job = await this.read(id);
    if (job.status === 'running' && job.progress.total !== null) await this.resend(job);
    return job;
  }

  /**
   * The resume (the Worker's cron, a timer on Node): a running job with no page counted for a while gets
   * the pages it has not counted sent to the bulk queue again. Pages counted meanwhile are skipped.
   */
  async sweep(): Promise<{ resumed: string[] }> {
    const resumed: string[] = [];
    const quietSince = new Date(this.deps.now() - QUIET_AFTER_MS).toISOString();
    let after: JobListQuery['after'];
    do {
      const { jobs, next } = await this.deps.jobs.list({ status: 'running', limit: 100, ...(after ? { after } : {}) });
      for (const job of jobs) {
        if (job.lastActivityAt > quietSince || job.progress.total === null) continue;
        await this.resend(job);
        resumed.push(job.id);
      }
      after = next;
    } while (after);
    return { resumed };
  }
}
