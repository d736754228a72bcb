import { describe, expect, it } from 'vitest';
import { TokenBuckets, type Rate } from '../../src/ratelimit/token-bucket.ts';
import { limitOfKey, parseRateLimit, RATE_LIMIT_TIERS } from '../../src/ratelimit/limits.ts';
import { bindingTierFor } from '../../src/ratelimit/bindings.ts';

/** Steps on a hand-moved clock: at `t` ms, `n` takes in a row, and what each answered (0 = taken, else Retry-After seconds). */
type Step = { t: number; n: number; expect: number[] };
const cases: { name: string; rate: Rate; steps: Step[] }[] = [
  { name: 'a new key starts full: the whole burst, then a refusal', rate: { perSecond: 1, burst: 3 }, steps: [{ t: 0, n: 4, expect: [0, 0, 0, 1] }] },
  { name: 'refill at the rate: one token per second', rate: { perSecond: 1, burst: 3 }, steps: [{ t: 0, n: 3, expect: [0, 0, 0] }, { t: 999, n: 1, expect: [1] }, { t: 1000, n: 2, expect: [0, 1] }] },
  { name: 'refill never exceeds the burst', rate: { perSecond: 10, burst: 2 }, steps: [{ t: 0, n: 2, expect: [0, 0] }, { t: 60_000, n: 3, expect: [0, 0, 1] }] },
  { name: 'fractional tokens add up', rate: { perSecond: 4, burst: 1 }, steps: [{ t: 0, n: 1, expect: [0] }, { t: 100, n: 1, expect: [1] }, { t: 250, n: 1, expect: [0] }] },
  { name: 'Retry-After is whole seconds, rounded up, for a slow rate', rate: { perSecond: 0.2, burst: 1 }, steps: [{ t: 0, n: 2, expect: [0, 5] }, { t: 2_500, n: 1, expect: [3] }, { t: 5_000, n: 1, expect: [0] }] },
  { name: 'Retry-After is at least 1 for a fast rate', rate: { perSecond: 100, burst: 1 }, steps: [{ t: 0, n: 2, expect: [0, 1] }, { t: 10, n: 1, expect: [0] }] },
  { name: 'a refused request takes nothing', rate: { perSecond: 1, burst: 1 }, steps: [{ t: 0, n: 5, expect: [0, 1, 1, 1, 1] }, { t: 1000, n: 1, expect: [0] }] },
];

describe('TokenBuckets', () => {
  it.each(cases)('$name', ({ rate, steps }) => {
    let now = 0;
    const buckets = new TokenBuckets(() => now);
    for (const step of steps) {
      now = step.t;
      expect(Array.from({ length: step.n }, () => buckets.take('a', rate))).toEqual(step.expect);
    }
  });

  it('keeps one bucket per key: a burst from one key leaves another full', () => {
    const buckets = new TokenBuckets(() => 0);
    const rate = { perSecond: 1, burst: 2 };
    expect([buckets.take('a', rate), buckets.take('a', rate), buckets.take('a', rate)]).toEqual([0, 0, 1]);
    expect([buckets.take('b', rate), buckets.take('b', rate)]).toEqual([0, 0]);
  });

  it('stays bounded: at its size it drops refilled buckets first, and at least a tenth', () => {
    let now = 0;
    const buckets = new TokenBuckets(() => now, 100);
    const rate = { perSecond: 1, burst: 5 };
    for (let i = 0; i < 100; i++) buckets.take(`k${i}`, rate);
    buckets.take('busy', rate); // full: nothing has refilled yet, so the oldest tenth goes
    expect(buckets.size).toBeLessThanOrEqual(91);
    for (let i = 0; i < 4; i++) buckets.take('busy', rate);
    expect(buckets.take('busy', rate)).toBe(1);
    now = 2_000; // every k… bucket has refilled (1 token missing each); `busy` has not (5 missing)
    for (let i = 100; buckets.size < 100; i++) buckets.take(`n${i}`, rate);
    buckets.take('one-more', rate);
    expect(buckets.take('busy', rate)).toBe(0); // refilled by two tokens, not reset
    expect(buckets.take('busy', rate)).toBe(0);
    expect(buckets.take('busy', rate)).toBe(1);
  });
});

describe('rate limit settings', () => {
  it.each([
    ['orders', 'orders'],
    ['unlimited', 'unlimited'],
    ['off', 'unlimited'],
    ['20/100', { perSecond: 20, burst: 100 }],
    ['0.5/1', { perSecond: 0.5, burst: 1 }],
    ['20', { perSecond: 20, burst: 40 }],
  ] as const)('reads "%s"', (text, setting) => {
    expect(parseRateLimit(text)).toEqual(setting);
  });

  it.each(['', 'fast', '0/10', '10/0', '-1/5', '10/1.5', '10/abc'])('refuses "%s"', (text) => {
    expect(() => parseRateLimit(text)).toThrow(/rate limit/);
  });

  it.each([
    ['the record says so', { scopes: ['purchases:write'], rateLimit: { perSecond: 3, burst: 6 } }, { tier: 'custom', rate: { perSecond: 3, burst: 6 } }],
    ['a tier on the record', { scopes: ['admin'], rateLimit: 'standard' as const }, { tier: 'standard', rate: RATE_LIMIT_TIERS.standard }],
    ['operators by scope', { scopes: ['admin'] }, { tier: 'operator', rate: RATE_LIMIT_TIERS.operator }],
    ['ops readers by scope', { scopes: ['ops:read'] }, { tier: 'operator', rate: RATE_LIMIT_TIERS.operator }],
    ['the orders service by scope', { scopes: ['purchases:write', 'customers:write'] }, { tier: 'orders', rate: RATE_LIMIT_TIERS.orders }],
    ['any other server', { scopes: ['predictions:read'] }, { tier: 'standard', rate: RATE_LIMIT_TIERS.standard }],
    ['unlimited', { scopes: ['admin'], rateLimit: 'unlimited' as const }, { tier: 'unlimited' }],
  ])('gives a key its limit: %s', (_name, record, limit) => {
    expect(limitOfKey(record)).toEqual(limit);
  });

  it.each([
    [{ tier: 'custom', rate: { perSecond: 5, burst: 5 } }, 'standard'],
    [{ tier: 'custom', rate: { perSecond: 80, burst: 5 } }, 'operator'],
    [{ tier: 'custom', rate: { perSecond: 200, burst: 5 } }, 'orders'],
    [{ tier: 'custom', rate: { perSecond: 5000, burst: 5 } }, undefined],
    [{ tier: 'orders', rate: RATE_LIMIT_TIERS.orders }, 'orders'],
    [{ tier: 'unlimited' }, undefined],
  ] as const)('counts %j under the Workers binding of %s', (limit, tier) => {
    expect(bindingTierFor(limit)).toBe(tier);
  });
});
