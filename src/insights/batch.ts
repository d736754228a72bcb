import type { CustomerRepository } from '../customers/customers.repository.ts';
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
  customers: Pick<CustomerRepository, 'scanPage'>;
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
const PAGE_SIZE = 100;

/**
 * The daily analysis batch of one jurisdiction, page by page through the queue: active, consenting
 * customers whose purchases changed since their analysis get a job; every page's counts are kept.
 */
export class DailyBatch {
  constructor(private readonly deps: DailyBatchDeps) {}

  /** Starts the day's batch (one batch id per day: a repeated trigger is a no-op). */
  async start(batchId = `${this.deps.region.jurisdiction.toLowerCase()}-${new Date(this.deps.now()).toISOString().slice(0, 10)}`): Promise<string> {
    if (await this.deps.batches.pageDone(batchId, 0)) return batchId;
    await this.deps.queue.send({ kind: 'insights.batch', batchId, page: 0 });
    return batchId;
  }

  report(batchId: string): Promise<BatchReport | undefined> {
    return this.deps.batches.report(batchId);
  }

  async page(batchId: string, page: number, cursor?: string): Promise<void> {
    const { deps } = this;
    if (await deps.batches.pageDone(batchId, page)) return; // a redelivered page
    const { customers, nextCursor } = await deps.customers.scanPage(PAGE_SIZE, cursor);
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
    if (deps.inference && !nextCursor) await deps.queue.send({ kind: 'insights.inference', step: 'submit', batchId });
    if (nextCursor) await deps.queue.send({ kind: 'insights.batch', batchId, page: page + 1, cursor: nextCursor });
    await deps.batches.putPage(batchId, page, counts, !nextCursor, new Date(deps.now()).toISOString());
    console.log(JSON.stringify({ level: 'info', msg: 'insights batch page', batchId, page, last: !nextCursor, ...counts }));
  }
}
