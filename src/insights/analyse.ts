import { objectsToProfiling } from '../customers/customers.model.ts';
import type { CustomerRepository } from '../customers/customers.repository.ts';
import { viewOf, type PredictionRepository } from '../predictions/predictions.repository.ts';
import type { PredictionsView } from '../predictions/predictions.schemas.ts';
import type { Region } from '../regions/region.schema.ts';
import { metrics } from '../ops/metrics.ts';
import { costOf } from './pricing.ts';
import { etagOf } from '../shared/etag.ts';
import type { AnalysisRepository } from './analyses.repository.ts';
import type { AnalysisAnswer } from './analysis.schema.ts';
import { AnalysisUnavailable, type Analyzer, type Usage } from './analyzer.ts';
import type { CostStore } from './costs.repository.ts';
import type { CircuitBreaker, Pacer } from './guards.ts';
import type { AnalysisInputs } from './inputs.ts';
import type { CostLedger } from './ledger.ts';
import { basisOf, unchanged, type AnalysisJob, type CountedLedgerLine, type FallbackReason, type JobResult, type LedgerLine, type StoredAnalysis } from './insights.model.ts';
import type { PseudonymousInput } from './prompt.ts';
import { PROMPT_VERSION } from './prompt.ts';
import { statisticalAnalysis } from './statistical.ts';

/** The pacer waits in process up to this long; a longer wait goes back to the queue with a delay. */
const MAX_INLINE_WAIT_MS = 5_000;
/** Cloudflare Queues delay a message by at most 12 hours. */
const MAX_DEFERRAL_SECONDS = 12 * 3600;
/** Tokens reserved from the pacer before the call reports its real use. */
const TOKEN_ESTIMATE = 1_500;
/**
 * Below this many distinct purchase days the model is not asked: one purchase day has no interval, so the
 * cadence figures are the population's prior (BG/NBD frequency 0, pooled intervals) and a basket of one day
 * is all there is to read. The statistical answer says as much, at no cost (decision 73).
 */
export const MIN_PURCHASE_DAYS = 2;

export type AnalysisOutcome = JobResult | { deferSeconds: number };

export interface AnalysesDeps {
  region: Region;
  customers: Pick<CustomerRepository, 'getVersioned'>;
  /** The stored predictions, read directly (a job must not see an isolate's cached copy). */
  predictions: Pick<PredictionRepository, 'get'>;
  analyses: AnalysisRepository;
  ledger: CostLedger;
  costs: Pick<CostStore, 'countFallback'>;
  inputs: AnalysisInputs;
  /** Unset: no model is configured, so every analysis is statistical (the local default). */
  analyzer?: Analyzer;
  budget: { over(): Promise<boolean> };
  guards: { pacer: Pacer; breaker: CircuitBreaker };
  segmentName(customerId: string): Promise<string | undefined>;
  /** Keeps the customer's refresh marker alive while the job waits. */
  touchPending(customerId: string, jobId: string): Promise<void>;
  /** Told when a customer's stored analysis changed (read caches forget it). */
  changed(customerId: string): void;
  now: () => number;
}

/** What one job works on: the customer, their predictions, the input and the base of what it stores. */
interface Work {
  job: AnalysisJob;
  view: PredictionsView;
  input: PseudonymousInput;
  name: (id: string) => string;
  base: Omit<StoredAnalysis, 'etag' | 'basis' | 'source' | 'answer'>;
  /** A ledger line a previous delivery recorded: what was spent already. */
  spent: number;
}

/**
 * One customer's analysis. The model is called only with profiling consent, inside the budgets, with the
 * circuit breaker closed and under the pacer; otherwise, or when the call fails, the statistical analysis
 * is stored with the reason. A delivery after a crash never calls the model again for a call it recorded.
 */
export class Analyses {
  constructor(private readonly deps: AnalysesDeps) {}

  private iso = () => new Date(this.deps.now()).toISOString();

  /** Consent as it is now: a strongly consistent read, so a withdrawal a moment ago is seen. */
  private consentNow = async (customerId: string) => (await this.deps.customers.getVersioned(customerId))?.customer;

  async analyse(job: AnalysisJob): Promise<AnalysisOutcome> {
    const { customerId, jobId } = job;
    // A delivery after a crash or a failed write: the call was made and recorded. Count it now, whatever
    // happens next, and never call again.
    const recorded = job.attempts > 1 ? await this.deps.ledger.recorded(customerId, jobId) : undefined;
    if (recorded) await this.deps.ledger.count(recorded);
    const begun = await this.begin(job, recorded);
    if ('result' in begun) return begun.result;
    const { work, existing } = begun;
    if (recorded) {
      if (recorded.outcome !== 'answer') return this.fallback(work, recorded.outcome, work.spent);
      if (recorded.pendingAnswer) return this.keep(work, recorded, recorded.pendingAnswer);
      // The answer was dropped, so this job's outcome was stored before the crash.
      return { source: existing?.jobId === jobId ? existing.source : 'statistical', costUsd: work.spent };
    }
    const refused = await this.refusal(work, begun.consents);
    return refused ?? this.callModel(work);
  }

