/** The log-normal gap distribution, on stdlib's erfc / erfcinv (accurate in the tails, unlike short approximations). */
import erfc from '@stdlib/math-base-special-erfc';
import erfcinv from '@stdlib/math-base-special-erfcinv';

export const normalQuantile = (p: number): number => -Math.SQRT2 * erfcinv(2 * p);

/** A log-normal distribution of gaps in days: log(gap) ~ N(mu, sigma^2). */
export interface LogNormal {
  mu: number;
  sigma: number;
}

/** Computed with erfc directly, not 1 - cdf, so it stays above zero far in the tail. */
export const survivalOf = (mu: number, sigma: number, x: number): number => (x <= 0 ? 1 : 0.5 * erfc((Math.log(x) - mu) / sigma / Math.SQRT2));
export const survival = (d: LogNormal, x: number): number => survivalOf(d.mu, d.sigma, x);
export const quantile = (d: LogNormal, p: number): number => Math.exp(d.mu + d.sigma * normalQuantile(p));

/** p is clamped to [LOWEST, HIGHEST]; their quantiles are computed once (a far-overdue series asks for them often). */
const LOWEST = 1e-12;
const HIGHEST = 1 - 1e-12;
const Q_LOWEST = normalQuantile(LOWEST);
const Q_HIGHEST = normalQuantile(HIGHEST);

/** The value x at which the CDF equals p (clamped to (0, 1)). */
export const inverseCdfOf = (mu: number, sigma: number, p: number): number =>
  Math.exp(mu + sigma * (p >= HIGHEST ? Q_HIGHEST : p <= LOWEST ? Q_LOWEST : normalQuantile(p)));
export const inverseCdf = (d: LogNormal, p: number): number => inverseCdfOf(d.mu, d.sigma, p);
