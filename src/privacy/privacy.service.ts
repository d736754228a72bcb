import type { CustomerRepository } from '../customers/customers.repository.ts';
import { erasedCustomer, notFound, Problem } from '../http/problem.ts';
import type { JobRunner, JobService } from '../jobs/jobs.service.ts';
import { Erasure, type ErasureDeps } from './erasure.ts';
import { erasureJob, exportJob } from './erasure.job.ts';
import { exportStream, type ExportProgress } from './export.ts';
import type { PrivacyRequest } from './privacy.model.ts';
import { requestIdFor } from './privacy.model.ts';

export interface PrivacyServiceDeps extends ErasureDeps {
  customers: Pick<CustomerRepository, 'getVersioned' | 'get'>;
}

/** Export, erasure with suppression, and the audit of privacy requests, in the customer's jurisdiction. */
export class PrivacyService {
  readonly erasure: Erasure;
  private jobs: Pick<JobService, 'start' | 'pageDone' | 'pageFailed'> | undefined;

  constructor(private readonly deps: PrivacyServiceDeps) {
    this.erasure = new Erasure(deps);
  }

  /** The runners of privacy jobs (erasure.job.ts): one page per owner. */
  runners(): { 'privacy.erasure': JobRunner; 'privacy.export': JobRunner } {
    const { owners, privacy, queue, forget, now } = this.deps;
    return { 'privacy.erasure': erasureJob({ owners, privacy, queue, forget, now }), 'privacy.export': exportJob(owners) };
  }

  /** Exports and erasures are tracked jobs once the job model is wired (src/deps-jobs.ts). */
  useJobs(jobs: Pick<JobService, 'start' | 'get' | 'resume' | 'pageDone' | 'pageFailed'>): void {
    this.jobs = jobs;
    this.erasure.useJobs(jobs);
  }

  /** The export's job (its id is random: it names no one), told as each owner's section is written. */
  private async exportJob(): Promise<{ id: string; progress: ExportProgress } | undefined> {
    const jobs = this.jobs;
    if (!jobs) return undefined;
    const job = await jobs.start('privacy.export', { runner: 'process' });
    const { owners } = this.deps;
    const code = (err: unknown) => (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string' ? err.code : 'export.failed');
    return {
      id: job.id,
      progress: {
        written: (owner) => jobs.pageDone(job.id, owner, { done: 1, failed: 0, failures: [] }),
        failed: (owner, err) => jobs.pageFailed(job.id, owner, code(err)),
        abandoned: async (from) => {
          for (let owner = from; owner < owners.length; owner++) await jobs.pageFailed(job.id, owner, 'export.abandoned');
        },
      },
    };
  }

  /** The customer's data as one streamed JSON document; 410 once erased, 404 when unknown. */
  async exportOf(customerId: string): Promise<{ body: ReadableStream<Uint8Array>; jobId?: string }> {
    if (!(await this.deps.customers.get(customerId))) {
      if ((await this.deps.suppression.erasedCustomers([customerId])).size > 0) throw erasedCustomer();
      throw notFound('customer');
    }
    const request = await this.requestOf(customerId);
    const job = await this.exportJob();
    const extra = {
      privacyRequests: async function* () {
        if (request) yield request;
      },
    };
    const body = exportStream(customerId, new Date(this.deps.now()).toISOString(), this.deps.owners, extra, job?.progress);
    return { body, ...(job ? { jobId: job.id } : {}) };
  }

  async request(id: string): Promise<PrivacyRequest> {
    const r = await this.deps.privacy.getRequest(id);
    if (!r) throw new Problem(404, 'privacy.requestNotFound', 'No such privacy request');
    return r;
  }

  list(status?: PrivacyRequest['status']): Promise<PrivacyRequest[]> {
    return this.deps.privacy.listRequests(status);
  }

  /** The customer's privacy request, if any (its id derives from the keyed hash of the customer id). */
  private async requestOf(customerId: string): Promise<PrivacyRequest | undefined> {
    return this.deps.privacy.getRequest(requestIdFor(this.deps.region.jurisdiction, await this.deps.hasher.hash('customer', customerId)));
  }
}
