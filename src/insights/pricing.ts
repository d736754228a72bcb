/**
 * Bedrock on-demand prices per million tokens (US dollars), by model id without the inference-profile
 * prefix (`eu.`, `us.`, `apac.`, `au.`). Data, not logic: update it from the AWS pricing page when prices
 * move; a model missing here cannot be called, because its cost could not be counted.
 */
export const PRICES_PER_MILLION: Record<string, { input: number; output: number }> = {
  'anthropic.claude-3-haiku-20240307-v1:0': { input: 0.25, output: 1.25 }, // legacy, end of life 2026-09-10
  'anthropic.claude-3-5-haiku-20241022-v1:0': { input: 0.8, output: 4 },
  'anthropic.claude-haiku-4-5-20251001-v1:0': { input: 1, output: 5 },
};

const PROFILE_PREFIX = /^(eu|us|apac|au|jp|global)\./;

export function priceOf(modelId: string): { input: number; output: number } | undefined {
  return PRICES_PER_MILLION[modelId.replace(PROFILE_PREFIX, '')];
}

/** Cost in US dollars of one call, to the micro-dollar (what the ledger records). */
export function costOf(modelId: string, usage: { inputTokens: number; outputTokens: number }): number {
  const price = priceOf(modelId);
  if (!price) throw new Error(`no price for model ${modelId}: add it to PRICES_PER_MILLION before calling it`);
  return Math.round(((usage.inputTokens * price.input + usage.outputTokens * price.output) / 1e6) * 1e6) / 1e6;
}
