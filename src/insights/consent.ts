import { objectsToProfiling } from '../customers/customers.model.ts';
import type { CustomerRepository } from '../customers/customers.repository.ts';
import type { ConsentEffects } from '../customers/customers.service.ts';
import type { JobQueue } from '../jobs/queue.ts';
import type { AnalysisRepository } from './analyses.repository.ts';
import type { LedgerRepository } from './ledger.repository.ts';
import type { RefreshRequests } from './refresh.ts';

export interface InsightConsentDeps {
  customers: Pick<CustomerRepository, 'getVersioned'>;
  analyses: AnalysisRepository;
  ledger: LedgerRepository;
  refresh: RefreshRequests;
  queue: JobQueue;
  /** Told when a customer's stored analysis changed (read caches forget it). */
  changed(customerId: string): void;
}

/** The second purge after a consent withdrawal, once the other region's write has replicated. */
const PURGE_AFTER_SECONDS = 60;

/**
 * Profiling consent and the AI analyses. Withdrawn: the model's analyses go now, with any answer a job
 * still holds, and again a minute later in the home region's consumer (the withdrawal may have been
 * written in the other region of the jurisdiction, and a job that read consent before it replicated may
 * have stored an answer since). Given: a model reading is asked for.
 */
export class InsightConsent implements ConsentEffects {
  constructor(private readonly deps: InsightConsentDeps) {}

  async profilingWithdrawn(customerId: string): Promise<void> {
    await this.purge(customerId, true);
    await this.deps.queue.send({ kind: 'insights.purge', customerId }, { delaySeconds: PURGE_AFTER_SECONDS });
  }

  async profilingGranted(customerId: string): Promise<void> {
    await this.deps.refresh.request(customerId, 'on_demand');
  }

  /** The delayed purge: only if consent is still withdrawn. */
  async purgeIfWithdrawn(customerId: string): Promise<void> {
    const customer = (await this.deps.customers.getVersioned(customerId))?.customer;
    if (!customer?.consents.profiling.granted) await this.purge(customerId, customer === undefined || objectsToProfiling(customer));
  }

  /** The model's analyses go; after an objection the statistical one too (nothing derived stays). */
  private async purge(customerId: string, objected: boolean): Promise<void> {
    if (objected) await this.deps.analyses.delete(customerId);
    else await this.deps.analyses.deleteModelAnalysis(customerId);
    await this.deps.ledger.dropAllPendingAnswers(customerId);
    this.deps.changed(customerId);
  }
}
