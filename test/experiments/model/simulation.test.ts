import { beforeAll, describe, expect, it } from 'vitest';
import { sequentialTest } from '../../../src/experiments/model/sequential.ts';
import { addStats, difference, emptyStats, momentsOf, twoProportions, welch, welchTest, type SufficientStats } from '../../../src/experiments/model/statistics.ts';
import { prng } from '../../../src/shared/random.ts';

/** Simulations that hold the engines to their promises; sizes are chosen to run in about a second. */
const rnd = prng(7);
const draw = (n: number, value: () => number): SufficientStats => {
  const s = emptyStats();
  for (let i = 0; i < n; i++) {
    const x = value();
    s.n++;
    s.sum += x;
    s.sumSquares += x * x;
  }
  return s;
};

describe('A/A experiments (no true difference)', () => {
  it('2,000 experiments: the frequentist engine flags about 5% at p < 0.05, never much more', () => {
    let flagged = 0;
    for (let e = 0; e < 2000; e++) {
      if (e % 2 === 0) {
        // Conversion: 10% of 800 units per arm.
        const conv = () => (rnd.next() < 0.1 ? 1 : 0);
        const a = draw(800, conv);
        const b = draw(800, conv);
        if (twoProportions(a.sum, a.n, b.sum, b.n, { relative: true })!.pValue < 0.05) flagged++;
      } else {
        // Revenue per unit: skewed (most spend nothing, a few a lot).
        const spend = () => (rnd.next() < 0.2 ? Math.exp(3 + rnd.normal()) : 0);
        if (welch(draw(800, spend), draw(800, spend), { relative: true })!.pValue < 0.05) flagged++;
      }
    }
    const rate = flagged / 2000;
    expect(rate).toBeGreaterThan(0.03);
    expect(rate).toBeLessThan(0.062);
  });
});

describe('peeking every day', () => {
  // 300 experiments, 28 daily looks, 120 units per arm per day; B is 5% better than A.
  const EXPERIMENTS = 300;
  const DAYS = 28;
  const lift = 0.05;
  const missed = { sequential: 0, fixed: 0 };
  beforeAll(() => {
  for (let e = 0; e < EXPERIMENTS; e++) {
    let a = emptyStats();
    let b = emptyStats();
    let sequentialMissed = false;
    let fixedMissed = false;
    for (let day = 0; day < DAYS; day++) {
      a = addStats(a, draw(120, () => 10 + 4 * rnd.normal()));
      b = addStats(b, draw(120, () => 10 * (1 + lift) + 4 * rnd.normal()));
      const d = difference(momentsOf(a, 'mean'), momentsOf(b, 'mean'), true)!;
      const s = sequentialTest(d, a.n + b.n);
      if (s.ci[0] > lift || s.ci[1] < lift) sequentialMissed = true;
      const f = welchTest(d);
      if (f.ci[0] > lift || f.ci[1] < lift) fixedMissed = true;
    }
    if (sequentialMissed) missed.sequential++;
    if (fixedMissed) missed.fixed++;
  }
  });

  it('the sequential intervals keep their 95% coverage of the true lift over all 28 looks', () => {
    expect(missed.sequential / EXPERIMENTS).toBeLessThanOrEqual(0.05);
  });

  it('while fixed-horizon intervals, looked at daily, miss it far more often than 5%', () => {
    expect(missed.fixed / EXPERIMENTS).toBeGreaterThan(0.1);
  });
});
