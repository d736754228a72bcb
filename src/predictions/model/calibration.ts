import { probabilityAlive, probabilityOfPurchase, type BgNbdParams, type RfmSummary } from './bgnbd.ts';
import { estimatePrior, fitSeries, type GapPrior, type PurchaseDay, type SeriesFit } from './cadence.ts';
import { seriesRfm } from './history.ts';
import { survival } from './lognormal.ts';
import { fitLogistic, oddsFeatures, type OddsInputs } from './odds.ts';

/** Stacked purchase odds for one horizon, learned by an inner time split inside the training window. */
export interface OddsModel {
  horizonDays: number;
  weights: number[];
  /** The inner split that chose the weights: fitted on days before innerAsOfDay, scored on the innerHorizonDays after. */
  innerAsOfDay: number;
  innerHorizonDays: number;
  customers: number;
}

/** Customers the inner split uses at most (a deterministic sample): seven weights need a few thousand. */
const INNER_SAMPLE = 20_000;

/** The renewal model's chance of a purchase within h days, for a series alive with probability pActive. */
export function renewalProbability(fit: SeriesFit, asOfDay: number, horizonDays: number, probabilityActive: number): number {
  const e = Math.max(0, asOfDay - fit.lastDay);
  const sE = survival(fit.next, e);
  return sE > 0 ? (probabilityActive * (sE - survival(fit.next, e + horizonDays))) / sE : 0;
}

export function oddsInputs(fit: SeriesFit, s: RfmSummary, bgnbd: BgNbdParams, asOfDay: number, horizonDays: number, pAlive = probabilityAlive(bgnbd, s)): OddsInputs {
  return {
    bgnbd: probabilityOfPurchase(bgnbd, s, horizonDays / 7),
    renewal: renewalProbability(fit, asOfDay, horizonDays, pAlive),
    repeats: s.x,
    elapsedDays: asOfDay - fit.lastDay,
    typicalGapDays: Math.exp(fit.theta),
    ageWeeks: s.T,
  };
}

/**
 * Learns the odds for `horizonDays` without looking past `asOfDay`: the training histories are cut at
 * asOf - h' (h' = the horizon, or half the history when it is shorter), BG/NBD and the renewal prior are
 * refitted on what came before the cut, and the logistic weights are fitted on who bought in the h' days
 * after it. The outer holdout is never seen; undefined when the history is too short or too uniform.
 */
export function learnOdds(series: readonly (readonly PurchaseDay[])[], asOfDay: number, horizonDays: number, fitBgnbd: (s: RfmSummary[]) => BgNbdParams): OddsModel | undefined {
  let first = Infinity;
  for (const days of series) first = Math.min(first, days[0]!.day);
  const innerHorizonDays = Math.min(horizonDays, Math.floor((asOfDay - first) / 2));
  if (!(innerHorizonDays >= 7)) return undefined;
  const innerAsOfDay = asOfDay - innerHorizonDays;
  const stride = Math.max(1, Math.ceil(series.length / INNER_SAMPLE));
  const cut: PurchaseDay[][] = [];
  const bought: boolean[] = [];
  for (let i = 0; i < series.length; i += stride) {
    const days = series[i]!;
    const before = days.filter((d) => d.day < innerAsOfDay);
    if (before.length === 0) continue;
    cut.push(before);
    bought.push(days.some((d) => d.day >= innerAsOfDay && d.day < asOfDay));
  }
  if (cut.length < 50) return undefined;
  const summaries = cut.map((days) => seriesRfm(days, innerAsOfDay));
  if (!summaries.some((s) => s.x > 0)) return undefined;
  const bgnbd = fitBgnbd(summaries);
  const prior: GapPrior = estimatePrior(cut);
  const rows = cut.map((days, i) => oddsFeatures(oddsInputs(fitSeries(days, prior), summaries[i]!, bgnbd, innerAsOfDay, innerHorizonDays)));
  const weights = fitLogistic(rows, bought);
  return weights && { horizonDays, weights, innerAsOfDay, innerHorizonDays, customers: cut.length };
}
