import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';

/**
 * Frequentist A/B statistics as GrowthBook's stats engine (gbstats) defines them, over sufficient statistics
 * (n, Σx, Σx²), which is all that crosses a jurisdiction's border. Distributions come from stdlib.
 */

/** What one variation's units add up to for one metric; sums of two jurisdictions' stats are the stats of both. */
export interface SufficientStats {
  n: number;
  sum: number;
  sumSquares: number;
}

/** A 0/1 metric (converted or not) has the binomial variance p(1-p); any other metric the sample variance. */
export type MetricKind = 'proportion' | 'mean';

export interface Moments {
  n: number;
  mean: number;
  variance: number;
}

export const emptyStats = (): SufficientStats => ({ n: 0, sum: 0, sumSquares: 0 });

export function addStats(a: SufficientStats, b: SufficientStats): SufficientStats {
  return { n: a.n + b.n, sum: a.sum + b.sum, sumSquares: a.sumSquares + b.sumSquares };
}

export function momentsOf(s: SufficientStats, kind: MetricKind): Moments {
  const mean = s.n > 0 ? s.sum / s.n : 0;
  if (kind === 'proportion') return { n: s.n, mean, variance: mean * (1 - mean) };
  // Sample variance from the sums; rounding can make a constant metric's variance slightly negative.
  const variance = s.n > 1 ? Math.max(0, (s.sumSquares - (s.sum * s.sum) / s.n) / (s.n - 1)) : 0;
  return { n: s.n, mean, variance };
}

/** The difference of B against A (relative: B/A − 1), its standard error and Welch–Satterthwaite degrees of freedom. */
export interface Difference {
  estimate: number;
  standardError: number;
  dof: number;
}

/**
 * Relative lift by the delta method, as gbstats: Var = σ²_B/(μ_A² n_B) + σ²_A μ_B²/(μ_A⁴ n_A); absolute
 * difference: σ²_B/n_B + σ²_A/n_A. Undefined when it cannot be estimated (fewer than two units in an arm,
 * no variance, or a zero control mean for the relative lift).
 */
export function difference(a: Moments, b: Moments, relative: boolean): Difference | undefined {
  if (a.n < 2 || b.n < 2) return undefined;
  if (relative && a.mean === 0) return undefined;
  const variance = relative
    ? b.variance / (a.mean ** 2 * b.n) + (a.variance * b.mean ** 2) / (a.mean ** 4 * a.n)
    : b.variance / b.n + a.variance / a.n;
  if (!(variance > 0)) return undefined;
  const va = a.variance / a.n;
  const vb = b.variance / b.n;
  const dof = (va + vb) ** 2 / (vb ** 2 / (b.n - 1) + va ** 2 / (a.n - 1));
  return { estimate: relative ? (b.mean - a.mean) / a.mean : b.mean - a.mean, standardError: Math.sqrt(variance), dof };
}

export interface FrequentistInference {
  estimate: number;
  ci: [number, number];
  pValue: number;
}

/** Two-sided Welch t-test (gbstats' TwoSidedTTest), at level 1 − alpha. */
export function welchTest(d: Difference, alpha = 0.05): FrequentistInference {
  const t = Math.abs(d.estimate) / d.standardError;
  const width = tQuantile(1 - alpha / 2, d.dof) * d.standardError;
  return { estimate: d.estimate, ci: [d.estimate - width, d.estimate + width], pValue: Math.min(1, 2 * (1 - tCdf(t, d.dof))) };
}

/** Welch's test on two arms' sums (mean metrics). */
export function welch(a: SufficientStats, b: SufficientStats, options: { relative: boolean; alpha?: number }): FrequentistInference | undefined {
  const d = difference(momentsOf(a, 'mean'), momentsOf(b, 'mean'), options.relative);
  return d && welchTest(d, options.alpha);
}

/** Two proportions (conversions out of units), as gbstats tests them: the t-test with binomial variances. */
export function twoProportions(conversionsA: number, unitsA: number, conversionsB: number, unitsB: number, options: { relative: boolean; alpha?: number }): FrequentistInference | undefined {
  const stats = (c: number, n: number) => momentsOf({ n, sum: c, sumSquares: c }, 'proportion');
  const d = difference(stats(conversionsA, unitsA), stats(conversionsB, unitsB), options.relative);
  return d && welchTest(d, options.alpha);
}

export interface SrmCheck {
  pValue: number;
  /** Below 0.001, as GrowthBook warns. */
  flagged: boolean;
}

export const SRM_THRESHOLD = 0.001;

/** Sample ratio mismatch: Pearson's χ² of the units per variation against the weights (k − 1 degrees of freedom). */
export function sampleRatioMismatch(units: readonly number[], weights: readonly number[]): SrmCheck {
  const total = units.reduce((s, u) => s + u, 0);
  const weightTotal = weights.reduce((s, w) => s + w, 0);
  if (total === 0 || units.length < 2) return { pValue: 1, flagged: false };
  let x = 0;
  units.forEach((observed, i) => {
    const w = (weights[i] ?? 0) / weightTotal;
    if (w <= 0) return;
    const expected = w * total;
    x += (observed - expected) ** 2 / expected;
  });
  const pValue = 1 - chisquareCdf(x, units.length - 1);
  return { pValue, flagged: pValue < SRM_THRESHOLD };
}

/** Holm's step-down adjustment of several p-values (family-wise error), in the order given. */
export function holm(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => [p, i] as const).sort((x, y) => x[0] - y[0]);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach(([p, i], rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}
