import type { Experiment, JurisdictionStats, Results } from '../experiments/experiments.schemas.ts';
import type { PeerStats } from '../experiments/results.ts';
import { Problem } from '../http/problem.ts';
import type { InsightsService } from '../insights/insights.service.ts';
import type { Jurisdiction } from '../regions/region.schema.ts';
import { DependencyUnavailable } from '../shared/errors.ts';
import type { LiveView } from '../streaming/streaming.service.ts';
import { BACKTEST_SUMMARY } from './backtest-summary.ts';

/** One part of the page: its figures, or why there are none (a store that is down does not blank the page). */
export type Section<T> = { ok: true; data: T } | { ok: false; reason: string };

export interface SegmentFigure {
  id: string;
  name: string;
  size: number;
  share: number;
  revenueShare: number;
}

export interface PopulationFacts {
  fittedAt?: string;
  model: { customers: number; excluded: number; odds: { horizonDays: number; check: { days: number; stackAuc: number; bgnbdAuc: number; gainLow: number } }[] };
}

export interface DashboardServiceDeps {
  jurisdiction: Jurisdiction;
  /** The deployment serving the page and the regions of its jurisdiction (their own AI budgets). */
  regionId: string;
  jurisdictionRegions: readonly string[];
  segments(): Promise<{ runId: string; createdAt: string; segments: SegmentFigure[] } | undefined>;
  costs: Pick<InsightsService, 'costReport'>;
  /** Cache reads of this process by label set; undefined where the sink keeps no totals (the Worker). */
  cacheReads(): Promise<{ labels: Record<string, string>; value: number }[]> | undefined;
  population(): Promise<PopulationFacts | undefined>;
  /** Accuracy measured in production (the daily snapshots, scored), by week; undefined where not served. */
  production?(): Promise<{ weeks: ProductionWeek[] }>;
  live(): Promise<LiveView>;
  experiments: { list(): Promise<Experiment[]>; results(key: string, options: { engine: 'bayesian' }, peer: PeerStats): Promise<Results>; stats(key: string, phase?: number): Promise<JurisdictionStats> };
  now: () => number;
}

/** One week of production accuracy as `GET /v1/ops/accuracy` serves it (the figures the page shows). */
export interface ProductionWeek {
  week: string;
  modelVersion: string;
  settled: boolean;
  customers: number;
  nextDate: { scored: number; maeDays?: number | undefined; coverage80?: number | undefined };
  buysWithin30: { auc?: number | undefined; brier?: number | undefined };
}

/** Experiments shown on the page: running first, then the most recently changed. */
export const MAX_EXPERIMENTS = 4;
export const COST_DAYS = 30;

export interface CacheFigure {
  cache: string;
  hits: number;
  misses: number;
  stale: number;
  hitRate: number | null;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Expected failures become a section's reason; anything else is a fault and stays one. */
async function section<T>(work: () => Promise<T>): Promise<Section<T>> {
  try {
    return { ok: true, data: await work() };
  } catch (err) {
    if (err instanceof Problem) return { ok: false, reason: `${err.title} (${err.code})` };
    if (err instanceof DependencyUnavailable) return { ok: false, reason: `unavailable now (${err.code}); reload shortly` };
    throw err;
  }
}

/**
 * The operator page's figures for one jurisdiction, read through the services that serve the API (the
 * same data as /v1/segments, /v1/ops/costs, /v1/ops/live, /metrics and /v1/experiments/…/results).
 * Aggregates only: nothing here names a customer.
 */
export class DashboardService {
  constructor(private readonly deps: DashboardServiceDeps) {}

  async figures(peer: PeerStats) {
    const [segments, costs, cache, accuracy, live, experiments] = await Promise.all([
      section(async () => {
        const current = await this.deps.segments();
        if (!current) throw new Problem(404, 'segments.none', 'No segment run has succeeded in this jurisdiction yet');
        return current;
      }),
      section(() => this.costs()),
      section(() => this.cache()),
      section(() => this.accuracy()),
      section(() => this.deps.live()),
      section(() => this.experiments(peer)),
    ]);
    return { jurisdiction: this.deps.jurisdiction, servedBy: this.deps.regionId, asOf: new Date(this.deps.now()).toISOString(), segments, costs, cache, accuracy, live, experiments };
  }

  /** One jurisdiction's sums of an experiment phase (what the other jurisdiction's page asks for). */
  stats(key: string, phase?: number): Promise<JurisdictionStats> {
    return this.deps.experiments.stats(key, phase);
  }

  private async costs() {
    const to = day(this.deps.now());
    const from = day(this.deps.now() - (COST_DAYS - 1) * 86_400_000);
    const report = await this.deps.costs.costReport(from, to);
    const regions = this.deps.jurisdictionRegions.map((id) => ({ region: id, ...(report.budgets[id] ?? { dailyUsd: 0, spentTodayUsd: 0, monthlyUsd: 0, spentThisMonthUsd: 0 }) }));
    return { from, to, byDay: report.byDay, total: report.total, global: report.budgets.global!, regions, fallbacks: report.fallbacks, ai: report.ai };
  }

  private async cache(): Promise<{ scope: string; caches: CacheFigure[] }> {
    const reads = this.deps.cacheReads();
    if (!reads) throw new Problem(404, 'metrics.notExposed', 'This deployment keeps no metric totals (the Worker writes them to Workers Logs)');
    const by = new Map<string, CacheFigure>();
    for (const { labels, value } of await reads) {
      const name = labels.cache ?? 'unnamed';
      const f = by.get(name) ?? { cache: name, hits: 0, misses: 0, stale: 0, hitRate: null };
      if (labels.outcome === 'hit') f.hits += value;
      else if (labels.outcome === 'miss') f.misses += value;
      else if (labels.outcome === 'stale') f.stale += value;
      by.set(name, f);
    }
    const caches = [...by.values()].map((f) => ({ ...f, hitRate: f.hits + f.misses > 0 ? f.hits / (f.hits + f.misses) : null })).sort((a, b) => a.cache.localeCompare(b.cache));
    return { scope: 'this process since it started (every region it serves)', caches };
  }

  private async accuracy() {
    const population = await this.deps.population();
    return {
      population: population
        ? { fittedAt: population.fittedAt ?? null, customers: population.model.customers, excluded: population.model.excluded, innerSplit: population.model.odds.map((o) => ({ horizonDays: o.horizonDays, ...o.check })) }
        : null,
      backtest: BACKTEST_SUMMARY,
      production: ((await this.deps.production?.())?.weeks ?? []).slice(-8),
    };
  }

  private async experiments(peer: PeerStats) {
    const all = await this.deps.experiments.list();
    const rank = (e: Experiment) => (e.status === 'running' ? 0 : e.status === 'stopped' ? 1 : 2);
    const shown = all.filter((e) => e.status !== 'draft').sort((a, b) => rank(a) - rank(b) || b.updatedAt.localeCompare(a.updatedAt)).slice(0, MAX_EXPERIMENTS);
    const items = await Promise.all(
      shown.map(async (e) => {
        const results = await section(() => this.deps.experiments.results(e.key, { engine: 'bayesian' }, peer));
        return { key: e.key, name: e.name, status: e.status, phase: e.phase, primaryMetric: e.primaryMetric, results };
      }),
    );
    return { total: all.length, drafts: all.filter((e) => e.status === 'draft').length, items };
  }
}

export type DashboardFigures = Awaited<ReturnType<DashboardService['figures']>>;
