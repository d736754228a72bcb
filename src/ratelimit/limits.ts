import { z } from 'zod';
import type { Rate } from './token-bucket.ts';

/**
 * The named limits. Customer tokens get `storefront` (per token subject, overridable with
 * CADENCE_STOREFRONT_RATE_LIMIT); an API key gets what its record says, else a tier by its scopes:
 * operators (`admin`, `ops:read`) `operator`, the orders service (`purchases:write`) `orders`, any other
 * server `standard`. On Workers each tier is also a rate-limiting binding (src/ratelimit/bindings.ts).
 */
export const RATE_LIMIT_TIERS = {
  storefront: { perSecond: 10, burst: 40 },
  standard: { perSecond: 50, burst: 200 },
  operator: { perSecond: 100, burst: 500 },
  orders: { perSecond: 200, burst: 1000 },
} as const satisfies Record<string, Rate>;
export type TierName = keyof typeof RATE_LIMIT_TIERS;
export const TIER_NAMES = Object.keys(RATE_LIMIT_TIERS) as TierName[];

/** What an API key record may say: a tier, `unlimited`, or its own numbers. */
export const RateLimitSetting = z.union([
  z.enum(['storefront', 'standard', 'operator', 'orders', 'unlimited']) satisfies z.ZodType<TierName | 'unlimited'>,
  z.strictObject({ perSecond: z.number().positive().max(1_000_000), burst: z.number().int().min(1).max(1_000_000) }),
]);
export type RateLimitSetting = z.infer<typeof RateLimitSetting>;

/**
 * A limit as the limiter applies it: the tier it counts under (`custom` for a key's own numbers; the
 * metric's label and, on Workers, which binding), and the rate (none: unlimited).
 */
export interface ResolvedLimit {
  tier: TierName | 'custom' | 'unlimited';
  rate?: Rate;
}

export function resolveSetting(setting: RateLimitSetting): ResolvedLimit {
  if (setting === 'unlimited') return { tier: 'unlimited' };
  if (typeof setting === 'string') return { tier: setting, rate: RATE_LIMIT_TIERS[setting] };
  return { tier: 'custom', rate: setting };
}

/** An API key's limit: its record's setting, else the tier its scopes call for. */
export function limitOfKey(record: { scopes: readonly string[]; rateLimit?: RateLimitSetting | undefined }): ResolvedLimit {
  if (record.rateLimit !== undefined) return resolveSetting(record.rateLimit);
  const has = (s: string) => record.scopes.includes(s);
  return resolveSetting(has('admin') || has('ops:read') ? 'operator' : has('purchases:write') ? 'orders' : 'standard');
}

/**
 * A setting as written on a command line or in an environment variable: a tier name, `unlimited` (or
 * `off`), `<perSecond>/<burst>` (`20/100`), or `<perSecond>` alone (burst: twice the rate, at least 1).
 */
export function parseRateLimit(text: string): RateLimitSetting {
  const t = text.trim();
  if (t === 'off') return 'unlimited';
  const m = /^(\d+(?:\.\d+)?)(?:\/(\d+))?$/.exec(t);
  const candidate = m ? { perSecond: Number(m[1]), burst: m[2] !== undefined ? Number(m[2]) : Math.max(1, Math.ceil(Number(m[1]) * 2)) } : t;
  const parsed = RateLimitSetting.safeParse(candidate);
  if (!parsed.success) throw new Error(`a rate limit is one of ${[...TIER_NAMES, 'unlimited'].join(', ')}, or <perSecond>/<burst> such as 20/100 (got "${text}")`);
  return parsed.data;
}

/** The zod type of an environment variable holding a setting (parsed once at start-up). */
export const RateLimitEnv = z.string().transform((text, ctx) => {
  try {
    return parseRateLimit(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});
