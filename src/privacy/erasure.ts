import type { CustomerRepository } from '../customers/customers.repository.ts';
import { notFound } from '../http/problem.ts';
import { isFinished, jobIdFor } from '../jobs/jobs.model.ts';
import type { JobService } from '../jobs/jobs.service.ts';
import type { JobQueue } from '../jobs/queue.ts';
import { randomId } from '../shared/ids.ts';
import { VERIFY_AFTER_SECONDS } from './erasure.job.ts';
import type { Region } from '../regions/region.schema.ts';
import type { KeyedHasher } from './keyed-hash.ts';
import type { PersonalData } from './personal-data.ts';
import { requestIdFor, type PrivacyRequest } from './privacy.model.ts';
import type { PrivacyRepository } from './privacy.repository.ts';
import type { Suppression } from './suppression.ts';

export interface ErasureDeps {
  region: Region;
  /** Every holder of the jurisdiction's personal data; the profile's owner last. */
  owners: readonly PersonalData[];
  customers: Pick<CustomerRepository, 'getVersioned'>;
  privacy: PrivacyRepository;
  suppression: Suppression;
  hasher: KeyedHasher;
  queue: JobQueue;
  /** Forgets the customer in this isolate's caches (others expire within their TTL: 60 s). */
  forget(customerId: string): void;
  now: () => number;
}

/**
 * Erasure (GDPR Art. 17) in the customer's jurisdiction. The request is recorded and the id and email are
 * put on the suppression list first, so nothing for the customer is accepted while the erasure runs; then
 * a tracked job `privacy.erasure` (erasure.job.ts, decision 123) erases owner by owner, and the request is
 * `completed` only when nothing is left. `run` is the one-pass form: the verification pass a minute after
 * the job, a full pass after a job that left items, and the erasure itself where no job model is wired.
 */
export class Erasure {
  private readonly listeners: ((customerId: string, at: string) => Promise<void>)[] = [];
  private jobs: Pick<JobService, 'start' | 'get' | 'resume'> | undefined;

  constructor(private readonly deps: ErasureDeps) {}

  /** Erasures run as tracked jobs `privacy.erasure` (erasure.job.ts); without, as one queued pass. */
  useJobs(jobs: Pick<JobService, 'start' | 'get' | 'resume'>): void {
    this.jobs = jobs;
  }

  /**
   * Starts the request's erasure job: the customer id goes to the request's subject item (never to the
   * job), and the job's id is random, so it names neither the customer nor the request.
   */
  private async startJob(request: PrivacyRequest, customerId: string): Promise<PrivacyRequest> {
    if (!this.jobs) {
      await this.deps.queue.send({ kind: 'privacy.erase', requestId: request.id, customerId });
      return request;
    }
    const suffix = `${this.iso().replace(/[-:.TZ]/g, '').slice(0, 14)}-${randomId(8).toLowerCase()}`;
    const { error: _failed, ...rest } = request;
    // A request asked again after its job failed is `received` again, with the new job.
    const linked: PrivacyRequest = { ...rest, status: 'received', jobId: jobIdFor(this.deps.region.jurisdiction, 'privacy.erasure', suffix), updatedAt: this.iso() };
    await this.deps.privacy.putSubject(request.id, customerId, this.iso());
    await this.deps.privacy.putRequest(linked);
    await this.jobs.start('privacy.erasure', { suffix, params: { requestId: request.id } });
    return linked;
  }

  /** Hears of each erasure requested (the event stream tells downstream copies); told again on a retried request. */
  onRequested(listener: (customerId: string, at: string) => Promise<void>): void {
    this.listeners.push(listener);
  }

  private async tell(customerId: string, at: string): Promise<void> {
    for (const listener of this.listeners) await listener(customerId, at);
  }

  private iso = () => new Date(this.deps.now()).toISOString();

  /** Starts (or finds) the customer's erasure. A second request answers the first one's record. */
  async request(customerId: string, requestedBy: string): Promise<PrivacyRequest> {
    const subject = await this.deps.hasher.hash('customer', customerId);
    const id = requestIdFor(this.deps.region.jurisdiction, subject);
    const existing = await this.deps.privacy.getRequest(id);
    if (existing?.status === 'completed') return existing;
    if (existing) {
      // Its job still runs: its pages not counted go again (they may have been lost with a store outage).
      // Else (the job failed, or never started) a new job runs.
      const job = existing.jobId && this.jobs ? await this.jobs.get(existing.jobId) : undefined;
      if (job && !isFinished(job.status)) await this.jobs!.resume(job.id);
      const again = job && !isFinished(job.status) ? existing : await this.startJob(existing, customerId);
      await this.tell(customerId, existing.createdAt);
      return again;
    }
    const profile = await this.deps.customers.getVersioned(customerId);
    if (!profile) throw notFound('customer');
    await this.deps.suppression.suppress(customerId, profile.customer.contact.email, this.iso());
    const request: PrivacyRequest = { id, type: 'erasure', jurisdiction: this.deps.region.jurisdiction, subject, status: 'received', requestedBy, createdAt: this.iso(), updatedAt: this.iso(), erased: {}, remaining: {}, attempts: 0 };
    await this.deps.privacy.createRequest(request);
    const started = await this.startJob(request, customerId);
    this.deps.forget(customerId);
    await this.tell(customerId, request.createdAt);
    return started;
  }

  /** One pass of the erasure job (at least once: every step is idempotent). */
  async run(requestId: string, customerId: string, verify = false): Promise<void> {
    const request = await this.deps.privacy.getRequest(requestId);
    if (!request || request.subject !== (await this.deps.hasher.hash('customer', customerId))) return; // not ours
    if (request.status === 'completed' && !verify) return;
    if (request.status !== 'completed') await this.deps.privacy.putRequest({ ...request, status: 'running', attempts: request.attempts + 1, updatedAt: this.iso() });
    const erased = { ...request.erased };
    try {
      for (const owner of this.deps.owners) erased[owner.table] = (erased[owner.table] ?? 0) + (await owner.eraseOf(customerId));
      this.deps.forget(customerId);
      const remaining = await this.remaining(customerId);
      const done = Object.values(remaining).every((n) => n === 0);
      await this.deps.privacy.putRequest({ ...request, status: done ? 'completed' : 'failed', erased, remaining, attempts: request.attempts + (request.status === 'completed' ? 0 : 1), updatedAt: this.iso(), ...(done ? {} : { error: 'items were left; the erasure is retried' }) });
      if (!done) throw new Error('erasure left items behind');
      if (!verify) await this.deps.queue.send({ kind: 'privacy.erase', requestId, customerId, verify: true }, { delaySeconds: VERIFY_AFTER_SECONDS });
    } catch (err) {
      // Never completed while an item remains: record what is known to be left, and let the queue retry.
      const remaining = await this.remaining(customerId).catch(() => ({ unknown: -1 }));
      await this.deps.privacy.putRequest({ ...request, status: 'failed', erased, remaining, attempts: request.attempts + 1, updatedAt: this.iso(), error: err instanceof Error ? err.message : String(err) }).catch(() => {});
      throw err;
    }
  }

  /** Items still found per table (one query each). */
  private async remaining(customerId: string): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const owner of this.deps.owners) {
      let n = 0;
      for await (const _ of owner.exportOf(customerId)) n++;
      out[owner.table] = n;
    }
    return out;
  }
}
