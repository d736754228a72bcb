import { describe, expect, it } from 'vitest';
import { bayesianTest, posterior, risks } from '../../../src/experiments/model/bayesian.ts';
import { sequentialRho, sequentialTest } from '../../../src/experiments/model/sequential.ts';
import { difference, holm, momentsOf, sampleRatioMismatch, twoProportions, welch, welchTest, type SufficientStats } from '../../../src/experiments/model/statistics.ts';

const r = (x: number, d = 4) => Number(x.toFixed(d));
const A: SufficientStats = { sum: 1396.87, sumSquares: 52377.9767, n: 3407 };
const B: SufficientStats = { sum: 2422.7, sumSquares: 134698.29, n: 3461 };

describe("published gbstats figures (GrowthBook's stats engine), to 4 decimals", () => {
  it('Welch t-test, relative lift', () => {
    const res = welch(A, B, { relative: true })!;
    expect([r(res.estimate), r(res.ci[0]), r(res.ci[1]), r(res.pValue)]).toEqual([0.7073, -0.0353, 1.4499, 0.0619]);
    expect(Math.abs(res.estimate - 0.70732)).toBeLessThan(5e-5);
    expect(Math.abs(res.ci[0] + 0.03526)).toBeLessThan(5e-5);
    expect(Math.abs(res.ci[1] - 1.44989)).toBeLessThan(5e-5);
    expect(Math.abs(res.pValue - 0.06191)).toBeLessThan(5e-5);
  });

  it('Welch t-test, absolute difference', () => {
    const res = welch(A, B, { relative: false })!;
    expect(Math.abs(res.estimate - 0.29)).toBeLessThan(5e-5);
    expect(Math.abs(res.ci[0] - 0.04538)).toBeLessThan(5e-5);
    expect(Math.abs(res.ci[1] - 0.53462)).toBeLessThan(5e-5);
    expect(Math.abs(res.pValue - 0.02016)).toBeLessThan(5e-5);
  });

  it('two proportions, 14/28 against 16/30', () => {
    const res = twoProportions(14, 28, 16, 30, { relative: true })!;
    expect([res.estimate, res.ci[0], res.ci[1], res.pValue].map((x) => r(x, 5))).toEqual([0.06667, -0.47767, 0.61101, 0.80707]);
  });

  it('sample ratio mismatch: 5000/5200 at 50/50 is not flagged, 5000/5400 is', () => {
    const ok = sampleRatioMismatch([5000, 5200], [0.5, 0.5]);
    expect([r(ok.pValue), ok.flagged]).toEqual([0.0477, false]);
    const bad = sampleRatioMismatch([5000, 5400], [0.5, 0.5]);
    expect(Math.abs(bad.pValue - 8.8e-5)).toBeLessThan(5e-6);
    expect(bad.flagged).toBe(true);
  });

  it("sequential (gbstats' own test figures): means with tuning 1000, and proportions at the default 5000", () => {
    const a = { ...A, n: 3000 };
    const d = difference(momentsOf(a, 'mean'), momentsOf(B, 'mean'), true)!;
    const res = sequentialTest(d, a.n + B.n, { tuning: 1000 });
    expect([res.estimate, res.ci[0], res.ci[1], d.standardError, res.pValue].map((x) => r(x, 5))).toEqual([0.50336, -0.55844, 1.56516, 0.33341, 1]);
    const p = difference(momentsOf({ n: 3000, sum: 1396, sumSquares: 1396 }, 'proportion'), momentsOf({ n: 3461, sum: 2422, sumSquares: 2422 }, 'proportion'), true)!;
    const prop = sequentialTest(p, 6461);
    expect([prop.estimate, prop.ci[0], prop.ci[1], p.standardError, prop.pValue].map((x) => r(x, 5))).toEqual([0.50386, 0.40098, 0.60675, 0.03386, 0]);
  });
});

describe('the Bayesian engine, from its formulas', () => {
  const d = difference(momentsOf(A, 'mean'), momentsOf(B, 'mean'), true)!;

  it('with the default flat prior is the Gaussian on the estimate and its standard error', () => {
    const res = bayesianTest(d);
    expect(res.estimate).toBe(d.estimate);
    expect(r(res.ci[0], 6)).toBe(r(d.estimate - 1.959964 * d.standardError, 6));
    expect(r(res.chanceToWin, 4)).toBe(0.9691);
    // Chance to win is the one-sided normal p-value's complement.
    expect(res.chanceToWin).toBeCloseTo(1 - welchTest({ ...d, dof: 1e9 }).pValue / 2, 6);
  });

  it('risk is the expected loss E[max(0, −lift)], checked by numerical integration', () => {
    for (const [mu, sigma] of [[0.05, 0.1], [-0.2, 0.05], [0, 1], [3, 0.4]] as const) {
      const { risk, riskOfControl } = risks(mu, sigma);
      let loss = 0;
      let gain = 0;
      const steps = 20_000;
      const lo = mu - 10 * sigma;
      const h = (20 * sigma) / steps;
      for (let i = 0; i < steps; i++) {
        const x = lo + (i + 0.5) * h;
        const density = Math.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * Math.sqrt(2 * Math.PI));
        loss += Math.max(0, -x) * density * h;
        gain += Math.max(0, x) * density * h;
      }
      expect(risk).toBeCloseTo(loss, 6);
      expect(riskOfControl).toBeCloseTo(gain, 6);
      expect(riskOfControl - risk).toBeCloseTo(mu, 10);
    }
  });

  it('a proper prior pulls the posterior toward its mean by precision weights', () => {
    const post = posterior({ estimate: 0.2, standardError: 0.1, dof: 100 }, { mean: 0, stddev: 0.1, proper: true });
    expect(r(post.mean, 6)).toBe(0.1);
    expect(r(post.stddev, 6)).toBe(r(Math.sqrt(0.005), 6));
  });
});

describe('Holm adjustment', () => {
  it('steps down and keeps the order of the input', () => {
    expect(holm([0.01, 0.04, 0.03]).map((x) => r(x, 6))).toEqual([0.03, 0.06, 0.06]);
    expect(holm([0.5])).toEqual([0.5]);
    expect(sequentialRho(0.05, 5000)).toBeCloseTo(0.03984, 5);
  });
});
