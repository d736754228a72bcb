import type { CustomerRepository } from '../customers/customers.repository.ts';
import { pagesFor } from '../jobs/jobs.model.ts';
import type { JobRunner } from '../jobs/jobs.service.ts';
import type { JobQueue } from '../jobs/queue.ts';
import type { PredictionRepository } from '../predictions/predictions.repository.ts';
import type { Region } from '../regions/region.schema.ts';
import type { AnalysisRepository } from './analyses.repository.ts';
import type { BatchRepository } from './batches.repository.ts';
import { unchanged, type BatchCounts, type BatchReport } from './insights.model.ts';
import type { RefreshRequests } from './refresh.ts';
import type { BatchInference } from './batch-inference.ts';

export interface DailyBatchDeps {
  region: Region;
  customers: Pick<CustomerRepository, 'count' | 'scanSegment'>;
  predictions: Pick<PredictionRepository, 'many'>;
  analyses: AnalysisRepository;
  batches: BatchRepository;
  refresh: RefreshRequests;
  queue: JobQueue;
  /** The model analyses are made with now (undefined: statistical only). */
  modelId: string | undefined;
  /** Set when the day's analyses go to Bedrock batch inference rather than one on-demand call each. */
  inference?: Pick<BatchInference, 'addPage'>;
  now: () => number;
}

/** A customer with no purchase in this long is not in the daily batch. */
const ACTIVE_WITHIN_DAYS = 365;

/** The batch id of an insights job (`eu-insights-2026-12-01` → `eu-2026-12-01`): its report's id. */
export const batchIdOf = (jobId: string) => jobId.replace(/^(eu|row)-insights-/, '$1-');

/**
 * The daily analysis batch of one jurisdiction as a tracked job (decision 118), page by page through the
 * bulk queue: active, consenting customers whose purchases changed since their analysis get a job; every
 * page's counts are kept under the batch (its report). A page is one parallel-scan segment of the customers.
 */
export class DailyBatch {
  constructor(private readonly deps: DailyBatchDeps) {}

  /** The batch as a job type: planned by counting the customers; with batch inference, submitted at the end. */
  runner(perPage?: number): JobRunner {
    return {
      plan: async (job) => ({ pages: pagesFor(await this.deps.customers.count(), perPage), params: { batchId: batchIdOf(job.id) } }),
      page: async (job, page) => {
        const customers = await this.page(String(job.params.batchId), page, job.progress.total!);
        return { done: customers, failed: 0, failures: [] };
      },
      finished: async (job) => {
        if (this.deps.inference) await this.deps.queue.send({ kind: 'insights.inference', step: 'submit', batchId: String(job.params.batchId) });
      },
    };
  }

  report(batchId: string): Promise<BatchReport | undefined> {
    return this.deps.batches.report(batchId);
  }

  /** One page (segment `page` of `of`); doing it again asks for nothing twice (requests are idempotent). Returns the customers seen. */
  async page(batchId: string, page: number, of: number): Promise<number> {
    const { deps } = this;
    const customers = await deps.customers.scanSegment(page, of);
    const ids = customers.map((c) => c.id);
    const [predictions, analyses] = await Promise.all([deps.predictions.many(ids), deps.analyses.many(ids)]);
    const counts: BatchCounts = { customers: customers.length, enqueued: 0, unchanged: 0, inactive: 0, noConsent: 0, alreadyPending: 0 };
    const activeSince = new Date(deps.now() - ACTIVE_WITHIN_DAYS * 86_400_000).toISOString().slice(0, 10);
    // With batch inference the jobs are recorded here and prepared into the day's inference job.
    const queued: string[] = [];
    const ask = async (customerId: string) => {
      const r = await deps.refresh.request(customerId, 'batch', { queue: !deps.inference });
      if (r.created) queued.push(r.jobId);
      return r;
    };
    for (const customer of customers) {
      const p = predictions.get(customer.id);
      const analysis = analyses.get(customer.id);
      if (!p || p.lastPurchase < activeSince) counts.inactive++;
      else if (!customer.consents.profiling.granted) counts.noConsent++;
      else if (analysis && unchanged(analysis, p.lineCount, true, deps.modelId)) counts.unchanged++;
      else if ((await ask(customer.id)).created) counts.enqueued++;
      else counts.alreadyPending++;
    }
    if (deps.inference && queued.length > 0) await deps.inference.addPage(batchId, page, queued);
    await deps.batches.putPage(batchId, page, counts, of, new Date(deps.now()).toISOString());
    console.log(JSON.stringify({ level: 'info', msg: 'insights batch page', batchId, page, of, ...counts }));
    return customers.length;
  }
}
