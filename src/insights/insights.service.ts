import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { CustomerRepository } from '../customers/customers.repository.ts';
import { PoisonMessage, RetryLater, type JobHandlers } from '../jobs/dispatch.ts';
import type { JobMessage, JobQueue } from '../jobs/queue.ts';
import { TtlCache } from '../shared/ttl-cache.ts';
import type { CustomerPrediction } from '../predictions/model/customer.ts';
import type { PredictionRepository } from '../predictions/predictions.repository.ts';
import type { PredictionsView } from '../predictions/predictions.schemas.ts';
import type { ProductRepository } from '../products/products.repository.ts';
import type { PurchaseRepository } from '../purchases/purchases.repository.ts';
import type { Region } from '../regions/region.schema.ts';
import type { SegmentService } from '../segments/segments.service.ts';
import { jurisdictionOfCustomerId, randomId } from '../shared/ids.ts';
import type { AnalysisAnswer } from './analysis.schema.ts';
import { AnalysisUnavailable, analyzeWithBedrock } from './bedrock.ts';
import { budgetKeeper, type Budgets } from './budget.ts';
import type { CostStore } from './costs.repository.ts';
import { CircuitBreaker, Pacer } from './guards.ts';
import type { AnalysisJob, FallbackReason, InsightsRepository, JobReason, LedgerLine, StoredAnalysis } from './insights.repository.ts';
import { costOf, priceOf } from './pricing.ts';
import { PROMPT_VERSION, pseudonymousInput, type PseudonymousInput } from './prompt.ts';
import { statisticalAnalysis } from './statistical.ts';

export interface InsightsServiceDeps {
  region: Region;
  /** Every deployment region: the global budget sums their spend, and each has its own budget. */
  allRegions: readonly Region[];
  customers: CustomerRepository;
  purchases: PurchaseRepository;
  catalog: ProductRepository;
  /** The stored predictions, read directly (a job must not see an isolate's cached copy). */
  predictionsStore: PredictionRepository;
  segments?: SegmentService;
  insights: InsightsRepository;
  costs: CostStore;
  queue: JobQueue;
  /** Unset: no Bedrock credentials, so every analysis is statistical (the local default). */
  bedrock?: { client: BedrockRuntimeClient; modelId: string; timeoutMs?: number };
  /** Global budgets; the region's own are in its region file. */
  budgets: Budgets;
  now: () => number;
}

/** An analysis older than this is stale even without new purchases: the reading of "now" moves. */
export const STALE_AFTER_MS = 7 * 24 * 3600_000;
/** A statistical answer given because Bedrock failed is retried after this long. */
const TRANSIENT_RETRY_MS = 3600_000;
/**
 * A refresh marked pending and not touched for this long is considered lost and may be requested again;
 * longer than a job's retries with backoff (the job touches it on every claim and deferral).
 */
const PENDING_TIMEOUT_MS = 2 * 3600_000;
/** How long this isolate remembers that it asked for a customer's refresh. */
const REQUESTED_MEMO_MS = 30_000;
/** How long a worker holds a claimed job; longer than a call with its retries and timeout. */
const JOB_LEASE_MS = 2 * 60_000;
/** A customer with no purchase in this long is not in the daily batch. */
const ACTIVE_WITHIN_DAYS = 365;
const BATCH_PAGE_SIZE = 100;
/** The pacer waits in process up to this long; a longer wait goes back to the queue with a delay. */
const MAX_INLINE_WAIT_MS = 5_000;
/** The second purge after a consent withdrawal, once the other region's write has replicated. */
const PURGE_AFTER_SECONDS = 60;
/** Cloudflare Queues delay a message by at most 12 hours. */
const MAX_DEFERRAL_SECONDS = 12 * 3600;
/** Tokens reserved from the pacer before the call reports its real use. */
const TOKEN_ESTIMATE = 3_000;

const TRANSIENT: ReadonlySet<FallbackReason> = new Set(['circuit_open', 'unavailable', 'timeout', 'over_budget', 'invalid_answer', 'refused']);

