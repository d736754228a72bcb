import { inverseCdfOf, survivalOf } from './lognormal.ts';
import type { SeriesFit } from './cadence.ts';
import { statusOf, UNCALIBRATED, type StatusThresholds } from './status.ts';

/** Where a series stands at a date: the forecast half of the cadence model (cadence.ts fits it). */
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
  /** The raw chances at which due and due soon start (the population's, decision 154); 0.5 without. */
  thresholds?: StatusThresholds;
}

export function forecast(fit: SeriesFit, asOf: number, horizonDays?: number, options: ForecastOptions = {}): Forecast {
  return writeForecast({} as Forecast, fit, asOf, horizonDays, options.probabilityActive, options.widen, options.dates, options.thresholds);
}

/** The gap (days) at which the predictive CDF reaches p, within [e, e + h) when windowed, else beyond e. */
const gapAt = (mu: number, sigma: number, windowed: boolean, sE: number, fLo: number, fHi: number, p: number) =>
  inverseCdfOf(mu, sigma, windowed ? fLo + p * (fHi - fLo) : 1 - (1 - p) * sE);

/**
 * forecast, written field by field into `out` (a product's or a category's prediction, so that the
 * per-customer path builds each answer once instead of spreading intermediate objects); returns `out`.
 */
export function writeForecast<T extends Forecast>(out: T, fit: SeriesFit, asOf: number, horizonDays: number | undefined, knownActive: number | undefined, widen: number | undefined, dates: ForecastOptions['dates'], thresholds: StatusThresholds = UNCALIBRATED): T {
  const e = Math.max(0, asOf - fit.lastDay);
  const mu = fit.next.mu;
  const sigma = widen && widen !== 1 ? fit.next.sigma * widen : fit.next.sigma;
  const sE = survivalOf(mu, sigma, e);
  // A series may also have stopped. The caller may know how likely that is (BG/NBD fitted on every
  // customer-product pair); otherwise a geometric chance of stopping after each purchase with a Beta(1, 2)
  // prior, so a long history makes stopping less likely.
  const stop = 1 / (fit.purchases + 2);
  const probabilityActive = knownActive ?? ((1 - stop) * sE) / ((1 - stop) * sE + stop);
  // Dates within a horizon are conditional on a purchase inside it: quantiles between F(e) and F(e + h).
  const windowed = horizonDays !== undefined;
  const sHi = windowed ? survivalOf(mu, sigma, e + horizonDays) : 0;
  const fLo = 1 - sE;
  const fHi = 1 - sHi;
  const lastDay = fit.lastDay;
  const nextDay = dates ? dates.nextDay : Math.max(asOf, Math.round(lastDay + gapAt(mu, sigma, windowed, sE, fLo, fHi, 0.5)));
  // The status is a promise a backtest checks (status.ts, decision 137): due / due soon when a purchase
  // within 14 / 30 days is more likely than not (and the date shown is within them), the chance calibrated
  // by the population's learned thresholds (decision 154); overdue, a churn
  // reading, when the wait is longer than nine in ten of the series' gaps; lapsed when it has probably
  // stopped and a purchase within 90 days is unlikely.
  out.elapsedDays = e;
  out.typicalGapDays = Math.exp(fit.theta);
  out.irregularity = Math.sqrt(Math.exp(fit.sigma ** 2) - 1);
  out.probabilityActive = probabilityActive;
  out.nextDay = nextDay;
  out.lowDay = dates ? dates.lowDay : Math.max(asOf, Math.round(lastDay + gapAt(mu, sigma, windowed, sE, fLo, fHi, 0.1)));
  out.highDay = dates ? dates.highDay : Math.max(asOf, Math.round(lastDay + gapAt(mu, sigma, windowed, sE, fLo, fHi, 0.9)));
  out.status = statusOf(mu, sigma, e, sE, probabilityActive, nextDay - asOf, fit.gaps, thresholds);
  out.confidence = fit.gaps >= 4 && sigma < 0.45 ? 'high' : fit.gaps >= 2 && sigma < 0.8 ? 'medium' : 'low';
  if (windowed) out.probabilityInHorizon = sE > 0 ? probabilityActive * ((sE - sHi) / sE) : 0;
  return out;
}
