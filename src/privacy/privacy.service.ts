import type { CustomerRepository } from '../customers/customers.repository.ts';
import { erasedCustomer, notFound, Problem } from '../http/problem.ts';
import type { JobRunner } from '../jobs/jobs.service.ts';
import { Erasure, type ErasureDeps } from './erasure.ts';
import { erasureJob } from './erasure.job.ts';
import { exportStream } from './export.ts';
import type { PrivacyRequest } from './privacy.model.ts';
import { requestIdFor } from './privacy.model.ts';

export interface PrivacyServiceDeps extends ErasureDeps {
  customers: Pick<CustomerRepository, 'getVersioned' | 'get'>;
}

/** Export, erasure with suppression, and the audit of privacy requests, in the customer's jurisdiction. */
export class PrivacyService {
  readonly erasure: Erasure;

  constructor(private readonly deps: PrivacyServiceDeps) {
    this.erasure = new Erasure(deps);
  }

  /** The runner of `privacy.erasure` jobs: one page per owner (erasure.job.ts). */
  erasureRunner(): JobRunner {
    const { owners, privacy, queue, forget, now } = this.deps;
    return erasureJob({ owners, privacy, queue, forget, now });
  }

  /** The customer's data as one streamed JSON document; 410 once erased, 404 when unknown. */
  async exportOf(customerId: string): Promise<ReadableStream<Uint8Array>> {
    if (!(await this.deps.customers.get(customerId))) {
      if ((await this.deps.suppression.erasedCustomers([customerId])).size > 0) throw erasedCustomer();
      throw notFound('customer');
    }
    const request = await this.requestOf(customerId);
    return exportStream(customerId, new Date(this.deps.now()).toISOString(), this.deps.owners, {
      privacyRequests: async function* () {
        if (request) yield request;
      },
    });
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
