import type { CustomerRepository } from '../customers/customers.repository.ts';
import { pagesFor } from '../jobs/jobs.model.ts';
import type { JobRunner } from '../jobs/jobs.service.ts';
import type { PredictionService } from './predictions.service.ts';

/**
 * The daily refit as a tracked job (decision 118): the plan fits and stores the population model (the
 * heavy step); each page recomputes one parallel-scan segment of the customers with that model, without
 * telling the recompute listeners (segments and entries follow their own jobs). When every page is done,
 * the refit listeners (production accuracy's daily snapshot) have heard each page's customers and now score.
 */
export function refitJob(d: { predictions: Pick<PredictionService, 'fitModel' | 'recompute' | 'tellRefitted'>; customers: Pick<CustomerRepository, 'scanSegment'>; perPage?: number }): JobRunner {
  return {
    async plan() {
      const report = await d.predictions.fitModel();
      return { pages: pagesFor(report.customers, d.perPage), params: { fittedAt: report.fittedAt }, result: { ...report } };
    },
    async page(job, page) {
      const customers = await d.customers.scanSegment(page, job.progress.total!);
      // Each page also tells the refit listeners what it predicted for its own customers (decision 130).
      const done = await d.predictions.recompute(
        customers.map((c) => c.id),
        { notify: false, fittedAt: String(job.params.fittedAt), refitPage: { page, pages: job.progress.total! } },
      );
      return { done, failed: 0, failures: [] };
    },
    async finished(job) {
      if (job.status === 'succeeded') await d.predictions.tellRefitted(job.progress.total!);
    },
  };
}
