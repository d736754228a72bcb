import type { CustomerRepository } from '../customers/customers.repository.ts';
import { objectsToProfiling } from '../customers/customers.model.ts';
import type { Customer } from '../customers/customers.schemas.ts';
import { notFound, Problem } from '../http/problem.ts';
import { profilingObjected } from '../privacy/objection.ts';
import type { JobHandlers } from '../jobs/messages.ts';
import type { JobQueue } from '../jobs/queue.ts';
import type { CustomerPrediction } from '../predictions/model/customer.ts';
import type { PredictionRepository } from '../predictions/predictions.repository.ts';
import type { ProductRepository } from '../products/products.repository.ts';
import type { PurchaseRepository } from '../purchases/purchases.repository.ts';
import type { Region } from '../regions/region.schema.ts';
import { Analyses } from './analyse.ts';
import type { AnalysisRepository } from './analyses.repository.ts';
import type { Analyzer } from './analyzer.ts';
import type { BatchRepository } from './batches.repository.ts';
import { DailyBatch } from './batch.ts';
import { BatchInference, type BatchInferenceDeps } from './batch-inference.ts';
import { budgetKeeper, type Budgets } from './budget.ts';
import { InsightConsent } from './consent.ts';
import type { CostStore } from './costs.repository.ts';
import { CircuitBreaker, Pacer } from './guards.ts';
import { AnalysisInputs } from './inputs.ts';
import { AnalysisJobs } from './job.ts';
import type { JobRepository } from './jobs.repository.ts';
import { CostLedger } from './ledger.ts';
import type { LedgerRepository } from './ledger.repository.ts';
import { patternChanged, type JobReason } from './insights.model.ts';
import { InsightReads, type InsightRead } from './read.ts';
import { customerOfJob } from '../residency/jurisdiction.ts';
import { RefreshRequests } from './refresh.ts';
import type { ViewCache } from '../storefront/view-cache.ts';

export interface InsightsDeps {
  region: Region;
  /** Every deployment region: the global budget sums their spend, and each has its own budget. */
  allRegions: readonly Region[];
  customers: CustomerRepository;
  purchases: Pick<PurchaseRepository, 'newestFirst'>;
  catalog: Pick<ProductRepository, 'many'>;
  /** The stored predictions, read directly (a job must not see an isolate's cached copy). */
  predictions: PredictionRepository;
  /** How many purchase lines the customer's current predictions saw (through the predictions cache). */
  currentLineCount(customerId: string): Promise<number | undefined>;
  /** The name of the customer's current segment (part of the model's input). */
  segmentName(customerId: string): Promise<string | undefined>;
  store: { analyses: AnalysisRepository; jobs: JobRepository; ledger: LedgerRepository; batches: BatchRepository; costs: CostStore };
  queue: JobQueue;
  /** Where the daily batch's analyses go (the bulk queue), so that they never delay an on-demand one. */
  bulkQueue?: JobQueue;
  /** Unset: no model credentials, so every analysis is statistical (the local default). */
  analyzer?: Analyzer;
  /** Global budgets; the region's own are in its region file. */
  budgets: Budgets;
  /** The storefront's serialized views, forgotten with the analysis they include. */
  views?: ViewCache;
  /** Bedrock batch inference for the daily batch (with a model only): the clients and the settings. */
  inference?: Pick<BatchInferenceDeps, 'settings' | 's3' | 'bedrock'>;
  now: () => number;
}

/**
 * AI analyses: produced by queue jobs (daily batch, on demand, stale reads, pattern changes), stored per
 * customer, read from cache. This class only assembles the parts, each in its own file: reads, refresh
 * requests, jobs, the analysis itself, the ledger, the daily batch, consent.
 */
export class InsightsService {
  readonly reads: InsightReads;
  readonly consent: InsightConsent;
  readonly batch: DailyBatch;
  readonly jobs: AnalysisJobs;
  readonly inference: BatchInference | undefined;
  private readonly refresh: RefreshRequests;
  private readonly breaker: CircuitBreaker;
  private readonly budget: ReturnType<typeof budgetKeeper>;

