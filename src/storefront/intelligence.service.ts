import type { CustomerService } from '../customers/customers.service.ts';
import type { ExperimentService } from '../experiments/experiments.service.ts';
import { Problem } from '../http/problem.ts';
import type { InsightsService } from '../insights/insights.service.ts';
import { insightView } from '../insights/insights.schemas.ts';
import { viewOf } from '../predictions/predictions.repository.ts';
import type { PredictionService } from '../predictions/predictions.service.ts';
import { RecommendationsQuery, type RecommendationsView } from '../recommendations/recommendations.schemas.ts';
import type { RecommendationService } from '../recommendations/recommendations.service.ts';
import type { SegmentService } from '../segments/segments.service.ts';

export interface IntelligenceDeps {
  customers: Pick<CustomerService, 'get'>;
  predictions: Pick<PredictionService, 'serve'>;
  segments: Pick<SegmentService, 'serve'>;
  insights: Pick<InsightsService, 'serve'>;
  experiments: Pick<ExperimentService, 'assignments'>;
  recommendations: Pick<RecommendationService, 'serve'>;
  now: () => number;
}

/** The intelligence view's recommendations: the storefront's default list (home, 10 items). */
const HOME = RecommendationsQuery.parse({});

/** A part of the view: its data with its age, or why there is none (the problem code a read of it gives). */
export type Part<T> = { ageSeconds: number; stale: boolean; data: T } | { unavailable: string };

async function part<T>(load: () => Promise<{ ageSeconds: number; stale: boolean; data: T }>): Promise<Part<T>> {
  try {
    return await load();
  } catch (err) {
    if (err instanceof Problem && err.status < 500) return { unavailable: err.code };
    throw err;
  }
}

/**
 * The customer intelligence view, the seed system's "customer intelligence engine" in one answer: a
 * profile summary without contact data, predictions, the latest analysis, the segment, the home
 * recommendations, each with its age, and the customer's variation in every running experiment (looked at
 * without recording an exposure, as is the recommendations experiment's variant).
 * Every part comes from the
 * same caches its own endpoint reads; a part that has nothing says why instead of failing the whole.
 */
export class IntelligenceService {
  constructor(private readonly deps: IntelligenceDeps) {}

  async view(customerId: string, asCustomer: boolean) {
    const customer = await this.deps.customers.get(customerId);
    const [predictions, segment, analysis, experiments, recommendations] = await Promise.all([
      part(async () => {
        const p = await this.deps.predictions.serve(customerId);
        return { ageSeconds: p.ageSeconds, stale: p.stale, data: viewOf(p.stored) };
      }),
      part(async () => {
        const s = await this.deps.segments.serve(customerId);
        return { ageSeconds: s.ageSeconds, stale: s.stale, data: s.view };
      }),
      part(async () => {
        const read = await this.deps.insights.serve(customerId);
        return { ageSeconds: read.ageSeconds, stale: read.stale === true, data: insightView(read, asCustomer) };
      }),
      // Looked at, not shown: a page that renders a variant asks the lookup, which records the exposure.
      part(async () => {
        const { views, read } = await this.deps.experiments.assignments(customerId, { expose: false });
        return { ageSeconds: read.ageSeconds, stale: read.stale, data: views };
      }),
      // The same rendered bytes the recommendations endpoint serves for its default query.
      part(async () => {
        const r = await this.deps.recommendations.serve(customerId, HOME, { expose: false });
        return { ageSeconds: r.ageSeconds, stale: r.stale, data: JSON.parse(r.body) as RecommendationsView };
      }),
    ]);
    return {
      customerId,
      generatedAt: new Date(this.deps.now()).toISOString(),
      profile: {
        residency: customer.residency,
        ...(customer.country ? { country: customer.country } : {}),
        ...(customer.displayName ? { displayName: customer.displayName } : {}),
        consents: { profiling: customer.consents.profiling.granted, marketing: customer.consents.marketing.granted },
        ...(customer.profilingObjectedAt ? { profilingObjected: true } : {}),
        customerSince: customer.createdAt,
      },
      predictions,
      segment,
      analysis,
      experiments,
      recommendations,
    };
  }
}
