import type { PredictionsView } from '../predictions/predictions.schemas.ts';
import type { AnalysisAnswer } from './analysis.schema.ts';
import { PROMPT_VERSION, type PseudonymousInput } from './prompt.ts';

/** Why an analysis is statistical rather than the model's. */
export type FallbackReason = 'no_consent' | 'unconfigured' | 'over_budget' | 'circuit_open' | 'unavailable' | 'timeout' | 'invalid_answer' | 'refused' | 'too_little_history';
export const FALLBACK_REASONS = ['no_consent', 'unconfigured', 'over_budget', 'circuit_open', 'unavailable', 'timeout', 'invalid_answer', 'refused', 'too_little_history'] as const satisfies readonly FallbackReason[];

/** Reasons that pass: a statistical answer given for one of them is retried after a while. */
export const TRANSIENT: ReadonlySet<FallbackReason> = new Set(['circuit_open', 'unavailable', 'timeout', 'over_budget', 'invalid_answer', 'refused']);

/** A customer's current analysis, as stored and served. */
export interface StoredAnalysis {
  customerId: string;
  source: 'bedrock' | 'statistical';
  fallbackReason?: FallbackReason;
  modelId?: string;
  promptVersion: string;
  computedAt: string;
  /** The purchase lines the analysis saw: more lines since then make it stale. */
  lineCount: number;
  jobId: string;
  etag: string;
  answer: AnalysisAnswer;
  /** What the analysis saw, to tell a material change in a later purchase: categories and regular intervals. */
  basis?: { categories: string[]; intervals: Record<string, number> };
}

export type JobStatus = 'queued' | 'running' | 'done' | 'failed';
export type JobReason = 'on_demand' | 'stale' | 'batch' | 'pattern_change';
export type JobResult = { source: StoredAnalysis['source']; fallbackReason?: FallbackReason; costUsd: number; skipped?: 'unchanged' | 'customer_gone' | 'no_purchases' | 'objected' };

export interface AnalysisJob {
  jobId: string;
  customerId: string;
  kind: 'insights.analyze';
  reason: JobReason;
  status: JobStatus;
  attempts: number;
  createdAt: string;
  updatedAt: string;
  /** While running: until when this claim holds; a worker that died lets the job be claimed again after it. */
  leaseUntil?: number;
  result?: JobResult;
  error?: string;
}

/** One line of the cost ledger: one Bedrock call sequence (answer plus a repair, if any) for one job. */
export interface LedgerLine {
  customerId: string;
  jobId: string;
  at: string;
  modelId: string;
  region: string;
  calls: number;
  /** Input tokens at the input price; cache reads and writes apart, each at its own price. */
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  /** On demand (Converse), or a record of a batch inference job (`inferenceJob` says which) at batch prices. */
  mode?: 'on_demand' | 'batch';
  inferenceJob?: string;
  pricePerMillion: { input: number; output: number; cacheRead?: number; cacheWrite?: number };
  costUsd: number;
  outcome: 'answer' | FallbackReason;
  /** The model's answer until the analysis is stored: a redelivered job uses it instead of calling again. */
  pendingAnswer?: AnalysisAnswer;
  /** What was sent to the model (pseudonymous: purchases and figures, no name, no id): a customer's export shows it. */
  input?: PseudonymousInput;
}

export type CountedLedgerLine = LedgerLine & { counted: { day: boolean; month: boolean } };

export interface BatchCounts {
  customers: number;
  enqueued: number;
  unchanged: number;
  inactive: number;
  noConsent: number;
  alreadyPending: number;
}

/**
 * How a daily batch's analyses were bought: one Bedrock batch inference job (`mode: 'batch'`), or on demand
 * when the batch was below the service's minimum record count. Counts and ids only.
 */
export interface InferenceRecord {
  mode: 'batch' | 'on_demand';
  /** Bedrock's status (Submitted, InProgress, Completed, PartiallyCompleted, Failed, Stopped, Expired), or `queued` on demand. */
  status: string;
  jobArn?: string;
  records: number;
  submittedAt: string;
  /** Records answered and stored at batch prices; answers that did not validate; jobs sent on demand. */
  answered: number;
  invalid: number;
  onDemand: number;
  costUsd: number;
  finishedAt?: string;
}

export interface BatchReport extends BatchCounts {
  batchId: string;
  pages: number;
  finished: boolean;
  inference?: InferenceRecord;
  /** Share of the active, consenting customers skipped because nothing changed since their analysis. */
  unchangedShare: number;
}

/** An analysis older than this is stale even without new purchases: the reading of "now" moves. */
export const STALE_AFTER_MS = 7 * 24 * 3600_000;
/** A statistical answer given because Bedrock failed is retried after this long. */
const TRANSIENT_RETRY_MS = 3600_000;

/** Whether a stored analysis should be refreshed (more lines since, another prompt, old, or a passing fallback). */
export function isStale(a: StoredAnalysis, lineCount: number | undefined, nowMs: number): boolean {
  if (lineCount !== undefined && a.lineCount < lineCount) return true;
  if (a.promptVersion !== PROMPT_VERSION) return true;
  const age = nowMs - Date.parse(a.computedAt);
  if (age > STALE_AFTER_MS) return true;
  return a.source === 'statistical' && a.fallbackReason !== undefined && TRANSIENT.has(a.fallbackReason) && age > TRANSIENT_RETRY_MS;
}

/** Nothing a new analysis would change: same lines, prompt and model, or a fallback whose reason still holds. */
export function unchanged(a: StoredAnalysis, lineCount: number, consents: boolean, modelId: string | undefined): boolean {
  if (a.lineCount !== lineCount || a.promptVersion !== PROMPT_VERSION) return false;
  if (a.source === 'bedrock') return a.modelId === modelId;
  if (a.fallbackReason === 'no_consent') return !consents;
  if (a.fallbackReason === 'unconfigured') return modelId === undefined;
  return !TRANSIENT.has(a.fallbackReason!);
}

/** The categories and regular intervals an analysis saw (to notice a material change later). */
export function basisOf(view: PredictionsView): NonNullable<StoredAnalysis['basis']> {
  const categories = [...new Set(view.products.map((p) => p.category).filter((c): c is string => c !== undefined))];
  const intervals: Record<string, number> = {};
  for (const p of view.products.filter((p) => p.purchases >= 3).slice(0, 30)) intervals[p.productId] = p.typicalIntervalDays;
  return { categories, intervals };
}

/**
 * A purchase changes the pattern materially when it brings a category the analysis never saw, or moves a
 * regular product's interval by more than a third.
 */
export function patternChanged(basis: NonNullable<StoredAnalysis['basis']>, products: readonly { productId: string; category?: string; purchases: number; typicalGapDays: number }[]): boolean {
  const seen = new Set(basis.categories);
  if (products.some((p) => p.category && !seen.has(p.category))) return true;
  return products.some((p) => {
    const before = basis.intervals[p.productId];
    return before !== undefined && p.purchases >= 3 && Math.abs(p.typicalGapDays - before) / before > 1 / 3;
  });
}
