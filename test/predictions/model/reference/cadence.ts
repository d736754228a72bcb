import { statusOf, type StatusThresholds } from '../../../../src/predictions/model/status.ts';
import { inverseCdf, survival, type LogNormal } from '../../../../src/predictions/model/lognormal.ts';

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

export function fitSeries(days: readonly PurchaseDay[], prior: GapPrior): SeriesFit {
  if (days.length === 0) throw new Error('a series needs at least one purchase');
  const gaps = logGaps(days);
  const n = gaps.length;
  const adjusted = gaps.map((g) => g.logGap - prior.beta * g.logQty);
  const mean = n > 0 ? adjusted.reduce((s, v) => s + v, 0) / n : 0;
  const ss = adjusted.reduce((s, v) => s + (v - mean) ** 2, 0);
  const sigma2 = (SIGMA_PRIOR_WEIGHT * prior.sigma ** 2 + ss) / (SIGMA_PRIOR_WEIGHT + Math.max(0, n - 1));
  const precision = 1 / prior.tau ** 2 + n / sigma2;
  const theta = (prior.mu / prior.tau ** 2 + (n * mean) / sigma2) / precision;
  const last = days[days.length - 1]!;
  const m = theta + prior.beta * Math.log(Math.max(last.quantity, 1e-9));
  return {
    purchases: days.length,
    gaps: n,
    firstDay: days[0]!.day,
    lastDay: last.day,
    lastQuantity: last.quantity,
    theta,
    thetaSd: Math.sqrt(1 / precision),
    sigma: Math.sqrt(sigma2),
    beta: prior.beta,
    next: { mu: m, sigma: Math.sqrt(sigma2 + 1 / precision) },
  };
}

export type CadenceStatus = 'not_due' | 'due_soon' | 'due' | 'overdue' | 'lapsed';

export interface Forecast {
  /** Days since the last purchase at the forecast date. */
  elapsedDays: number;
  /** Median gap for one unit at the series' pace, in days. */
  typicalGapDays: number;
  /** Coefficient of variation of the gaps (lower is more regular). */
  irregularity: number;
  /** Probability that the series is still going (has not stopped) given how long it has been quiet. */
  probabilityActive: number;
  /** Most likely next purchase day (median), and an 80% range; days since epoch, never before `asOf`. */
  nextDay: number;
  lowDay: number;
  highDay: number;
  /** Probability of a purchase within the horizon (when a horizon is given). */
  probabilityInHorizon?: number;
  status: CadenceStatus;
  confidence: 'low' | 'medium' | 'high';
}

/** How near the next purchase must be to be "due": a fifth of the gap, at least two days, at most a week. */

/**
 * Where the series stands at `asOf`. Dates are the median and 10th/90th percentiles of the next gap given
 * that it is longer than the time already elapsed. With a horizon they are conditional on a purchase
 * falling inside it (what a forecast for that window should say), and `probabilityInHorizon` says how
 * likely that purchase is at all.
 */
export interface ForecastOptions {
  /** How likely the series is still going, when the caller knows better than the renewal's own guess. */
  probabilityActive?: number;
  /** Widen the predictive spread (data-quality flags): the range grows, the median stays. */
  widen?: number;
  /** Dates from another model of the wait (days since epoch); the status then follows them. */
  dates?: { nextDay: number; lowDay: number; highDay: number };
  /** Decision 154: where due and due soon start on the raw chance (0.5 without). */
  thresholds?: StatusThresholds;
}

export function forecast(fit: SeriesFit, asOf: number, horizonDays?: number, options: ForecastOptions = {}): Forecast {
  const e = Math.max(0, asOf - fit.lastDay);
  const g = options.widen && options.widen !== 1 ? { mu: fit.next.mu, sigma: fit.next.sigma * options.widen } : fit.next;
  const sE = survival(g, e);
  // A series may also have stopped. The caller may know how likely that is (BG/NBD fitted on every
  // customer-product pair); otherwise a geometric chance of stopping after each purchase with a Beta(1, 2)
  // prior, so a long history makes stopping less likely.
  const stop = 1 / (fit.purchases + 2);
  const probabilityActive = options.probabilityActive ?? ((1 - stop) * sE) / ((1 - stop) * sE + stop);
  const within = (lo: number, hi: number) => {
    const fLo = 1 - sE;
    const fHi = 1 - survival(g, hi);
    return (p: number) => inverseCdf(g, fLo + p * (fHi - fLo));
  };
  const at = horizonDays !== undefined ? within(e, e + horizonDays) : (p: number) => inverseCdf(g, 1 - (1 - p) * sE);
  const day = (gap: number) => Math.max(asOf, Math.round(fit.lastDay + gap));
  const median = Math.exp(g.mu);
  const nextDay = options.dates?.nextDay ?? day(at(0.5));
  // The status says what the shown date says: due when the next purchase is expected within the window,
  // due soon within two; overdue when it is later than nine in ten of the series' gaps; lapsed when the
  // series has probably stopped. (Statuses from elapsed time alone called a product "due" with its date
  // eight days ahead.)
  // Decision 137 redefined the statuses, decision 154 calibrated their thresholds: the reference takes them
  // from the same rule, so that everything else is still held to the frozen implementation.
  void median;
  const status: CadenceStatus = statusOf(g.mu, g.sigma, e, sE, probabilityActive, nextDay - asOf, fit.gaps, options.thresholds);
  const spread = g.sigma;
  const confidence = fit.gaps >= 4 && spread < 0.45 ? 'high' : fit.gaps >= 2 && spread < 0.8 ? 'medium' : 'low';
  const result: Forecast = {
    elapsedDays: e,
    typicalGapDays: Math.exp(fit.theta),
    irregularity: Math.sqrt(Math.exp(fit.sigma ** 2) - 1),
    probabilityActive,
    nextDay,
    lowDay: options.dates?.lowDay ?? day(at(0.1)),
    highDay: options.dates?.highDay ?? day(at(0.9)),
    status,
    confidence,
  };
  if (horizonDays !== undefined) {
    result.probabilityInHorizon = sE > 0 ? probabilityActive * ((sE - survival(g, e + horizonDays)) / sE) : 0;
  }
  return result;
}

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
