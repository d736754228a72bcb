import type { CustomerRepository } from '../customers/customers.repository.ts';
import { pagesFor } from '../jobs/jobs.model.ts';
import type { JobRunner } from '../jobs/jobs.service.ts';
import type { RecommendationService } from './recommendations.service.ts';

/**
 * The recommendation rebuild (precompute) as a tracked job (decision 118): the plan fits and stores the
 * aggregates and weights; each page writes the entries of one parallel-scan segment of the customers.
 */
export function rebuildJob(d: { recommendations: Pick<RecommendationService, 'fitBuild' | 'entriesPage'>; customers: Pick<CustomerRepository, 'scanSegment'>; perPage?: number }): JobRunner {
  return {
    async plan() {
      const report = await d.recommendations.fitBuild();
      return { pages: pagesFor(report.customers, d.perPage), params: { buildId: report.buildId }, result: { ...report } };
    },
    async page(job, page) {
      const customers = await d.customers.scanSegment(page, job.progress.total!);
      return { done: await d.recommendations.entriesPage(customers), failed: 0, failures: [] };
    },
  };
}
