import { describe, expect, it } from 'vitest';
import { limiterBindingsOf, LIMITER_BINDINGS, type RateLimitBinding } from '../../src/ratelimit/bindings.ts';
import { RateLimiter } from '../../src/ratelimit/limiter.ts';
import { limitOfKey } from '../../src/ratelimit/limits.ts';
import type { Principal } from '../../src/http/context.ts';

/**
 * What Miniflare cannot show (test/worker/workerd.test.ts runs the real bindings): a Worker without the
 * bindings, and a binding that throws. These use binding-shaped objects, said plainly.
 */
describe('the colo limiter (Workers bindings) at its edges', () => {
  const key: Principal = { kind: 'apiKey', keyId: 'k1', scopes: new Set(['customers:read']), limit: limitOfKey({ scopes: ['customers:read'] }) };

  it('finds no bindings in an env without them, and then lets everything through the colo step', async () => {
    const bindings = limiterBindingsOf({ CADENCE_REGION: 'us-east-1', API_LIMITER: 'not a binding' });
    expect(bindings).toEqual({});
    const limiter = new RateLimiter({ region: 'us-east-1', bindings });
    expect(limiter.hasBindings).toBe(false);
    expect(await limiter.colo(key)).toBe(0);
  });

  it('lets a request through when the binding fails: the limiter never causes a 5xx', async () => {
    const failing: RateLimitBinding = { limit: () => Promise.reject(new Error('binding down')) };
    const limiter = new RateLimiter({ region: 'us-east-1', bindings: limiterBindingsOf({ [LIMITER_BINDINGS.standard]: failing }) });
    expect(limiter.hasBindings).toBe(true);
    expect(await limiter.colo(key)).toBe(0);
  });

  it('keys the binding by credential id and asks the tier of the credential', async () => {
    const asked: string[] = [];
    const recording = (name: string, success: boolean): RateLimitBinding => ({ limit: async ({ key: k }) => (asked.push(`${name} ${k}`), { success }) });
    const limiter = new RateLimiter({ region: 'us-east-1', bindings: { standard: recording('api', false), storefront: recording('storefront', true) } });
    expect(await limiter.colo(key)).toBe(10);
    expect(await limiter.colo({ kind: 'customer', customerId: 'cus_row_abc', expiresAt: Date.now() + 60_000 })).toBe(0);
    expect(asked).toEqual(['api k:k1', 'storefront t:cus_row_abc']);
  });
});