  /**
   * A job of the daily batch that may go to batch inference: either its outcome now (nothing to ask, no
   * consent, too little history, over budget: stored as for any job), or the input to send.
   */
  async prepare(job: AnalysisJob): Promise<{ result: JobResult } | { input: PseudonymousInput; lineCount: number }> {
    const begun = await this.begin(job, undefined);
    if ('result' in begun) return begun as { result: JobResult };
    const refused = await this.refusal(begun.work, begun.consents);
    return refused ? { result: refused } : { input: begun.work.input, lineCount: begun.work.base.lineCount };
  }

  /**
   * A batch inference record's outcome for its job: charged at batch prices on the job's ledger line (once,
   * whatever the redeliveries), then stored like an on-demand answer, or the statistical one with the reason.
   */
  async finishFromBatch(job: AnalysisJob, sent: { input: PseudonymousInput; lineCount: number }, usage: Usage, outcome: { answer: AnalysisAnswer } | { reason: FallbackReason }, inferenceJob: string): Promise<JobResult> {
    const { customerId, jobId } = job;
    const answer = 'answer' in outcome ? outcome.answer : undefined;
    const line = await this.deps.ledger.record(customerId, jobId, this.deps.analyzer!.modelId, usage, answer ? 'answer' : (outcome as { reason: FallbackReason }).reason, sent.input, answer, { inferenceJob });
    if (line.calls > 0) await this.deps.ledger.count((await this.deps.ledger.recorded(customerId, jobId)) ?? line);
    const customer = await this.consentNow(customerId);
    const predictions = customer && !objectsToProfiling(customer) ? await this.deps.predictions.get(customerId) : undefined;
    if (!customer || !predictions) {
      await this.deps.ledger.dropAnswer(customerId, jobId);
      return { source: 'statistical', costUsd: line.costUsd, skipped: !customer ? 'customer_gone' : 'objected' };
    }
    const view = viewOf(predictions);
    const { name } = await this.deps.inputs.lastPurchases(customerId);
    const work: Work = { job, view, input: sent.input, name, spent: line.costUsd, base: { customerId, promptVersion: PROMPT_VERSION, computedAt: this.iso(), lineCount: sent.lineCount, jobId } };
    return answer ? this.keep(work, line, answer) : this.fallback(work, (outcome as { reason: FallbackReason }).reason, line.costUsd);
  }

  /** What every job reads first: the customer, the predictions, the input; or its outcome already. */
  private async begin(job: AnalysisJob, recorded: CountedLedgerLine | undefined): Promise<{ result: JobResult } | { work: Work; existing?: StoredAnalysis; consents: boolean }> {
    const { customerId, jobId } = job;
    const spent = recorded?.costUsd ?? 0;
    const skip = async (skipped: NonNullable<JobResult['skipped']>, source: StoredAnalysis['source'] = 'statistical') => {
      if (recorded?.pendingAnswer) await this.deps.ledger.dropAnswer(customerId, jobId);
      return { result: { source, costUsd: spent, skipped } };
    };
    const customer = await this.consentNow(customerId);
    if (!customer) return skip('customer_gone');
    if (objectsToProfiling(customer)) return skip('objected');
    const predictions = await this.deps.predictions.get(customerId);
    if (!predictions) return skip('no_purchases');
    const existing = await this.deps.analyses.get(customerId);
    if (job.reason === 'batch' && !recorded && existing && unchanged(existing, predictions.lineCount, customer.consents.profiling.granted, this.deps.analyzer?.modelId)) {
      return skip('unchanged', existing.source);
    }
    const segment = await this.deps.segmentName(customerId);
    const view = viewOf(predictions);
    const { input, name } = await this.deps.inputs.forModel(customerId, view, customer, segment, this.iso().slice(0, 10));
    const work: Work = { job, view, input, name, spent, base: { customerId, promptVersion: PROMPT_VERSION, computedAt: this.iso(), lineCount: predictions.lineCount, jobId } };
    return { work, ...(existing ? { existing } : {}), consents: customer.consents.profiling.granted };
  }

  /** The reasons not to ask the model at all (before any quota or breaker is touched). */
  private async refusal(work: Work, consents: boolean): Promise<JobResult | undefined> {
    if (!consents) return this.fallback(work, 'no_consent');
    if (work.view.data.purchaseDays < MIN_PURCHASE_DAYS) return this.fallback(work, 'too_little_history');
    if (!this.deps.analyzer) return this.fallback(work, 'unconfigured');
    if (await this.deps.budget.over()) return this.fallback(work, 'over_budget');
    return undefined;
  }