export type InsightStatus = 'fresh' | 'stale' | 'pending';

export interface InsightRead {
  analysis: StoredAnalysis;
  status: InsightStatus;
  /** A refresh job that was requested by this read or earlier, if any. */
  refreshJobId?: string;
  /** Seconds since it was computed. */
  ageSeconds: number;
}

/** Job ids carry the customer (and so the jurisdiction): `job_eu_<customer part>_<random>`. */
const JOB_ID_PATTERN = /^job_(eu|row)_([0-9a-hjkmnp-tv-z]{20})_([0-9a-hjkmnp-tv-z]{12})$/;
export const jobIdFor = (customerId: string) => `job_${customerId.slice(4)}_${randomId(12)}`;
export function customerOfJob(jobId: string): string | undefined {
  const m = JOB_ID_PATTERN.exec(jobId);
  return m ? `cus_${m[1]}_${m[2]}` : undefined;
}

export type InsightsService = ReturnType<typeof insightsService>;

/**
 * AI analyses: produced by queue jobs (daily batch, on demand, stale reads, pattern changes), stored per
 * customer, read from cache. A job claims its record before it calls anything, so a redelivered message
 * neither analyses nor charges twice; the model is called only with profiling consent, inside the
 * budgets, with the circuit breaker closed and under the pacer; otherwise the statistical analysis is
 * stored with the reason.
 */
