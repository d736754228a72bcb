import { probabilityAlive, probabilityOfPurchase, type BgNbdParams, type RfmSummary } from './bgnbd.ts';
import { estimatePrior, fitSeries, type GapPrior, type PurchaseDay, type SeriesFit } from './cadence.ts';
import { seriesRfm } from './history.ts';
import { survival } from './lognormal.ts';
import { prng } from '../../shared/random.ts';
import { auc, resampledAuc } from './auc.ts';
import { fitLogistic, oddsFeatures, type OddsInputs } from './odds.ts';
import { gapVariation, productsBefore } from './regularity.ts';

/** Stacked purchase odds for one horizon, learned by an inner time split inside the training window. */
export interface OddsModel {
  horizonDays: number;
  weights: number[];
  /** The inner split that chose the weights: fitted on days before innerAsOfDay, scored on the innerHorizonDays after. */
  innerAsOfDay: number;
  innerHorizonDays: number;
  customers: number;
  /**
   * The check that let the stack serve: AUCs on the later of two earlier inner splits. `sameSeason` is false
   * when the history is shorter than a year (decision 136): then every inner window is of another part of
   * the year than the one served, and a gain the check finds may not hold in a seasonal peak.
   */
  check: { days: number; stackAuc: number; bgnbdAuc: number; gainLow: number; sameSeason: boolean };
}

/** Customers the inner split uses at most (a deterministic sample): seven weights need a few thousand. */
const INNER_SAMPLE = 20_000;

/** The renewal model's chance of a purchase within h days, for a series alive with probability pActive. */
export function renewalProbability(fit: SeriesFit, asOfDay: number, horizonDays: number, probabilityActive: number): number {
  const e = Math.max(0, asOfDay - fit.lastDay);
  const sE = survival(fit.next, e);
  return sE > 0 ? (probabilityActive * (sE - survival(fit.next, e + horizonDays))) / sE : 0;
}

export function oddsInputs(fit: SeriesFit, s: RfmSummary, bgnbd: BgNbdParams, asOfDay: number, horizonDays: number, pAlive = probabilityAlive(bgnbd, s), products = 0, variation = Number.NaN): OddsInputs {
  return {
    bgnbd: probabilityOfPurchase(bgnbd, s, horizonDays / 7),
    renewal: renewalProbability(fit, asOfDay, horizonDays, pAlive),
    repeats: s.x,
    elapsedDays: asOfDay - fit.lastDay,
    typicalGapDays: Math.exp(fit.theta),
    ageWeeks: s.T,
    products,
    gapVariation: variation,
  };
}

interface InnerSplit {
  rows: number[][];
  bought: boolean[];
  /** BG/NBD's own probability on the split (fitted on what came before its cut). */
  bgnbd: number[];
}

/** What the inner splits see of each customer: purchase days, and each product's first purchase day (none without products). */
export interface OddsHistory {
  days: readonly PurchaseDay[];
  productFirstDays: readonly number[];
}

/** The sampled histories cut at `cutDay`, their features for `horizonDays`, and who bought in [cut, cut + h). */
function innerSplit(series: readonly OddsHistory[], cutDay: number, horizonDays: number, fitBgnbd: (s: RfmSummary[]) => BgNbdParams): InnerSplit | undefined {
  const stride = Math.max(1, Math.ceil(series.length / INNER_SAMPLE));
  const cut: PurchaseDay[][] = [];
  const products: number[] = [];
  const bought: boolean[] = [];
  for (let i = 0; i < series.length; i += stride) {
    const days = series[i]!.days;
    const before = days.filter((d) => d.day < cutDay);
    if (before.length === 0) continue;
    cut.push(before);
    products.push(productsBefore(series[i]!.productFirstDays, cutDay));
    bought.push(days.some((d) => d.day >= cutDay && d.day < cutDay + horizonDays));
  }
  if (cut.length < 50) return undefined;
  const summaries = cut.map((days) => seriesRfm(days, cutDay));
  if (!summaries.some((s) => s.x > 0)) return undefined;
  const bgnbd = fitBgnbd(summaries);
  const prior: GapPrior = estimatePrior(cut);
  const inputs = cut.map((days, i) => oddsInputs(fitSeries(days, prior), summaries[i]!, bgnbd, cutDay, horizonDays, undefined, products[i], gapVariation(days)));
  return { rows: inputs.map((x) => oddsFeatures(x)), bought, bgnbd: inputs.map((x) => x.bgnbd) };
}

