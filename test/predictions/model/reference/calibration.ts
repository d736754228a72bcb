import { probabilityAlive, probabilityOfPurchase, type BgNbdParams, type RfmSummary } from './bgnbd.ts';
import type { SeriesFit } from './cadence.ts';
import { survival } from '../../../../src/predictions/model/lognormal.ts';
import type { OddsInputs } from './odds.ts';

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
