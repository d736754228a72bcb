import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import normalPdf from '@stdlib/stats-base-dists-normal-pdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import type { Difference } from './statistics.ts';

/**
 * GrowthBook's Bayesian engine (gbstats' EffectBayesianABTest): a Gaussian posterior on the lift, from the
 * data's estimate and standard error and a Gaussian prior (flat unless `proper`, as GrowthBook's default).
 */
export interface GaussianPrior {
  mean: number;
  stddev: number;
  proper: boolean;
}

export const FLAT_PRIOR: GaussianPrior = { mean: 0, stddev: 0.3, proper: false };

export interface BayesianInference {
  /** The posterior mean of the lift. */
  estimate: number;
  /** The central credible interval at 1 − alpha. */
  ci: [number, number];
  /** P(lift > 0). */
  chanceToWin: number;
  /** Expected loss of shipping the variation: E[max(0, −lift)]. */
  risk: number;
  /** Expected loss of keeping the control: E[max(0, lift)]. */
  riskOfControl: number;
}

export function posterior(d: Difference, prior: GaussianPrior = FLAT_PRIOR): { mean: number; stddev: number } {
  const dataPrecision = 1 / d.standardError ** 2;
  if (!prior.proper) return { mean: d.estimate, stddev: d.standardError };
  const priorPrecision = 1 / prior.stddev ** 2;
  const precision = dataPrecision + priorPrecision;
  return { mean: (d.estimate * dataPrecision + prior.mean * priorPrecision) / precision, stddev: Math.sqrt(1 / precision) };
}

/**
 * Risk as gbstats defines it (the probability of a loss times the mean of the loss, from truncated normal
 * means), in the closed form E[X·1{X<0}] = μΦ(−μ/σ) − σφ(μ/σ), which stays exact in the tails.
 */
export function risks(mean: number, stddev: number): { risk: number; riskOfControl: number } {
  const z = mean / stddev;
  const density = stddev * normalPdf(z, 0, 1);
  return {
    risk: Math.max(0, density - mean * normalCdf(-z, 0, 1)),
    riskOfControl: Math.max(0, density + mean * normalCdf(z, 0, 1)),
  };
}

export function bayesianTest(d: Difference, options: { alpha?: number; prior?: GaussianPrior } = {}): BayesianInference {
  const alpha = options.alpha ?? 0.05;
  const { mean, stddev } = posterior(d, options.prior);
  return {
    estimate: mean,
    ci: [normalQuantile(alpha / 2, mean, stddev), normalQuantile(1 - alpha / 2, mean, stddev)],
    chanceToWin: 1 - normalCdf(0, mean, stddev),
    ...risks(mean, stddev),
  };
}
