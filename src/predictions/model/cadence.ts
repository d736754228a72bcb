import type { LogNormal } from './lognormal.ts';

/**
 * The buying cadence of one series of purchases (a customer and a product, a category, or all of the
 * customer's purchases): a renewal process whose gaps are log-normal.
 *
 *   log(gap after purchase i) = theta + beta * log(quantity bought at i) + noise,  noise ~ N(0, sigma_i^2)
 *
 * theta is the series' own pace, drawn from the population's N(mu, tau^2) (partial pooling: a series with
 * few gaps borrows strength from how everybody buys the product); beta says how much longer two packs last
 * than one (estimated from the data: about 1 for consumables, near 0 where quantity does not pace buying);
 * sigma_i is the series' own irregularity, shrunk toward the population's.
 */
export interface PurchaseDay {
  /** Days since 1970-01-01 (UTC). */
  day: number;
  /** Quantity bought that day (all lines of the series that day). */
  quantity: number;
}

export interface GapPrior {
  mu: number;
  tau: number;
  sigma: number;
  beta: number;
  /** Series with at least two gaps that informed the prior. */
  series: number;
}

/** A weakly informative prior for when a population has too little data: a gap of about a month. */
export const DEFAULT_PRIOR: GapPrior = { mu: Math.log(30), tau: 0.8, sigma: 0.6, beta: 0.5, series: 0 };
/** Pseudo-observations of the population's irregularity in each series' own (sigma shrinkage). */
const SIGMA_PRIOR_WEIGHT = 4;

export interface SeriesFit {
  purchases: number;
  gaps: number;
  firstDay: number;
  lastDay: number;
  lastQuantity: number;
  /** Posterior mean and sd of the series' pace (log days per one unit). */
  theta: number;
  thetaSd: number;
  sigma: number;
  beta: number;
  /** Predictive distribution of the gap after the last purchase. */
  next: LogNormal;
}

const logGaps = (days: readonly PurchaseDay[]) => {
  const out: { logGap: number; logQty: number }[] = [];
  for (let i = 1; i < days.length; i++) {
    if (!(days[i]!.day > days[i - 1]!.day)) throw new Error('purchase days must be distinct and increasing (use toPurchaseDays)');
    out.push({ logGap: Math.log(days[i]!.day - days[i - 1]!.day), logQty: Math.log(Math.max(days[i - 1]!.quantity, 1e-9)) });
  }
  return out;
};

/** Distinct purchase days in order, quantities of one day summed. Input may be unordered and repeated. */
export function toPurchaseDays(events: Iterable<{ day: number; quantity: number }>): PurchaseDay[] {
  const byDay = new Map<number, number>();
  for (const e of events) byDay.set(e.day, (byDay.get(e.day) ?? 0) + e.quantity);
  return [...byDay].sort((a, b) => a[0] - b[0]).map(([day, quantity]) => ({ day, quantity }));
}

/** Adjusted log gaps of the series being fitted (reused: the per-customer path allocates nothing here). */
let adjusted = new Float64Array(256);

/** A fit with every field in place, to be filled by fitSeriesInto (the field order is the one callers see). */
export const emptyFit = (): SeriesFit => ({ purchases: 0, gaps: 0, firstDay: 0, lastDay: 0, lastQuantity: 0, theta: 0, thetaSd: 0, sigma: 0, beta: 0, next: { mu: 0, sigma: 0 } });

export function fitSeries(days: readonly PurchaseDay[], prior: GapPrior): SeriesFit {
  return fitSeriesInto(emptyFit(), days, prior.mu, prior.tau, prior.sigma, prior.beta);
}

/** fitSeries with the prior as numbers, written into `out` (which it returns). */
export function fitSeriesInto(out: SeriesFit, days: readonly PurchaseDay[], mu: number, tau: number, priorSigma: number, beta: number): SeriesFit {
  if (days.length === 0) throw new Error('a series needs at least one purchase');
  if (adjusted.length < days.length) adjusted = new Float64Array(2 * days.length);
  return fitAdjusted(out, days, adjusted, 0, adjustGaps(days, beta, adjusted, 0), mu, tau, priorSigma, beta);
}

export function assertIncreasing(days: readonly PurchaseDay[]): void {
  for (let i = 1; i < days.length; i++) if (!(days[i]!.day > days[i - 1]!.day)) throw new Error('purchase days must be distinct and increasing (use toPurchaseDays)');
}

/** Math.log of the integers below 4096, computed once: gaps in days and quantities are mostly small integers. */
const LOGS = new Float64Array(4096).map((_, i) => Math.log(i));
/** Math.log(v), from the table when v is one of its integers (the same value, a load instead of a call). */
const logOf = (v: number): number => (v < 4096 && v > 0 && (v | 0) === v ? LOGS[v]! : Math.log(v));

/**
 * Writes the series' log gaps adjusted for quantity, log(gap) - beta log(quantity before it), to
 * `into` from `offset` (room for days.length - 1), and returns their sum. Throws as assertIncreasing does
 * on days that are not distinct and increasing.
 */
