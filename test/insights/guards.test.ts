import { describe, expect, it } from 'vitest';
import { CircuitBreaker, Pacer } from '../../src/insights/guards.ts';
import { costOf, priceOf } from '../../src/insights/pricing.ts';

describe('price table', () => {
  it('prices a call by model, with or without an inference-profile prefix', () => {
    expect(costOf('anthropic.claude-3-haiku-20240307-v1:0', { inputTokens: 1_000_000, outputTokens: 200_000 })).toBe(0.5);
    expect(costOf('eu.anthropic.claude-haiku-4-5-20251001-v1:0', { inputTokens: 1200, outputTokens: 350 })).toBe(0.00295);
    expect(priceOf('apac.anthropic.claude-haiku-4-5-20251001-v1:0')).toMatchObject({ input: 1, output: 5 });
    expect(() => costOf('anthropic.unknown-model', { inputTokens: 1, outputTokens: 1 })).toThrow(/no price/);
  });
});

describe('circuit breaker', () => {
  it('opens after repeated failures, lets one trial through after the pause, and closes on success', () => {
    let t = 0;
    const b = new CircuitBreaker(3, 30_000, () => t);
    b.failure();
    b.failure();
    expect(b.allow()).toBe(true);
    b.failure();
    expect([b.state, b.allow()]).toEqual(['open', false]);
    t = 29_999;
    expect(b.allow()).toBe(false);
    t = 30_000;
    expect(b.state).toBe('half-open');
    expect(b.allow()).toBe(true); // the trial
    expect(b.allow()).toBe(false); // only one
    b.failure();
    expect([b.state, b.allow()]).toEqual(['open', false]);
    t = 60_001;
    expect(b.allow()).toBe(true);
    b.success();
    expect([b.state, b.allow(), b.allow()]).toEqual(['closed', true, true]);
  });
});

describe('pacer', () => {
  it('keeps calls under the requests-per-minute and tokens-per-minute quotas', () => {
    let t = 0;
    const p = new Pacer(2, 10_000, () => t);
    expect(p.reserve(1_000)).toBe(0);
    expect(p.reserve(1_000)).toBe(0);
    const wait = p.reserve(1_000); // third request in the same minute
    expect(wait).toBe(30_000);
    t += wait;
    expect(p.reserve(1_000)).toBe(0);
    // Tokens: a call bigger than what is left waits for the bucket to refill.
    const q = new Pacer(100, 10_000, () => t);
    expect(q.reserve(9_000)).toBe(0);
    expect(q.reserve(4_000)).toBe(18_000);
    q.settle(9_000, 3_000); // the first call used fewer tokens than reserved
    expect(q.reserve(4_000)).toBe(0);
  });
});