  /** Paced, guarded, recorded: the one place the model is called. */
  private async callModel(work: Work): Promise<AnalysisOutcome> {
    const { pacer, breaker } = this.deps.guards;
    const analyzer = this.deps.analyzer!;
    const { customerId, jobId } = work.job;
    // The pacer before the breaker: a job sent back for quota must not hold the breaker's one trial call.
    let wait = pacer.reserve(TOKEN_ESTIMATE);
    if (wait > 0 && wait <= MAX_INLINE_WAIT_MS) {
      await new Promise((r) => setTimeout(r, wait));
      wait = pacer.reserve(TOKEN_ESTIMATE);
    }
    if (wait > 0) {
      await this.deps.touchPending(customerId, jobId);
      // Jitter, so deferred jobs do not all come back in the same second.
      return { deferSeconds: Math.min(MAX_DEFERRAL_SECONDS, Math.ceil(wait / 1000) + Math.floor(Math.random() * 10)) };
    }
    if (!breaker.allow()) {
      pacer.settle(TOKEN_ESTIMATE, 0);
      return this.fallback(work, 'circuit_open');
    }
    const record = (usage: Usage, outcome: LedgerLine['outcome'], answer?: AnalysisAnswer) => {
      pacer.settle(TOKEN_ESTIMATE, usage.inputTokens + usage.outputTokens);
      metrics.bedrockCall(this.deps.region.id, analyzer.modelId, outcome, usage, costOf(analyzer.modelId, usage));
      return this.deps.ledger.record(customerId, jobId, analyzer.modelId, usage, outcome, work.input, answer);
    };
    let result;
    try {
      result = await analyzer.analyze(work.input);
    } catch (err) {
      if (!(err instanceof AnalysisUnavailable)) {
        breaker.failure();
        throw err;
      }
      // Only the service's own trouble opens the breaker; a bad answer from a healthy service does not.
      if (err.reason === 'unavailable' || err.reason === 'timeout') breaker.failure();
      else breaker.success();
      const line = await record(err.usage, err.reason);
      if (line.calls > 0) await this.deps.ledger.count(line);
      return this.fallback(work, err.reason, line.costUsd);
    }
    breaker.success();
    const line = await record(result.usage, 'answer', result.answer);
    await this.deps.ledger.count(line);
    return this.keep(work, line, result.answer);
  }

  /** The statistical answer, stored with the reason the model was not asked or did not answer. */
  private async fallback(work: Work, reason: FallbackReason, costUsd = work.spent): Promise<JobResult> {
    metrics.bedrockFallback(this.deps.region.id, reason);
    if (reason !== 'no_consent' && reason !== 'unconfigured') await this.deps.costs.countFallback(this.deps.region.id, this.deps.now(), reason);
    await this.store({ ...work.base, source: 'statistical', fallbackReason: reason, answer: statisticalAnalysis(work.input, work.view, work.name) }, work.view);
    return { source: 'statistical', fallbackReason: reason, costUsd };
  }

  /** The model's answer is in (and counted); stored unless consent was withdrawn meanwhile. */
  private async keep(work: Work, line: LedgerLine, answer: AnalysisAnswer): Promise<JobResult> {
    const { customerId, jobId } = work.job;
    const withdrawn = async () => !(await this.consentNow(customerId))?.consents.profiling.granted;
    if (await withdrawn()) {
      const r = await this.fallback(work, 'no_consent', line.costUsd);
      await this.deps.ledger.dropAnswer(customerId, jobId);
      return r;
    }
    await this.store({ ...work.base, source: 'bedrock', modelId: line.modelId, answer }, work.view);
    // Withdrawn between the check and the write: what was just written must not stay.
    if (await withdrawn()) {
      await this.deps.analyses.deleteModelAnalysis(customerId);
      this.deps.changed(customerId);
      const r = await this.fallback(work, 'no_consent', line.costUsd);
      await this.deps.ledger.dropAnswer(customerId, jobId);
      return r;
    }
    await this.deps.ledger.dropAnswer(customerId, jobId);
    return { source: 'bedrock', costUsd: line.costUsd };
  }

  private async store(a: Omit<StoredAnalysis, 'etag' | 'basis'>, view: PredictionsView): Promise<void> {
    await this.deps.analyses.put({ ...a, etag: await analysisEtag(a.answer, a.computedAt), basis: basisOf(view) });
    this.deps.changed(a.customerId);
    metrics.analysed(this.deps.region.id, a.source);
  }
}

/** An analysis's validator: its answer and when it was computed. */
export const analysisEtag = (answer: AnalysisAnswer, computedAt: string) => etagOf(computedAt + JSON.stringify(answer));
