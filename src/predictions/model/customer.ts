import { assertParams, assertSummaryOf, deadOddsOf, expectedPurchasesOf, probabilityOfPurchaseOf } from './bgnbd.ts';
import { renewalProbability } from './calibration.ts';
import { emptyFit, fitSeriesInto, writeForecast, type Forecast, type SeriesFit } from './cadence.ts';
import { expectedSpendPerTransaction } from './gamma-gamma.ts';
import { repeatSpend, type CustomerHistory } from './history.ts';
import { stackedProbabilityOf } from './odds.ts';
import { own, type PopulationModel } from './population.ts';
import { anomalous, customerFlags } from './quality.ts';
import { predictCategories, predictProducts } from './products.ts';
import type { ChurnRisk, CustomerPrediction, SeriesPrediction } from './prediction.ts';
import { windowDatesInto } from './timing.ts';
import { gapVariation } from './regularity.ts';
import { UNCALIBRATED } from './status.ts';

/** The customer's next purchase date is the one to expect if they buy within this many days. */
export const DATE_HORIZON_DAYS = 90;

export type { CategoryPrediction, ChurnRisk, CustomerPrediction, ProductOutlook, ProductPrediction, SeriesPrediction } from './prediction.ts';

/** Scratch for the customer's own series (decision 128: the per-customer path allocates only its answer). */
const customerFit = emptyFit();
const windowScratch = { nextDay: 0, lowDay: 0, highDay: 0 };
const forecastScratch = {} as Forecast;
const NO_OPTIONS: { testAccount?: boolean } = {};

function oddsFor(model: PopulationModel, h: number) {
  for (let i = 0; i < model.odds.length; i++) if (model.odds[i]!.horizonDays === h) return model.odds[i];
  return undefined;
}

/** The probability of a purchase within h days: the stacked odds learned for h, else BG/NBD's. */
function purchaseOdds(model: PopulationModel, fit: SeriesFit, x: number, T: number, asOfDay: number, h: number, pAlive: number, dead: number, products: number, variation: number): number {
  const odds = oddsFor(model, h);
  const bgnbd = probabilityOfPurchaseOf(model.bgnbd, x, T, h / 7, dead);
  return odds ? stackedProbabilityOf(odds.weights, bgnbd, renewalProbability(fit, asOfDay, h, pAlive), x, asOfDay - fit.lastDay, Math.exp(fit.theta), T, products, variation) : bgnbd;
}

