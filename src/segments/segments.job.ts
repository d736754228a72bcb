import type { CustomerRepository } from '../customers/customers.repository.ts';
import { pagesFor } from '../jobs/jobs.model.ts';
import type { JobRunner } from '../jobs/jobs.service.ts';
import type { PredictionService } from '../predictions/predictions.service.ts';
import type { SegmentRuns } from './runs.ts';

/**
 * A segment run as a tracked job (decision 122): the plan reads every customer and fits the segments (the
 * heavy step, stored as the run's definition); each page assigns one parallel-scan segment of the customers
 * to that definition's nearest centre; when all are counted the run becomes current.
 */
export function segmentRunJob(d: { runs: Pick<SegmentRuns, 'plan' | 'assignPage' | 'finish'>; predictions: Pick<PredictionService, 'snapshotsOf'>; customers: Pick<CustomerRepository, 'scanSegment'>; perPage?: number }): JobRunner {
  return {
    async plan(job) {
      const { customers, params, result } = await d.runs.plan(job);
      return { pages: pagesFor(customers, d.perPage), params, result };
    },
    async page(job, page) {
      const customers = await d.customers.scanSegment(page, job.progress.total!);
      return { done: await d.runs.assignPage(job, customers, (ids) => d.predictions.snapshotsOf(ids)), failed: 0, failures: [] };
    },
    finished: (job) => d.runs.finish(job),
  };
}