  constructor(private readonly deps: InsightsDeps) {
    const { store, now } = deps;
    this.breaker = new CircuitBreaker(5, 60_000, now);
    const pacer = new Pacer(deps.region.bedrock.requestsPerMinute, deps.region.bedrock.tokensPerMinute, now);
    this.budget = budgetKeeper({ region: deps.region, allRegions: deps.allRegions, budgets: deps.budgets, costs: store.costs, now });
    this.refresh = new RefreshRequests({ jobs: store.jobs, queue: deps.queue, ...(deps.bulkQueue ? { bulkQueue: deps.bulkQueue } : {}), now });
    const inputs = new AnalysisInputs({ purchases: deps.purchases, catalog: deps.catalog });
    this.reads = new InsightReads({ analyses: store.analyses, predictions: deps.predictions, refresh: this.refresh, inputs, now });
    const changed = (customerId: string) => {
      this.reads.forget(customerId);
      deps.views?.forget(customerId);
    };
    const ledger = new CostLedger({ region: deps.region, ledger: store.ledger, costs: store.costs, spent: () => this.budget.invalidate(), now });
    const analyses = new Analyses({
      region: deps.region,
      customers: deps.customers,
      predictions: deps.predictions,
      analyses: store.analyses,
      ledger,
      costs: store.costs,
      inputs,
      ...(deps.analyzer ? { analyzer: deps.analyzer } : {}),
      budget: this.budget,
      guards: { pacer, breaker: this.breaker },
      segmentName: deps.segmentName,
      touchPending: (customerId, jobId) => store.jobs.touchPending(customerId, jobId, now()),
      changed,
      now,
    });
    this.jobs = new AnalysisJobs({ jobs: store.jobs, analyses, ledger, refresh: this.refresh, queue: deps.queue, now });
    this.inference =
      deps.inference && deps.analyzer
        ? new BatchInference({ region: deps.region, ...deps.inference, modelId: deps.analyzer.modelId, analyses, jobs: store.jobs, runner: this.jobs, refresh: this.refresh, batches: store.batches, queue: deps.queue, now })
        : undefined;
    this.batch = new DailyBatch({
      region: deps.region,
      customers: deps.customers,
      predictions: deps.predictions,
      analyses: store.analyses,
      batches: store.batches,
      refresh: this.refresh,
      queue: deps.queue,
      modelId: deps.analyzer?.modelId,
      ...(this.inference ? { inference: this.inference } : {}),
      now,
    });
    this.consent = new InsightConsent({ customers: deps.customers, analyses: store.analyses, ledger: store.ledger, refresh: this.refresh, queue: deps.queue, changed });
  }

  /** The queue handlers of the insights jobs. */
  get handlers(): JobHandlers {
    return {
      'insights.analyze': (m) => this.jobs.run(m.customerId, m.jobId),
      'insights.purge': (m) => this.consent.purgeIfWithdrawn(m.customerId),
      // Without batch inference configured (a message left from before a configuration change), nothing to do.
      'insights.inference': async (m) => {
        if (!this.inference) return;
        await (m.step === 'submit' ? this.inference.submit(m.batchId) : this.inference.poll(m.batchId));
      },
    };
  }

  /** The customer's analysis for a request; 404 with the reason when there is nothing to analyse. */
  async serve(customerId: string): Promise<InsightRead> {
    const read = await this.reads.read(customerId, await this.deps.currentLineCount(customerId));
    if (read) return read;
    const customer = await this.deps.customers.get(customerId);
    if (!customer) throw notFound('customer');
    if (objectsToProfiling(customer)) throw profilingObjected();
    throw new Problem(404, 'insights.noPurchases', 'Nothing to analyse yet: the customer has no purchases');
  }

  /** Queues an analysis now (or finds the one in flight) and answers its job. */
  async refreshNow(customerId: string) {
    if (!(await this.deps.customers.get(customerId))) throw notFound('customer');
    const { jobId } = await this.refresh.request(customerId, 'on_demand');
    const job = await this.getJob(customerId, jobId);
    if (!job) throw new Problem(503, 'insights.jobUnavailable', 'The job was not recorded; retry');
    return job;
  }

  /** A job by its id (which names its customer); 404 when there is none. */
  async job(jobId: string) {
    const customerId = customerOfJob(jobId);
    const job = customerId ? await this.getJob(customerId, jobId) : undefined;
    if (!job) throw new Problem(404, 'jobs.notFound', 'No such job');
    return job;
  }

  requestRefresh(customerId: string, reason: JobReason) {
    return this.refresh.request(customerId, reason);
  }

  getJob(customerId: string, jobId: string) {
    return this.deps.store.jobs.get(customerId, jobId);
  }

  /** After a recompute: a purchase that changes the pattern materially asks for a new analysis. */
  async afterRecompute(customerId: string, prediction: CustomerPrediction, customer: Customer | undefined): Promise<void> {
    // Without consent the analysis is the statistical one, made when it is first read (and when the
    // purchases have moved past it): no job per purchase batch for the customers who did not consent.
    if (!customer?.consents.profiling.granted) return;
    const analysis = await this.deps.store.analyses.get(customerId);
    if (!analysis?.basis || patternChanged(analysis.basis, prediction.products)) await this.refresh.request(customerId, 'pattern_change');
  }

  /** Spend by day, model and region over [from, to] (days, inclusive), with the budgets and what is left. */
  async costReport(from: string, to: string) {
    return { ...(await this.budget.report(from, to)), ai: { configured: this.deps.analyzer !== undefined, modelId: this.deps.analyzer?.modelId ?? null, circuit: this.breaker.state } };
  }
}
