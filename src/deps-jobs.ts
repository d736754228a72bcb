import type { CustomerRepository } from './customers/customers.repository.ts';
import type { InsightsService } from './insights/insights.service.ts';
import type { JobRepository } from './jobs/jobs.repository.ts';
import { JobService } from './jobs/jobs.service.ts';
import { JobMessage, type JobHandlers } from './jobs/messages.ts';
import type { JobQueue } from './jobs/queue.ts';
import type { PredictionService } from './predictions/predictions.service.ts';
import { refitJob } from './predictions/refit.job.ts';
import type { PrivacyService } from './privacy/privacy.service.ts';
import { rebuildJob } from './recommendations/rebuild.job.ts';
import type { RecommendationService } from './recommendations/recommendations.service.ts';
import type { Region } from './regions/region.schema.ts';
import type { SegmentService } from './segments/segments.service.ts';
import { segmentRunJob } from './segments/segments.job.ts';

export interface DeploymentJobsDeps {
  region: Region;
  store: JobRepository;
  bulkQueue: JobQueue;
  /** The on-demand queue: the pages of privacy jobs (decision 119: erasures never wait behind bulk pages). */
  queue?: JobQueue;
  customers: CustomerRepository;
  predictions: PredictionService;
  recommendations: RecommendationService;
  insights: InsightsService;
  privacy: PrivacyService;
  segments: SegmentService;
  /** Customers per job page (default 100). */
  perPage?: number;
  now: () => number;
}

/**
 * The tracked jobs of a deployment (src/jobs) with the runner of each type, the handler of every queue
 * message kind, and what a dead-lettered message leaves behind (part of src/deps.ts, the composition root).
 */
export function deploymentJobs(d: DeploymentJobsDeps) {
  const { predictions, recommendations, insights, customers, perPage } = d;
  const jobs = new JobService({
    jurisdiction: d.region.jurisdiction,
    jobs: d.store,
    queue: d.bulkQueue,
    ...(d.queue ? { onDemandQueue: d.queue } : {}),
    runners: {
      'predictions.refit': refitJob({ predictions, customers, perPage }),
      'recommendations.rebuild': rebuildJob({ recommendations, customers, perPage }),
      'insights.batch': insights.batch.runner(perPage),
      'segments.run': segmentRunJob({ runs: d.segments.runs, predictions, customers, perPage }),
      ...d.privacy.runners(),
    },
    now: d.now,
  });
  // Segment runs and erasures start their jobs (the job model is built after the services its runners use).
  d.segments.runs.useJobs(jobs);
  d.privacy.useJobs(jobs);
  const handlers: JobHandlers = {
    ...insights.handlers,
    'job.page': (m) => jobs.page(m.jobId, m.page),
    'privacy.erase': (m) => d.privacy.erasure.run(m.requestId, m.customerId, m.verify),
    'predictions.recompute': async (m) => void (await predictions.recompute(m.customerIds)),
    'segments.name': async (m) => void (await d.segments.nameSegments(m.runId)),
  };
  const deadLettered = async (body: unknown) => {
    const page = JobMessage.safeParse(body);
    // A job page that failed after all its retries is recorded as the job's failure, never dropped.
    if (page.success && page.data.kind === 'job.page') return jobs.pageFailed(page.data.jobId, page.data.page, 'page.deadLettered');
    return insights.jobs.deadLettered(body);
  };
  return { jobs, handlers, deadLettered };
}
