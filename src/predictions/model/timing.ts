import type { BgNbdParams, RfmSummary } from './bgnbd.ts';

/**
 * When a customer's next purchase comes, by BG/NBD, for a customer who buys within the horizon. Alive,
 * the wait is exponential with a gamma(r + x, alpha + T) rate: a Lomax (Pareto II) wait with survival
 * S(w) = (A / (A + w))^k, A = alpha + T, k = r + x. Given that the purchase falls within h, the wait's
 * quantile u solves S(w) = 1 - u (1 - S(h)), in closed form. "Median wait if alive" (what BG/NBD usually
 * dates with) ignores the horizon and is years away for a customer who buys rarely; the conditional
 * median is what minimises the absolute error over those who do buy in the window.
 */
export function waitQuantileDays(p: BgNbdParams, s: RfmSummary, horizonDays: number, u: number): number {
  return waitQuantileDaysOf(p, s.x, s.T, horizonDays, u);
}

export function waitQuantileDaysOf(p: BgNbdParams, x: number, T: number, horizonDays: number, u: number): number {
  const A = p.alpha + T;
  const k = p.r + x;
  return waitAt(A, k, survivalAtHorizon(A, k, horizonDays), u);
}

/** S(h) of the Lomax wait, A = alpha + T, k = r + x. */
const survivalAtHorizon = (A: number, k: number, horizonDays: number) => Math.exp(k * (Math.log(A) - Math.log(A + horizonDays / 7)));
/** The wait's quantile u given a purchase within the horizon (S(h) = sH), in days. */
const waitAt = (A: number, k: number, sH: number, u: number) => 7 * A * Math.expm1(-Math.log(1 - u * (1 - sH)) / k);

/** The next purchase day and its range (days since epoch), all within [asOf, asOf + horizon - 1]. */
export function windowDates(p: BgNbdParams, s: RfmSummary, asOfDay: number, horizonDays: number, tail = 0.1) {
  return windowDatesInto({ nextDay: 0, lowDay: 0, highDay: 0 }, p, s.x, s.T, asOfDay, horizonDays, tail);
}

const windowDay = (A: number, k: number, sH: number, asOfDay: number, horizonDays: number, u: number) =>
  asOfDay + Math.min(horizonDays - 1, Math.max(0, Math.round(waitAt(A, k, sH, u) - 0.5)));

/** windowDates with the summary as numbers, written into `out`; the three days share A, k and S(h). */
export function windowDatesInto<T extends { nextDay: number; lowDay: number; highDay: number }>(out: T, p: BgNbdParams, x: number, T: number, asOfDay: number, horizonDays: number, tail = 0.1): T {
  const A = p.alpha + T;
  const k = p.r + x;
  const sH = survivalAtHorizon(A, k, horizonDays);
  out.nextDay = windowDay(A, k, sH, asOfDay, horizonDays, 0.5);
  out.lowDay = windowDay(A, k, sH, asOfDay, horizonDays, tail);
  out.highDay = windowDay(A, k, sH, asOfDay, horizonDays, 1 - tail);
  return out;
}