export function insightsService(deps: InsightsServiceDeps) {
  const reads = new TtlCache<StoredAnalysis>(60_000, 10_000, deps.now);
  // Refreshes this isolate asked for lately: a burst of reads of one stale analysis writes one marker.
  const requested = new TtlCache<string>(REQUESTED_MEMO_MS, 10_000, deps.now);
  const breaker = new CircuitBreaker(5, 60_000, deps.now);
  const pacer = new Pacer(deps.region.bedrock.requestsPerMinute, deps.region.bedrock.tokensPerMinute, deps.now);
  const budget = budgetKeeper(deps);
  const iso = () => new Date(deps.now()).toISOString();
  /** Asks for a refresh unless one is already in flight; the job id either way. */
  async function requestRefresh(customerId: string, reason: JobReason): Promise<{ jobId: string; created: boolean }> {
    const jobId = jobIdFor(customerId);
    const at = deps.now();
    const pending = await deps.insights.markPending(customerId, jobId, at, at - PENDING_TIMEOUT_MS);
    if (!pending.marked) return { jobId: pending.jobId, created: false };
    const job: AnalysisJob = { jobId, customerId, kind: 'insights.analyze', reason, status: 'queued', attempts: 0, createdAt: iso(), updatedAt: iso() };
    try {
      await deps.insights.createJob(job);
      await deps.queue.send({ kind: 'insights.analyze', customerId, jobId });
    } catch (err) {
      // Nothing will run this job: say so, and let the next request ask again.
      await deps.insights.failJob(customerId, jobId, deps.now(), `could not be queued: ${String(err)}`).catch(() => {});
      await deps.insights.clearPending(customerId, jobId).catch(() => {});
      throw err;
    }
    requested.set(customerId, jobId, requested.mark());
    return { jobId, created: true };
  }

  function isStale(a: StoredAnalysis, lineCount: number | undefined): boolean {
    if (lineCount !== undefined && a.lineCount < lineCount) return true;
    if (a.promptVersion !== PROMPT_VERSION) return true;
    const age = deps.now() - Date.parse(a.computedAt);
    if (age > STALE_AFTER_MS) return true;
    return a.source === 'statistical' && a.fallbackReason !== undefined && TRANSIENT.has(a.fallbackReason) && age > TRANSIENT_RETRY_MS;
  }

  async function lastPurchases(customerId: string) {
    const { items } = await deps.purchases.newestFirst(customerId, 20);
    const products = await deps.catalog.many(items.map((i) => i.productId));
    const name = (id: string) => products.get(id)?.name ?? id;
    return {
      purchases: items.map((i) => ({
        date: i.purchasedAt.slice(0, 10),
        product: name(i.productId),
        ...(products.get(i.productId)?.category ? { category: products.get(i.productId)!.category } : {}),
        quantity: i.quantity,
        unitPrice: i.unitPrice,
        currency: i.currency,
      })),
      name,
    };
  }

  async function statisticalFor(customerId: string, view: PredictionsView, declared: PseudonymousInput['declared'] = {}) {
    const { purchases, name } = await lastPurchases(customerId);
    const input = pseudonymousInput('statistical', purchases, view, name, declared);
    return statisticalAnalysis(input, view, name);
  }

  async function store(a: Omit<StoredAnalysis, 'etag' | 'basis'>, view: PredictionsView): Promise<StoredAnalysis> {
    const full: StoredAnalysis = { ...a, etag: await etagOf(a.answer, a.computedAt), basis: basisOf(view) };
    await deps.insights.putAnalysis(full);
    reads.delete(a.customerId);
    return full;
  }

  /** The analysis job: idempotent under redelivery (the claim), and never calls Bedrock without consent and budget. */
  async function runAnalysis(customerId: string, jobId: string): Promise<void> {
    const claim = await deps.insights.claimJob(customerId, jobId, deps.now(), JOB_LEASE_MS);
    if (!claim.claimed) {
      if (claim.job?.status === 'running') throw new RetryLater(Math.ceil(JOB_LEASE_MS / 1000), 'another delivery holds this job');
      // Done, failed, or erased with its customer: nothing to do but a marker a failed clear may have left.
      if (claim.job) await deps.insights.clearPending(customerId, jobId);
      return;
    }
    const job = claim.job;
    await deps.insights.touchPending(customerId, jobId, deps.now());
    try {
      const result = await analyse(job);
      if ('deferSeconds' in result) {
        // Paced under the quota: put back and sent again later as a new message, so waiting for the
        // quota does not use up the message's retries (and cannot dead-letter a healthy job).
        await deps.insights.releaseJob(customerId, jobId, job.attempts, deps.now());
        await deps.queue.send({ kind: 'insights.analyze', customerId, jobId }, { delaySeconds: result.deferSeconds });
        return;
      }
      // Another delivery took over after our lease ran out: it finishes and clears, not us.
      if (!(await deps.insights.finishJob(customerId, jobId, job.attempts, deps.now(), result))) return;
      await deps.insights.clearPending(customerId, jobId);
      requested.delete(customerId);
    } catch (err) {
      await deps.insights.releaseJob(customerId, jobId, job.attempts, deps.now());
      throw err;
    }
  }

  /** Consent as it is now: a strongly consistent read, so a withdrawal a moment ago is seen. */
  const consentNow = async (customerId: string) => (await deps.customers.getVersioned(customerId))?.customer;

  /**
   * Adds a ledger line to the day's and the month's totals, each once: a flag per period is set after
   * its addition (a failure between the two counts that period twice; the ledger itself stays exact).
   */
  async function count(line: LedgerLine & { counted?: { day: boolean; month: boolean } }): Promise<void> {
    const at = Date.parse(line.at);
    const call = { modelId: line.modelId, calls: line.calls, inputTokens: line.inputTokens, outputTokens: line.outputTokens, costUsd: line.costUsd, analysed: line.outcome === 'answer' };
    for (const period of ['day', 'month'] as const) {
      if (line.counted?.[period]) continue;
      await deps.costs.record(deps.region.id, at, call, period);
      await deps.insights.markCounted(line.customerId, line.jobId, period);
    }
    budget.invalidate();
  }

  async function analyse(job: AnalysisJob): Promise<NonNullable<AnalysisJob['result']> | { deferSeconds: number }> {
    const { customerId, jobId } = job;
    // A delivery after a crash or a failed write: the call was made and recorded. Count it now, whatever
    // happens next, and never call again.
    const recorded = job.attempts > 1 ? await deps.insights.getLedger(customerId, jobId) : undefined;
    if (recorded) await count(recorded);
    const spent = recorded?.costUsd ?? 0;
    const skip = async (skipped: 'customer_gone' | 'no_purchases' | 'unchanged', source: StoredAnalysis['source'] = 'statistical') => {
      if (recorded?.pendingAnswer) await deps.insights.dropPendingAnswer(customerId, jobId);
      return { source, costUsd: spent, skipped };
    };
    const customer = await consentNow(customerId);
    if (!customer) return skip('customer_gone');
    const predictions = await deps.predictionsStore.get(customerId);
    if (!predictions) return skip('no_purchases');
    const existing = await deps.insights.getAnalysis(customerId);
    if (job.reason === 'batch' && !recorded && existing && unchanged(existing, predictions.lineCount, customer.consents.profiling.granted)) {
      return skip('unchanged', existing.source);
    }

    const view = predictions.view;
    const { purchases, name } = await lastPurchases(customerId);
    const declared = {
      ...(customer.attributes.householdSize ? { householdSize: customer.attributes.householdSize.value } : {}),
      ...(customer.attributes.ageBand ? { ageBand: customer.attributes.ageBand.value } : {}),
      ...(customer.attributes.incomeBand ? { incomeBand: customer.attributes.incomeBand.value } : {}),
    };
    const segment = await segmentName(customerId);
    // A fresh random reference per request: it maps the answer back here and means nothing to anyone else.
    const input = pseudonymousInput(`ref_${randomId(12)}`, purchases, view, name, declared, segment);
    const base = { customerId, promptVersion: PROMPT_VERSION, computedAt: iso(), lineCount: predictions.lineCount, jobId };

    const fallback = async (reason: FallbackReason, costUsd = 0) => {
      if (reason !== 'no_consent' && reason !== 'unconfigured') await deps.costs.countFallback(deps.region.id, deps.now(), reason);
      await store({ ...base, source: 'statistical', fallbackReason: reason, answer: statisticalAnalysis(input, view, name) }, view);
      return { source: 'statistical' as const, fallbackReason: reason, costUsd };
    };

    /** The model's answer is in (and counted); store it unless consent was withdrawn meanwhile. */
    const keep = async (line: LedgerLine, answer: AnalysisAnswer) => {
      if (!(await consentNow(customerId))?.consents.profiling.granted) {
        const r = await fallback('no_consent', line.costUsd);
        await deps.insights.dropPendingAnswer(customerId, jobId);
        return r;
      }
      await store({ ...base, source: 'bedrock', modelId: line.modelId, answer }, view);
      // Withdrawn between the check and the write: what was just written must not stay.
      if (!(await consentNow(customerId))?.consents.profiling.granted) {
        await deps.insights.deleteModelAnalysis(customerId);
        reads.delete(customerId);
        const r = await fallback('no_consent', line.costUsd);
        await deps.insights.dropPendingAnswer(customerId, jobId);
        return r;
      }
      await deps.insights.dropPendingAnswer(customerId, jobId);
      return { source: 'bedrock' as const, costUsd: line.costUsd };
    };

    if (recorded) {
      if (recorded.outcome !== 'answer') return fallback(recorded.outcome, spent);
      if (recorded.pendingAnswer) return keep(recorded, recorded.pendingAnswer);
      // The answer was dropped, so this job's outcome was stored before the crash.
      return { source: existing?.jobId === jobId ? existing.source : 'statistical', costUsd: spent };
    }

    if (!customer.consents.profiling.granted) return fallback('no_consent');
    if (!deps.bedrock) return fallback('unconfigured');
    if (await budget.over()) return fallback('over_budget');
    // The pacer before the breaker: a job sent back for quota must not hold the breaker's one trial call.
    let wait = pacer.reserve(TOKEN_ESTIMATE);
    if (wait > 0 && wait <= MAX_INLINE_WAIT_MS) {
      await new Promise((r) => setTimeout(r, wait));
      wait = pacer.reserve(TOKEN_ESTIMATE);
    }
    if (wait > 0) {
      // Jitter, so deferred jobs do not all come back in the same second.
      await deps.insights.touchPending(customerId, jobId, deps.now());
      return { deferSeconds: Math.min(MAX_DEFERRAL_SECONDS, Math.ceil(wait / 1000) + Math.floor(Math.random() * 10)) };
    }
    if (!breaker.allow()) {
      pacer.settle(TOKEN_ESTIMATE, 0);
      return fallback('circuit_open');
    }

    const { client, modelId, timeoutMs } = deps.bedrock;
    /** One ledger line per job, written right after the call and before anything else can fail. */
    const record = async (usage: { inputTokens: number; outputTokens: number; calls: number }, outcome: LedgerLine['outcome'], answer?: AnalysisAnswer) => {
      pacer.settle(TOKEN_ESTIMATE, usage.inputTokens + usage.outputTokens);
      const line: LedgerLine = {
        customerId,
        jobId,
        at: iso(),
        modelId,
        region: deps.region.bedrock.region,
        ...usage,
        pricePerMillion: priceOf(modelId)!,
        costUsd: costOf(modelId, usage),
        outcome,
        ...(answer ? { pendingAnswer: answer } : {}),
      };
      if (usage.calls > 0) await deps.insights.putLedger(line);
      return line;
    };
    let result;
    try {
      result = await analyzeWithBedrock(client, modelId, input, timeoutMs ? { timeoutMs } : {});
    } catch (err) {
      if (!(err instanceof AnalysisUnavailable)) {
        breaker.failure();
        throw err;
      }
      // Only Bedrock's own trouble opens the breaker; a bad answer from a healthy service does not.
      if (err.reason === 'unavailable' || err.reason === 'timeout') breaker.failure();
      else breaker.success();
      const line = await record(err.usage, err.reason);
      if (line.calls > 0) await count(line);
      return fallback(err.reason, line.costUsd);
    }
    breaker.success();
    const line = await record(result.usage, 'answer', result.answer);
    await count(line);
    return keep(line, result.answer);
  }

  /** Nothing a new analysis would change: same lines, prompt and model, or a fallback whose reason still holds. */
  function unchanged(a: StoredAnalysis, lineCount: number, consents: boolean): boolean {
    if (a.lineCount !== lineCount || a.promptVersion !== PROMPT_VERSION) return false;
    if (a.source === 'bedrock') return a.modelId === deps.bedrock?.modelId;
    if (a.fallbackReason === 'no_consent') return !consents;
    if (a.fallbackReason === 'unconfigured') return !deps.bedrock;
    return !TRANSIENT.has(a.fallbackReason!);
  }

  async function segmentName(customerId: string): Promise<string | undefined> {
    const found = await deps.segments?.read(customerId).catch(() => undefined);
    return found?.definition.segments.find((s) => s.id === found.assignment.segmentId)?.name;
  }

  /** One page of the daily batch: active, consenting customers whose purchases changed get a job. */
  async function batchPage(batchId: string, page: number, cursor?: string): Promise<void> {
    if (await deps.insights.batchPageDone(batchId, page)) return; // a redelivered page
    const { customers, nextCursor } = await deps.customers.scanPage(BATCH_PAGE_SIZE, cursor);
    const ids = customers.map((c) => c.id);
    const [predictions, analyses] = await Promise.all([deps.predictionsStore.many(ids), deps.insights.analysesOf(ids)]);
    const counts = { customers: customers.length, enqueued: 0, unchanged: 0, inactive: 0, noConsent: 0, alreadyPending: 0 };
    const activeSince = new Date(deps.now() - ACTIVE_WITHIN_DAYS * 86_400_000).toISOString().slice(0, 10);
    for (const customer of customers) {
      const p = predictions.get(customer.id);
      if (!p || p.view.data.lastPurchase < activeSince) counts.inactive++;
      else if (!customer.consents.profiling.granted) counts.noConsent++;
      else if (analyses.get(customer.id) && unchanged(analyses.get(customer.id)!, p.lineCount, true)) counts.unchanged++;
      else if ((await requestRefresh(customer.id, 'batch')).created) counts.enqueued++;
      else counts.alreadyPending++;
    }
    if (nextCursor) await deps.queue.send({ kind: 'insights.batch', batchId, page: page + 1, cursor: nextCursor });
    await deps.insights.putBatchPage(batchId, page, counts, !nextCursor, iso());
    console.log(JSON.stringify({ level: 'info', msg: 'insights batch page', batchId, page, last: !nextCursor, ...counts }));
  }

  async function purge(customerId: string): Promise<void> {
    await deps.insights.deleteModelAnalysis(customerId);
    await deps.insights.dropAllPendingAnswers(customerId);
    reads.delete(customerId);
  }

  const handlers: JobHandlers = {
    'insights.purge': async (body) => {
      const customerId = typeof body.customerId === 'string' ? body.customerId : '';
      if (!jurisdictionOfCustomerId(customerId)) throw new PoisonMessage('malformed insights.purge message');
      const customer = await consentNow(customerId);
      if (!customer?.consents.profiling.granted) await purge(customerId);
    },
    'insights.analyze': async (body) => {
      const customerId = typeof body.customerId === 'string' ? body.customerId : '';
      const jobId = typeof body.jobId === 'string' ? body.jobId : '';
      if (customerOfJob(jobId) !== customerId) throw new PoisonMessage('malformed insights.analyze message');
      await runAnalysis(customerId, jobId);
    },
    'insights.batch': async (body) => {
      if (typeof body.batchId !== 'string' || typeof body.page !== 'number') throw new PoisonMessage('malformed insights.batch message');
      await batchPage(body.batchId, body.page, typeof body.cursor === 'string' ? body.cursor : undefined);
    },
  };

  return {
    handlers,
    requestRefresh,

    /** What a dead-lettered message leaves behind: its job failed, and the customer may be refreshed again. */
    async deadLetter(body: JobMessage): Promise<void> {
      console.error(JSON.stringify({ level: 'error', msg: 'dead-lettered job', kind: body.kind, jobId: body.jobId, batchId: body.batchId, page: body.page }));
      // A dead-lettered batch page ends that day's batch early (logged above); the next day's covers it.
      if (body.kind !== 'insights.analyze' || typeof body.jobId !== 'string') return;
      const customerId = customerOfJob(body.jobId);
      if (!customerId) return;
      await deps.insights.failJob(customerId, body.jobId, deps.now(), 'gave up after repeated failures (dead-lettered)');
      await deps.insights.dropPendingAnswer(customerId, body.jobId);
      await deps.insights.clearPending(customerId, body.jobId);
    },

    /** Starts the daily batch of this jurisdiction (one batch id per day: a repeated trigger is a no-op). */
    async startBatch(batchId = `${deps.region.jurisdiction.toLowerCase()}-${iso().slice(0, 10)}`): Promise<string> {
      if (await deps.insights.batchPageDone(batchId, 0)) return batchId;
      await deps.queue.send({ kind: 'insights.batch', batchId, page: 0 });
      return batchId;
    },

    batchReport: (batchId: string) => deps.insights.batchReport(batchId),

    /**
     * The stored analysis (stale-while-revalidate: a stale one is answered at once and a refresh is
     * queued), or, before the first job finished, a statistical one computed now from the predictions.
     */
    async read(customerId: string, currentLineCount: number | undefined): Promise<InsightRead | undefined> {
      let analysis = reads.get(customerId)?.value;
      if (!analysis) {
        const generation = reads.mark();
        analysis = await deps.insights.getAnalysis(customerId);
        if (analysis) reads.set(customerId, analysis, generation);
      }
      const age = (a: StoredAnalysis) => Math.max(0, Math.floor((deps.now() - Date.parse(a.computedAt)) / 1000));
      if (analysis && !isStale(analysis, currentLineCount)) return { analysis, status: 'fresh', ageSeconds: age(analysis) };
      const predictions = analysis ? undefined : await deps.predictionsStore.get(customerId);
      if (!analysis && !predictions) return undefined; // nothing to analyse, and no job for it
      // The read answers whatever happens to the refresh: a failed request for one is logged, not served.
      const refreshJobId =
        requested.get(customerId)?.value ??
        (await requestRefresh(customerId, analysis ? 'stale' : 'on_demand').then(
          (r) => r.jobId,
          (err: unknown) => {
            console.error(JSON.stringify({ level: 'error', msg: 'refresh request failed', error: String(err) }));
            return undefined;
          },
        ));
      if (analysis) return { analysis, status: 'stale', ...(refreshJobId ? { refreshJobId } : {}), ageSeconds: age(analysis) };
      const answer = await statisticalFor(customerId, predictions!.view);
      const computedAt = iso();
      const provisional: StoredAnalysis = {
        customerId,
        source: 'statistical',
        promptVersion: PROMPT_VERSION,
        computedAt,
        lineCount: predictions!.lineCount,
        jobId: refreshJobId ?? '',
        etag: await etagOf(answer, computedAt),
        answer,
      };
      return { analysis: provisional, status: 'pending', ...(refreshJobId ? { refreshJobId } : {}), ageSeconds: 0 };
    },

    getJob: (customerId: string, jobId: string) => deps.insights.getJob(customerId, jobId),

    /**
     * Consent withdrawn: the model's analyses go now, with any answer a job still holds. A purge runs
     * again a minute later in the home region's consumer: the withdrawal may have been written in the
     * other region of the jurisdiction, and a job that read consent before it replicated may have stored
     * an answer since.
     */
    async consentWithdrawn(customerId: string): Promise<void> {
      await purge(customerId);
      await deps.queue.send({ kind: 'insights.purge', customerId }, { delaySeconds: PURGE_AFTER_SECONDS });
    },

    /**
     * After a recompute: a purchase that changes the pattern materially (a category the analysis never
     * saw, or a regular product whose interval moved by more than a third) asks for a new analysis.
     */
    async afterRecompute(customerId: string, prediction: CustomerPrediction): Promise<void> {
      const analysis = await deps.insights.getAnalysis(customerId);
      if (!analysis || !analysis.basis) {
        await requestRefresh(customerId, 'pattern_change');
        return;
      }
      const seen = new Set(analysis.basis.categories);
      const newCategory = prediction.products.some((p) => p.category && !seen.has(p.category));
      const shifted = prediction.products.some((p) => {
        const before = analysis.basis!.intervals[p.productId];
        return before !== undefined && p.purchases >= 3 && Math.abs(p.typicalGapDays - before) / before > 1 / 3;
      });
      if (newCategory || shifted) await requestRefresh(customerId, 'pattern_change');
    },

    breakerState: () => breaker.state,

    /** Spend by day, model and region over [from, to] (days, inclusive), with the budgets and what is left. */
    async costReport(from: string, to: string) {
      return { ...(await budget.report(from, to)), ai: { configured: deps.bedrock !== undefined, modelId: deps.bedrock?.modelId ?? null, circuit: breaker.state } };
    },
  };
}

/** The categories and regular intervals an analysis saw (to notice a material change later). */
function basisOf(view: PredictionsView): NonNullable<StoredAnalysis['basis']> {
  const categories = [...new Set(view.products.map((p) => p.category).filter((c): c is string => c !== undefined))];
  const intervals: Record<string, number> = {};
  for (const p of view.products.filter((p) => p.purchases >= 3).slice(0, 30)) intervals[p.productId] = p.typicalIntervalDays;
  return { categories, intervals };
}

async function etagOf(answer: AnalysisAnswer, computedAt: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(computedAt + JSON.stringify(answer)));
  return `"${[...new Uint8Array(digest).slice(0, 12)].map((b) => b.toString(16).padStart(2, '0')).join('')}"`;
}
