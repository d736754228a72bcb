/**
 * Bedrock prices per million tokens (US dollars), by model id without the inference-profile prefix
 * (`eu.`, `us.`, `apac.`, `au.`). Data, not logic: update it from the AWS pricing page when prices move; a
 * model missing here cannot be called, because its cost could not be counted.
 *
 * - `batch`: batch inference, half the on-demand price for both input and output (Bedrock pricing).
 * - `cache`: prompt caching where Bedrock offers it for the model: a cache write costs 1.25 times the input
 *   price, a cache read 0.1 times; `minTokens` is the model's minimum cacheable prefix per checkpoint
 *   (Bedrock's prompt-caching page and model cards: 2,048 for Claude 3.5 Haiku, 4,096 for Claude Haiku 4.5).
 *   A checkpoint below the minimum is accepted and simply not cached. Claude 3 Haiku has no prompt caching on
 *   Bedrock.
 */
export interface ModelPrice {
  input: number;
  output: number;
  batch?: { input: number; output: number };
  cache?: { read: number; write: number; minTokens: number };
}

export const PRICES_PER_MILLION: Record<string, ModelPrice> = {
  // legacy, end of life 2026-09-10
  'anthropic.claude-3-haiku-20240307-v1:0': { input: 0.25, output: 1.25, batch: { input: 0.125, output: 0.625 } },
  'anthropic.claude-3-5-haiku-20241022-v1:0': { input: 0.8, output: 4, batch: { input: 0.4, output: 2 }, cache: { read: 0.08, write: 1, minTokens: 2048 } },
  'anthropic.claude-haiku-4-5-20251001-v1:0': { input: 1, output: 5, batch: { input: 0.5, output: 2.5 }, cache: { read: 0.1, write: 1.25, minTokens: 4096 } },
};

const PROFILE_PREFIX = /^(eu|us|apac|au|jp|global)\./;

export function priceOf(modelId: string): ModelPrice | undefined {
  return PRICES_PER_MILLION[modelId.replace(PROFILE_PREFIX, '')];
}

/** How a call was bought: on demand (Converse) or inside a batch inference job. */
export type PricingMode = 'on_demand' | 'batch';

/** The per-million prices a ledger line records for a call of this mode. */
export function ratesOf(modelId: string, mode: PricingMode = 'on_demand'): { input: number; output: number; cacheRead?: number; cacheWrite?: number } {
  const price = priceOf(modelId);
  if (!price) throw new Error(`no price for model ${modelId}: add it to PRICES_PER_MILLION before calling it`);
  if (mode === 'batch') {
    if (!price.batch) throw new Error(`model ${modelId} has no batch price`);
    return { ...price.batch };
  }
  return { input: price.input, output: price.output, ...(price.cache ? { cacheRead: price.cache.read, cacheWrite: price.cache.write } : {}) };
}

export interface BilledTokens {
  /** Input tokens billed at the input price (neither read from nor written to the cache). */
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
}

/** Cost in US dollars of a call (or a customer's share of one), to the micro-dollar (what the ledger records). */
export function costOf(modelId: string, usage: BilledTokens, mode: PricingMode = 'on_demand'): number {
  const r = ratesOf(modelId, mode);
  const micro = usage.inputTokens * r.input + usage.outputTokens * r.output + (usage.cacheReadTokens ?? 0) * (r.cacheRead ?? r.input) + (usage.cacheWriteTokens ?? 0) * (r.cacheWrite ?? r.input);
  return Math.round((micro / 1e6) * 1e6) / 1e6;
}
