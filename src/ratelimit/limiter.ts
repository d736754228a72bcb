import type { MiddlewareHandler } from 'hono';
import type { AppEnv, Principal } from '../http/context.ts';
import { Problem } from '../http/problem.ts';
import { metrics } from '../ops/metrics.ts';
import { bindingTierFor, LIMITER_BINDINGS, LIMITER_PERIOD_SECONDS, type RateLimitBinding } from './bindings.ts';
import { resolveSetting, type RateLimitSetting, type ResolvedLimit, type TierName } from './limits.ts';
import { TokenBuckets } from './token-bucket.ts';

export interface RateLimiterOptions {
  /** The deployment's region (the metric's label). */
  region: string;
  /** Every customer token's limit, per token subject (default: the `storefront` tier). */
  storefront?: RateLimitSetting;
  /** Milliseconds that only move forward; default performance.now (the app's `now` may be frozen in tests). */
  clock?: () => number;
  /** Workers: the rate-limiting bindings by tier, counted per colo after the isolate's bucket. */
  bindings?: Partial<Record<TierName, RateLimitBinding>>;
}

/** The answer to a request over its limit: 429, problem+json, `Retry-After` in whole seconds. */
export const rateLimited = (retryAfter: number) =>
  new Problem(429, 'request.rateLimited', 'Too many requests for this credential; retry after the number of seconds in Retry-After', { retryAfter });

/**
 * Per-credential limits of one deployment: a token bucket per API key id and per customer token subject
 * in this process or isolate (`take`, synchronous, also on the storefront fast path), and on Workers the
 * tier's rate-limiting binding for the colo (`colo`). Separate buckets per credential: one storefront
 * token's burst never slows another's.
 */
export class RateLimiter {
  private readonly keys: TokenBuckets;
  private readonly tokens: TokenBuckets;
  readonly storefront: ResolvedLimit;
  private readonly bindings: Partial<Record<TierName, RateLimitBinding>>;
  private readonly region: string;

  constructor(options: RateLimiterOptions) {
    const clock = options.clock ?? (() => performance.now());
    this.keys = new TokenBuckets(clock, 10_000);
    this.tokens = new TokenBuckets(clock, 100_000);
    // Customer tokens count as the storefront tier whatever their numbers (the metric's label, the binding).
    const storefront = resolveSetting(options.storefront ?? 'storefront');
    this.storefront = storefront.rate ? { tier: 'storefront', rate: storefront.rate } : storefront;
    this.bindings = options.bindings ?? {};
    this.region = options.region;
  }

  /** 0: within the limit (a token was taken); else the seconds to wait. A Map lookup and arithmetic. */
  take(principal: Principal): number {
    const limit = principal.kind === 'apiKey' ? principal.limit : this.storefront;
    if (limit.rate === undefined) return 0;
    const wait = principal.kind === 'apiKey' ? this.keys.take(principal.keyId, limit.rate) : this.tokens.take(principal.customerId, limit.rate);
    if (wait > 0) this.count(principal, limit, 'bucket');
    return wait;
  }

  /** Whether this isolate has any colo-wide binding to ask (Workers only). */
  get hasBindings(): boolean {
    return Object.keys(this.bindings).length > 0;
  }

  /**
   * Workers: the colo's count for the credential's tier, after `take` let it through; 0 or the window's
   * length. A binding that fails lets the request through: a limiter is never the reason for a 5xx.
   */
  async colo(principal: Principal): Promise<number> {
    const limit = principal.kind === 'apiKey' ? principal.limit : this.storefront;
    const tier = principal.kind === 'apiKey' ? bindingTierFor(limit) : limit.rate ? 'storefront' : undefined;
    const binding = tier ? this.bindings[tier] : undefined;
    if (!binding) return 0;
    const key = principal.kind === 'apiKey' ? `k:${principal.keyId}` : `t:${principal.customerId}`;
    try {
      if ((await binding.limit({ key })).success) return 0;
    } catch (err) {
      console.error(JSON.stringify({ level: 'warn', msg: 'rate-limit binding failed; request let through', binding: LIMITER_BINDINGS[tier!], error: err instanceof Error ? err.name : 'error' }));
      return 0;
    }
    this.count(principal, limit, 'binding');
    return LIMITER_PERIOD_SECONDS;
  }

  private count(principal: Principal, limit: ResolvedLimit, where: 'bucket' | 'binding'): void {
    metrics.rateLimited(this.region, principal.kind === 'apiKey' ? 'api_key' : 'customer_token', limit.tier, where);
  }
}

/** After authentication, before residency and the route: a credential over its limit is answered 429. */
export function rateLimit(limiter: RateLimiter): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = c.var.principal;
    const wait = limiter.take(principal) || (limiter.hasBindings ? await limiter.colo(principal) : 0);
    if (wait > 0) return rateLimited(wait).toResponse({ 'retry-after': String(wait) });
    await next();
  };
}