export function adjustGaps(days: readonly PurchaseDay[], beta: number, into: Float64Array, offset: number): number {
  let sum = 0;
  let before = days[0]!;
  for (let i = 1; i < days.length; i++) {
    const d = days[i]!;
    const gap = d.day - before.day;
    // assertIncreasing's check, on the gap this loop needs anyway.
    if (!(gap > 0)) throw new Error('purchase days must be distinct and increasing (use toPurchaseDays)');
    const v = logOf(gap) - beta * logOf(Math.max(before.quantity, 1e-9));
    into[offset + i - 1] = v;
    sum += v;
    before = d;
  }
  return sum;
}

/** The fit from adjusted gaps that adjustGaps wrote (with the same beta), and their sum. */
export function fitAdjusted(out: SeriesFit, days: readonly PurchaseDay[], gaps: Float64Array, offset: number, sum: number, mu: number, tau: number, priorSigma: number, beta: number): SeriesFit {
  const n = days.length - 1;
  const mean = n > 0 ? sum / n : 0;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (gaps[offset + i]! - mean) ** 2;
  const sigma2 = (SIGMA_PRIOR_WEIGHT * priorSigma ** 2 + ss) / (SIGMA_PRIOR_WEIGHT + Math.max(0, n - 1));
  const precision = 1 / tau ** 2 + n / sigma2;
  const theta = (mu / tau ** 2 + (n * mean) / sigma2) / precision;
  const last = days[n]!;
  out.purchases = days.length;
  out.gaps = n;
  out.firstDay = days[0]!.day;
  out.lastDay = last.day;
  out.lastQuantity = last.quantity;
  out.theta = theta;
  out.thetaSd = Math.sqrt(1 / precision);
  out.sigma = Math.sqrt(sigma2);
  out.beta = beta;
  out.next.mu = theta + beta * logOf(Math.max(last.quantity, 1e-9));
  out.next.sigma = Math.sqrt(sigma2 + 1 / precision);
  return out;
}

export { forecast, writeForecast, type CadenceStatus, type Forecast, type ForecastOptions } from './forecast.ts';

/**
 * The population's pace, spread and quantity effect, by the method of moments over the series with at
 * least two gaps: sigma from the pooled within-series variance, beta from the pooled within-series slope of
 * log gap on log quantity (clamped to [0, 1.2]), mu and tau from the spread of the series' means.
 * Falls back to `fallback` (a category's or everybody's prior) when fewer than `minSeries` series qualify,
 * and shrinks toward it in between.
 */
export function estimatePrior(allSeries: Iterable<readonly PurchaseDay[]>, fallback: GapPrior = DEFAULT_PRIOR, minSeries = 5): GapPrior {
  const per: { gaps: { logGap: number; logQty: number }[] }[] = [];
  for (const s of allSeries) {
    const gaps = logGaps(s);
    if (gaps.length >= 2) per.push({ gaps });
  }
  if (per.length < minSeries) return { ...fallback, series: per.length };
  // beta: pooled within-series regression slope.
  let sxy = 0;
  let sxx = 0;
  for (const { gaps } of per) {
    const mx = gaps.reduce((s, g) => s + g.logQty, 0) / gaps.length;
    const my = gaps.reduce((s, g) => s + g.logGap, 0) / gaps.length;
    for (const g of gaps) {
      sxy += (g.logQty - mx) * (g.logGap - my);
      sxx += (g.logQty - mx) ** 2;
    }
  }
  const beta = sxx > 1e-9 ? Math.min(1.2, Math.max(0, sxy / sxx)) : fallback.beta;
  let within = 0;
  let dof = 0;
  const means: { mean: number; n: number }[] = [];
  for (const { gaps } of per) {
    const adj = gaps.map((g) => g.logGap - beta * g.logQty);
    const mean = adj.reduce((s, v) => s + v, 0) / adj.length;
    within += adj.reduce((s, v) => s + (v - mean) ** 2, 0);
    dof += adj.length - 1;
    means.push({ mean, n: adj.length });
  }
  const sigma2 = Math.max(0.01, within / Math.max(1, dof));
  const mu = means.reduce((s, m) => s + m.mean, 0) / means.length;
  const between = means.reduce((s, m) => s + (m.mean - mu) ** 2, 0) / Math.max(1, means.length - 1);
  const noise = means.reduce((s, m) => s + sigma2 / m.n, 0) / means.length;
  const tau2 = Math.max(0.01, between - noise);
  // Shrink toward the fallback when the population is small: k pseudo-series of the fallback.
  const k = 10;
  const w = per.length / (per.length + k);
  return {
    mu: w * mu + (1 - w) * fallback.mu,
    tau: Math.sqrt(w * tau2 + (1 - w) * fallback.tau ** 2),
    sigma: Math.sqrt(w * sigma2 + (1 - w) * fallback.sigma ** 2),
    beta: w * beta + (1 - w) * fallback.beta,
    series: per.length,
  };
}
