import { survivalOf } from './lognormal.ts';
import type { CadenceStatus } from './forecast.ts';

/**
 * What each status promises (decision 137), as a probability of the next purchase within a number of days
 * from the forecast date, so that a backtest can check it:
 * - `due`: more likely than not to buy within DUE_DAYS (the chance calibrated on an inner split, decision 154);
 * - `due_soon`: more likely than not to buy within DUE_SOON_DAYS (and not due), calibrated alike;
 * - `overdue`: quieter than nine in ten of the series' own gaps. A churn reading: such a series is less
 *   likely than the average to buy within LAPSE_DAYS, not "about to buy";
 * - `lapsed`: has probably stopped and is unlikely (under LAPSED_CHANCE) to buy within LAPSE_DAYS;
 * - `not_due`: none of these.
 * The chance is the renewal model's: P(still going) times P(next gap ends within d | longer than e so far).
 * `due` and `due_soon` also need the date shown within their days (`aheadDays`), so a status never
 * contradicts the date beside it (the customer's date is BG/NBD's wait, not the renewal's), and a gap of
 * the series' own: bought once, its chance is the population's guess, not a reason to say it is due.
 */
export const DUE_DAYS = 14;
export const DUE_SOON_DAYS = 30;
export const LAPSE_DAYS = 90;
/** "More likely than not": the threshold when none was learned (decision 154). */
export const LIKELY = 0.5;
/**
 * The raw renewal chances at which `due` and `due_soon` start: where the chance, calibrated on an inner time
 * split at fit time (thresholds.ts, decision 154), reaches LIKELY. A monotone calibration only moves this
 * boundary, so the status compares the raw chance with it and no calibrated chance is ever computed.
 */
export interface StatusThresholds {
  due: number;
  dueSoon: number;
}
export const UNCALIBRATED: StatusThresholds = { due: LIKELY, dueSoon: LIKELY };
const LAPSED_CHANCE = 0.1;
const STOPPED = 0.2;

/** P(a purchase within d days) for a series quiet for e days whose next gap is log-normal (mu, sigma) and survives e with sE. */
export const chanceWithin = (mu: number, sigma: number, e: number, sE: number, probabilityActive: number, d: number): number =>
  sE > 0 ? (probabilityActive * (sE - survivalOf(mu, sigma, e + d))) / sE : 0;

/**
 * A chance within d days is probabilityActive times a conditional probability, so never above
 * probabilityActive (to rounding: the margin covers two roundings). Below `bound` it is below `bound`
 * without its survival (an erfc): the status is decided as the full computation would decide it.
 */
const below = (probabilityActive: number, bound: number) => probabilityActive < bound * (1 - 1e-9);

export function statusOf(mu: number, sigma: number, e: number, sE: number, probabilityActive: number, aheadDays: number, gaps: number, t: StatusThresholds = UNCALIBRATED): CadenceStatus {
  if (probabilityActive < STOPPED && (below(probabilityActive, LAPSED_CHANCE) || chanceWithin(mu, sigma, e, sE, probabilityActive, LAPSE_DAYS) < LAPSED_CHANCE)) return 'lapsed';
  if (gaps > 0 && aheadDays <= DUE_DAYS && !below(probabilityActive, t.due) && chanceWithin(mu, sigma, e, sE, probabilityActive, DUE_DAYS) >= t.due) return 'due';
  if (gaps > 0 && aheadDays <= DUE_SOON_DAYS && !below(probabilityActive, t.dueSoon) && chanceWithin(mu, sigma, e, sE, probabilityActive, DUE_SOON_DAYS) >= t.dueSoon) return 'due_soon';
  return sE < 0.1 ? 'overdue' : 'not_due';
}