/** Days are converted to BG/NBD's weeks here and nowhere else. */
export function predictCustomer(h: CustomerHistory, model: PopulationModel, asOfDayWanted: number, horizonDays?: number, options = NO_OPTIONS): CustomerPrediction {
  // An order stamped a little ahead of our clock (accepted within the skew allowance) must not end up
  // after the as-of day: the models need every purchase before it.
  const asOfDay = Math.max(asOfDayWanted, h.lastDay + 1);
  const bg = model.bgnbd;
  assertParams(bg);
  const first = h.days[0]!.day;
  const x = h.days.length - 1;
  const tx = (h.days[x]!.day - first) / 7;
  const T = (asOfDay - 1 - first) / 7;
  assertSummaryOf(x, tx, T);
  const dead = deadOddsOf(bg, x, tx, T);
  const pAlive = 1 / (1 + dead);
  const e90 = expectedPurchasesOf(bg, x, T, 90 / 7, dead);
  const gg = own(model.gammaGamma, h.currency);
  const spend = gg ? expectedSpendPerTransaction(gg, repeatSpend(h)) : undefined;
  const rare: string[] = [];
  const products = predictProducts(h, model, asOfDay, horizonDays, rare);
  const categories = rare.length > 0 ? predictCategories(h, model, asOfDay, horizonDays, rare) : [];

  // The customer's own series is alive exactly as BG/NBD says: one figure, not two that can disagree. Its
  // date and range are BG/NBD's wait given a purchase within the horizon (timing.ts); the renewal fit
  // gives the typical gap, the regularity and whether the wait is already overdue.
  const flags = customerFlags(h, model.quality, options.testAccount);
  const cp = model.customerPrior;
  const fit = fitSeriesInto(customerFit, h.days, cp.mu, cp.tau, cp.sigma, cp.beta);
  const dates = windowDatesInto(windowScratch, bg, x, T, asOfDay, horizonDays ?? DATE_HORIZON_DAYS, anomalous(flags) ? 0.05 : 0.1);
  const next = seriesOf(writeForecast(horizonDays === undefined ? forecastScratch : ({} as Forecast), fit, asOfDay, horizonDays, pAlive, undefined, dates, model.statusCalibration?.customer ?? UNCALIBRATED), fit, horizonDays === undefined);
  const { risk, evidence } = churn(pAlive, next, x);
  const variation = model.odds.length > 0 ? gapVariation(h.days) : Number.NaN;
  const out = {
    asOfDay,
    purchases: h.days.length,
    firstDay: h.firstDay,
    lastDay: h.lastDay,
    currency: h.currency,
    totalSpend: h.totalSpend,
    spendByCurrency: h.spendByCurrency,
    probabilityAlive: pAlive,
    expectedPurchases30: expectedPurchasesOf(bg, x, T, 30 / 7, dead),
    expectedPurchases90: e90,
    probabilityOfPurchase30: purchaseOdds(model, fit, x, T, asOfDay, 30, pAlive, dead, h.products.size, variation),
    probabilityOfPurchase90: purchaseOdds(model, fit, x, T, asOfDay, 90, pAlive, dead, h.products.size, variation),
  } as CustomerPrediction;
  // Optional fields in the order the answer has always had them.
  if (horizonDays !== undefined) out.probabilityInHorizon = purchaseOdds(model, fit, x, T, asOfDay, horizonDays, pAlive, dead, h.products.size, variation);
  out.next = next;
  if (spend !== undefined) {
    out.expectedSpendPerPurchase = spend;
    out.expectedSpend90 = spend * e90;
  }
  out.churnRisk = risk;
  out.churnEvidence = evidence;
  out.products = products;
  out.categories = categories;
  out.flags = flags;
  return out;
}

/** The customer's own series: in one literal when `f` is scratch (no horizon), else `f` completed. */
function seriesOf(f: Forecast, fit: SeriesFit, scratch: boolean): SeriesPrediction {
  if (!scratch) return Object.assign(f, { purchases: fit.purchases, lastDay: fit.lastDay, flags: [] });
  const { elapsedDays, typicalGapDays, irregularity, probabilityActive, nextDay, lowDay, highDay, status, confidence } = f;
  return { elapsedDays, typicalGapDays, irregularity, probabilityActive, nextDay, lowDay, highDay, status, confidence, purchases: fit.purchases, lastDay: fit.lastDay, flags: [] };
}

/** The first line of the churn evidence for each whole percentage, made once (toFixed(0) rounds as Math.round here). */
const ALIVE_EVIDENCE = Array.from({ length: 101 }, (_, k) => `probability still a customer ${k}% (BG/NBD)`);
const aliveEvidence = (percent: number) => (percent >= 0 && percent <= 100 ? ALIVE_EVIDENCE[Math.round(percent)]! : `probability still a customer ${percent.toFixed(0)}% (BG/NBD)`);

function churn(pAlive: number, next: SeriesPrediction, repeats: number): { risk: ChurnRisk; evidence: string[] } {
  const evidence = [
    aliveEvidence(pAlive * 100),
    `${next.elapsedDays} days since the last purchase; typical gap ${Math.round(next.typicalGapDays)} days`,
  ];
  if (repeats === 0) evidence.push('one purchase so far: little evidence either way');
  if (next.status === 'overdue' || next.status === 'lapsed') evidence.push(`the next purchase is ${next.status}`);
  const risk: ChurnRisk = pAlive < 0.3 || next.status === 'lapsed' ? 'high' : pAlive < 0.7 || next.status === 'overdue' ? 'medium' : 'low';
  return { risk, evidence };
}
