import { viewOf, type PredictionRepository } from '../predictions/predictions.repository.ts';
import { readThrough } from '../shared/read-through.ts';
import { TtlCache } from '../shared/ttl-cache.ts';
import { analysisEtag } from './analyse.ts';
import type { AnalysisRepository } from './analyses.repository.ts';
import type { AnalysisInputs } from './inputs.ts';
import { isStale, type StoredAnalysis } from './insights.model.ts';
import { PROMPT_VERSION } from './prompt.ts';
import type { RefreshRequests } from './refresh.ts';

export type InsightStatus = 'fresh' | 'stale' | 'pending';

export interface InsightRead {
  analysis: StoredAnalysis;
  status: InsightStatus;
  /** A refresh job that was requested by this read or earlier, if any. */
  refreshJobId?: string;
  /** Seconds since it was computed. */
  ageSeconds: number;
  /** The store could not answer: the last known analysis, served as is. */
  stale?: boolean;
}

export interface InsightReadsDeps {
  analyses: AnalysisRepository;
  predictions: Pick<PredictionRepository, 'get'>;
  refresh: RefreshRequests;
  inputs: AnalysisInputs;
  now: () => number;
}

/**
 * Reads of a customer's analysis, from an isolate cache then one GetItem, stale-while-revalidate: a stale
 * analysis is answered at once and a refresh is queued. Before the first job has finished, a statistical
 * reading is computed from the stored predictions and the last purchases (and not stored).
 */
export class InsightReads {
  private readonly cache: TtlCache<StoredAnalysis>;

  constructor(private readonly deps: InsightReadsDeps) {
    this.cache = new TtlCache(60_000, 10_000, deps.now, 'insights');
  }

  forget(customerId: string): void {
    this.cache.delete(customerId);
  }

  async read(customerId: string, currentLineCount: number | undefined): Promise<InsightRead | undefined> {
    const cached = await readThrough(this.cache, customerId, () => this.deps.analyses.get(customerId), this.deps.now);
    const analysis = cached?.value;
    const now = this.deps.now();
    const age = (a: StoredAnalysis) => Math.max(0, Math.floor((now - Date.parse(a.computedAt)) / 1000));
    // The store is down: the last known analysis, without asking for a refresh it could not record.
    if (cached?.stale) return { analysis: cached.value, status: isStale(cached.value, currentLineCount, now) ? 'stale' : 'fresh', ageSeconds: age(cached.value), stale: true };
    if (analysis && !isStale(analysis, currentLineCount, now)) return { analysis, status: 'fresh', ageSeconds: age(analysis) };
    const predictions = analysis ? undefined : await this.deps.predictions.get(customerId);
    if (!analysis && !predictions) return undefined; // nothing to analyse, and no job for it
    const refreshJobId = this.deps.refresh.recent(customerId) ?? (await this.requestQuietly(customerId, analysis ? 'stale' : 'on_demand'));
    const job = refreshJobId ? { refreshJobId } : {};
    if (analysis) return { analysis, status: 'stale', ...job, ageSeconds: age(analysis) };
    const answer = await this.deps.inputs.statistical(customerId, viewOf(predictions!));
    const computedAt = new Date(now).toISOString();
    const provisional: StoredAnalysis = {
      customerId,
      source: 'statistical',
      promptVersion: PROMPT_VERSION,
      computedAt,
      lineCount: predictions!.lineCount,
      jobId: refreshJobId ?? '',
      etag: await analysisEtag(answer, computedAt),
      answer,
    };
    return { analysis: provisional, status: 'pending', ...job, ageSeconds: 0 };
  }

  /** The read answers whatever happens to the refresh: a failed request for one is logged, not served. */
  private requestQuietly(customerId: string, reason: 'stale' | 'on_demand'): Promise<string | undefined> {
    return this.deps.refresh.request(customerId, reason).then(
      (r) => r.jobId,
      (err: unknown) => {
        console.error(JSON.stringify({ level: 'error', msg: 'refresh request failed', error: String(err) }));
        return undefined;
      },
    );
  }
}
