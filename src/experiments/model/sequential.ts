import type { Difference } from './statistics.ts';
import type { FrequentistInference } from './statistics.ts';

/**
 * GrowthBook's always-valid sequential engine (gbstats' SequentialTwoSidedTTest): the asymptotic confidence
 * sequences of Waudby-Smith et al. (2023, arXiv 2103.06476v7, eq. 9, 155 and 161). An interval and p-value
 * stay valid however often they are looked at; the price is width, smallest near n = the tuning parameter.
 */
export const DEFAULT_TUNING = 5000;

/** The mixture's spread, tuned so that the sequence is narrowest at `tuning` units (eq. 161). */
export function sequentialRho(alpha: number, tuning = DEFAULT_TUNING): number {
  return Math.sqrt((-2 * Math.log(alpha) + Math.log(-2 * Math.log(alpha) + 1)) / tuning);
}

/** The half width of the confidence sequence for an estimate with standard error `se` from `n` units in all (eq. 9). */
export function sequentialHalfWidth(se: number, n: number, alpha: number, tuning = DEFAULT_TUNING): number {
  const rho = sequentialRho(alpha, tuning);
  const s2 = se ** 2 * n;
  const nr2 = n * rho ** 2;
  return Math.sqrt(s2) * Math.sqrt((2 * (nr2 + 1) * Math.log(Math.sqrt(nr2 + 1) / alpha)) / (n * rho) ** 2);
}

/**
 * The always-valid interval and p-value (1 / the mixture e-value, eq. 155) of a difference estimated from
 * `n` units in total (both arms).
 */
export function sequentialTest(d: Difference, n: number, options: { alpha?: number; tuning?: number } = {}): FrequentistInference {
  const alpha = options.alpha ?? 0.05;
  const tuning = options.tuning ?? DEFAULT_TUNING;
  const rho = sequentialRho(alpha, tuning);
  const width = sequentialHalfWidth(d.standardError, n, alpha, tuning);
  const st2 = (d.estimate ** 2 * n) / d.standardError ** 2;
  const tr2p1 = n * rho ** 2 + 1;
  const logE = (rho ** 2 * st2) / (2 * tr2p1) - 0.5 * Math.log(tr2p1);
  return { estimate: d.estimate, ci: [d.estimate - width, d.estimate + width], pValue: Math.min(1, Math.exp(-logE)) };
}