/**
 * The 5th percentile of the AUC gain of `a` over `b`, by a paired bootstrap (200 resamples, fixed seed):
 * a gain inside the noise of the inner split is not a reason to serve the stack.
 */
function bootstrapLow(a: readonly number[], b: readonly number[], outcome: readonly boolean[], samples = 200): number {
  const rnd = prng(61);
  const n = a.length;
  const aucA = resampledAuc(a, outcome);
  const aucB = resampledAuc(b, outcome);
  const gains: number[] = [];
  const counts = new Int32Array(n);
  for (let s = 0; s < samples; s++) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[Math.floor(rnd.next() * n)]!++;
    const g = aucA(counts) - aucB(counts);
    if (!Number.isNaN(g)) gains.push(g);
  }
  gains.sort((x, y) => x - y);
  return gains[Math.floor(0.05 * gains.length)] ?? Number.NaN;
}

const dot = (w: readonly number[], x: readonly number[]) => 1 / (1 + Math.exp(-w.reduce((z, wk, k) => z + wk * x[k]!, 0)));

/**
 * Learns the odds for `horizonDays` without looking past `asOfDay`, and only where they beat BG/NBD.
 * Two inner splits inside the training window: weights fitted on an earlier one (cut at asOf - 2h'') are
 * scored on a later one (cut at asOf - h'') against BG/NBD's own probability; only if their AUC is higher
 * there does the stack serve, with weights refitted on the latest split (cut at asOf - h', h' = the
 * horizon or half the history). The outer holdout is never seen; undefined means BG/NBD serves.
 */
export function learnOdds(series: readonly OddsHistory[], asOfDay: number, horizonDays: number, fitBgnbd: (s: RfmSummary[]) => BgNbdParams): OddsModel | undefined {
  let first = Infinity;
  for (const { days } of series) first = Math.min(first, days[0]!.day);
  const innerHorizonDays = Math.min(horizonDays, Math.floor((asOfDay - first) / 2));
  const checkDays = Math.min(horizonDays, Math.floor((asOfDay - first) / 3));
  if (!(checkDays >= 7)) return undefined;
  const earlier = innerSplit(series, asOfDay - 2 * checkDays, checkDays, fitBgnbd);
  const later = innerSplit(series, asOfDay - checkDays, checkDays, fitBgnbd);
  const trial = earlier && fitLogistic(earlier.rows, earlier.bought);
  if (!later || !trial) return undefined;
  const stacked = later.rows.map((x) => dot(trial, x));
  const stackAuc = auc(stacked, later.bought);
  const bgnbdAuc = auc(later.bgnbd, later.bought);
  const gainLow = bootstrapLow(stacked, later.bgnbd, later.bought);
  if (!(gainLow > 0)) return undefined;
  const innerAsOfDay = asOfDay - innerHorizonDays;
  // Usually the same split as the check's later one (the horizon fits three times in the history).
  const final = innerHorizonDays === checkDays ? later : innerSplit(series, innerAsOfDay, innerHorizonDays, fitBgnbd);
  const weights = final && fitLogistic(final.rows, final.bought);
  return weights ? { horizonDays, weights, innerAsOfDay, innerHorizonDays, customers: final.rows.length, check: { days: checkDays, stackAuc, bgnbdAuc, gainLow, sameSeason: asOfDay - 365 >= first } } : undefined;
}
