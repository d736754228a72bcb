import { RATE_LIMIT_TIERS, TIER_NAMES, type ResolvedLimit, type TierName } from './limits.ts';

/** The Workers rate-limiting binding (`[[ratelimits]]`): `limit({ key })` counts a call and says whether it is within the limit. */
export interface RateLimitBinding {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

/** One binding per tier: the binding's limit is fixed in wrangler.toml, so per-key numbers cannot be one each. */
export const LIMITER_BINDINGS: Readonly<Record<TierName, string>> = {
  storefront: 'STOREFRONT_LIMITER',
  standard: 'API_LIMITER',
  operator: 'OPERATOR_LIMITER',
  orders: 'ORDERS_LIMITER',
};

/** The binding's window: Cloudflare allows 10 or 60 seconds. */
export const LIMITER_PERIOD_SECONDS = 10;

/** Calls a tier's binding allows per window: the sustained rate over the window, at least one burst. */
export const bindingLimit = (tier: TierName): number => {
  const { perSecond, burst } = RATE_LIMIT_TIERS[tier];
  return Math.max(burst, perSecond * LIMITER_PERIOD_SECONDS);
};

/**
 * Rate-limit namespaces are unique per Cloudflare account and bindings that share one share counters:
 * each region's Worker has its own per tier (a request forwarded to another region counts there too, as
 * in its own buckets on Node).
 */
export const limiterNamespace = (regionIndex: number, tier: TierName): string => String(7100 + regionIndex * 10 + TIER_NAMES.indexOf(tier));

/**
 * The binding a limit counts under in the colo: its tier's, or for a key's own numbers the API tier with
 * the smallest rate at or above them (the isolate's bucket enforces the exact numbers); none for
 * `unlimited` or a rate above every tier.
 */
export function bindingTierFor(limit: ResolvedLimit): TierName | undefined {
  if (limit.tier === 'unlimited') return undefined;
  if (limit.tier !== 'custom') return limit.tier;
  const perSecond = limit.rate!.perSecond;
  return (['standard', 'operator', 'orders'] as const).find((t) => RATE_LIMIT_TIERS[t].perSecond >= perSecond);
}

/** The limiter bindings a Worker's env has (none locally on Node, or when wrangler.toml lacks them). */
export function limiterBindingsOf(env: Record<string, unknown>): Partial<Record<TierName, RateLimitBinding>> {
  const found: Partial<Record<TierName, RateLimitBinding>> = {};
  for (const tier of TIER_NAMES) {
    const binding = env[LIMITER_BINDINGS[tier]] as RateLimitBinding | undefined;
    if (typeof binding?.limit === 'function') found[tier] = binding;
  }
  return found;
}

/** wrangler.toml's `[[env.<region>.ratelimits]]` entries of one region (environments do not inherit them). */
export function wranglerRateLimits(regionId: string, regionIndex: number): string[] {
  return TIER_NAMES.flatMap((tier) => [
    `[[env.${regionId}.ratelimits]]`,
    `name = "${LIMITER_BINDINGS[tier]}"`,
    `namespace_id = "${limiterNamespace(regionIndex, tier)}"`,
    `simple = { limit = ${bindingLimit(tier)}, period = ${LIMITER_PERIOD_SECONDS} }`,
    '',
  ]);
}

/** The same bindings as Miniflare options (its emulation: a fixed window per key), limits overridable by tests. */
export function miniflareRateLimits(overrides: Partial<Record<TierName, number>> = {}) {
  return Object.fromEntries(TIER_NAMES.map((tier) => [LIMITER_BINDINGS[tier], { simple: { limit: overrides[tier] ?? bindingLimit(tier), period: LIMITER_PERIOD_SECONDS } }]));
}
