import { expectedPurchases, probabilityAlive, probabilityOfPurchase, type RfmSummary } from './bgnbd.ts';
import { oddsInputs } from './calibration.ts';
import { fitSeries, forecast, type CadenceStatus, type Forecast, type SeriesFit } from './cadence.ts';
import { expectedSpendPerTransaction } from '../../../../src/predictions/model/gamma-gamma.ts';
import { repeatSpend, rfm, seriesRfm, type CustomerHistory } from '../../../../src/predictions/model/history.ts';
import { stackedProbability } from './odds.ts';
import { own, priorFor, type PopulationModel } from '../../../../src/predictions/model/population.ts';
import { anomalous, customerFlags, FLAG_WIDENING, seriesFlags, type QualityFlag } from './quality.ts';
import { windowDates } from './timing.ts';
import type { StatusThresholds } from '../../../../src/predictions/model/status.ts';

/** The customer's next purchase date is the one to expect if they buy within this many days. */
export const DATE_HORIZON_DAYS = 90;

export interface SeriesPrediction extends Forecast {
  purchases: number;
  lastDay: number;
  /** Data-quality flags of the series (products); the customer's are on the prediction. */
  flags: QualityFlag[];
}

export interface ProductOutlook {
  /** BG/NBD on customer-product pairs: expected purchase days of this product in 30 and 90 days (or the horizon). */
  expectedPurchases30: number;
  expectedPurchases90: number;
  expectedInHorizon?: number;
  probabilityInHorizonBgnbd?: number;
}

export interface ProductPrediction extends SeriesPrediction, ProductOutlook {
  productId: string;
  category?: string;
  /** false: the shop's catalog does not know the product (no category, the population's generic pace). */
  inCatalog: boolean;
}

export interface CategoryPrediction extends SeriesPrediction {
  category: string;
}

export type ChurnRisk = 'low' | 'medium' | 'high';

export interface CustomerPrediction {
  asOfDay: number;
  purchases: number;
  firstDay: number;
  lastDay: number;
  /** The customer's currency: spend figures are in it. */
  currency: string;
  totalSpend: number;
  spendByCurrency: Record<string, number>;
  probabilityAlive: number;
  expectedPurchases30: number;
  expectedPurchases90: number;
  probabilityOfPurchase30: number;
  probabilityOfPurchase90: number;
  /** The customer's own cadence over all purchase days. */
  next: SeriesPrediction;
  expectedSpendPerPurchase?: number;
  expectedSpend90?: number;
  churnRisk: ChurnRisk;
  churnEvidence: string[];
  /** Most urgent first: overdue and due before the rest, then by next purchase date. */
  products: ProductPrediction[];
  /** Categories where some product is bought too rarely to model alone. */
  categories: CategoryPrediction[];
  /** Data-quality flags of the customer's history. */
  flags: QualityFlag[];
  /** With a horizon: the probability of any purchase within it (stacked odds when the model has them). */
  probabilityInHorizon?: number;
}

// Decision 137: the served order of statuses.
const URGENCY: Record<CadenceStatus, number> = { due: 0, due_soon: 1, overdue: 2, not_due: 3, lapsed: 4 };
/** A product needs this many purchase days for its own prediction to carry weight; rarer ones show up in their category. */
const RARE = 3;

const series = (days: CustomerHistory['days'], prior: Parameters<typeof fitSeries>[1], asOfDay: number, horizon?: number, probabilityActive?: number, flags: QualityFlag[] = [], thresholds?: StatusThresholds): SeriesPrediction => {
  const fit = fitSeries(days, prior);
  const options = { ...(probabilityActive !== undefined ? { probabilityActive } : {}), ...(anomalous(flags) ? { widen: FLAG_WIDENING } : {}), ...(thresholds ? { thresholds } : {}) };
  return { ...forecast(fit, asOfDay, horizon, options), purchases: fit.purchases, lastDay: fit.lastDay, flags };
};

/** The probability of a purchase within h days: the stacked odds learned for h, else BG/NBD's. */
function purchaseOdds(model: PopulationModel, fit: SeriesFit, s: RfmSummary, asOfDay: number, h: number, pAlive: number): number {
  const odds = model.odds.find((o) => o.horizonDays === h);
  return odds ? stackedProbability(odds.weights, oddsInputs(fit, s, model.bgnbd, asOfDay, h, pAlive)) : probabilityOfPurchase(model.bgnbd, s, h / 7);
}

/** A product's outlook from BG/NBD fitted on all customer-product pairs: whether the pair is still going, and how much. */
function productOutlook(model: PopulationModel, days: CustomerHistory['days'], asOfDay: number, horizon?: number): ProductOutlook & { probabilityActive: number | undefined } {
  const s = seriesRfm(days, asOfDay);
  const p = model.productBgnbd;
  return {
    // BG/NBD calls a pair with no repeat purchase alive for sure; there the cadence model's own stopping
    // chance is the better guess, so it is left to it (undefined).
    probabilityActive: s.x > 0 ? probabilityAlive(p, s) : undefined,
    expectedPurchases30: expectedPurchases(p, s, 30 / 7),
    expectedPurchases90: expectedPurchases(p, s, 90 / 7),
    ...(horizon !== undefined ? { expectedInHorizon: expectedPurchases(p, s, horizon / 7), probabilityInHorizonBgnbd: probabilityOfPurchase(p, s, horizon / 7) } : {}),
  };
}

/** Days are converted to BG/NBD's weeks here and nowhere else. */
export function predictCustomer(h: CustomerHistory, model: PopulationModel, asOfDayWanted: number, horizonDays?: number, options: { testAccount?: boolean } = {}): CustomerPrediction {
  // An order stamped a little ahead of our clock (accepted within the skew allowance) must not end up
  // after the as-of day: the models need every purchase before it.
  const asOfDay = Math.max(asOfDayWanted, h.lastDay + 1);
  const s = rfm(h, asOfDay);
  const pAlive = probabilityAlive(model.bgnbd, s);
  const e90 = expectedPurchases(model.bgnbd, s, 90 / 7);
  const gg = own(model.gammaGamma, h.currency);
  const spend = gg ? expectedSpendPerTransaction(gg, repeatSpend(h)) : undefined;

  const products: ProductPrediction[] = [];
  const rareCategories = new Set<string>();
  const pace = customerPace(h, model);
  for (const [productId, days] of h.products) {
    if (h.durables.has(productId)) continue; // not replenished: nothing to predict
    const category = h.productCategory.get(productId);
    const prior = priorFor(model, productId, category);
    const { probabilityActive, ...outlook } = productOutlook(model, days, asOfDay, horizonDays);
    const flags = seriesFlags(days, model.quality, productId, h.productDuplicates.get(productId));
    products.push({ productId, ...(category ? { category } : {}), inCatalog: !h.uncatalogued.has(productId), ...series(days, { ...prior, mu: prior.mu + pace }, asOfDay, horizonDays, probabilityActive, flags, model.statusCalibration?.product), ...outlook });
    if (category && days.length < RARE) rareCategories.add(category);
  }
  products.sort((a, b) => URGENCY[a.status] - URGENCY[b.status] || a.nextDay - b.nextDay);
  const categories: CategoryPrediction[] = [];
  for (const category of rareCategories) {
    const days = h.categories.get(category);
    if (days && days.length >= 2) {
      categories.push({ category, ...series(days, own(model.categoryPriors, category) ?? model.productPrior, asOfDay, horizonDays) });
    }
  }
  categories.sort((a, b) => URGENCY[a.status] - URGENCY[b.status] || a.nextDay - b.nextDay);

  // The customer's own series is alive exactly as BG/NBD says: one figure, not two that can disagree. Its
  // date and range are BG/NBD's wait given a purchase within the horizon (timing.ts); the renewal fit
  // gives the typical gap, the regularity and whether the wait is already overdue.
  const flags = customerFlags(h, model.quality, options.testAccount);
  const fit = fitSeries(h.days, model.customerPrior);
  const dates = windowDates(model.bgnbd, s, asOfDay, horizonDays ?? DATE_HORIZON_DAYS, anomalous(flags) ? 0.05 : 0.1);
  const next: SeriesPrediction = { ...forecast(fit, asOfDay, horizonDays, { probabilityActive: pAlive, dates, ...(model.statusCalibration ? { thresholds: model.statusCalibration.customer } : {}) }), purchases: fit.purchases, lastDay: fit.lastDay, flags: [] };
  const { risk, evidence } = churn(pAlive, next, s.x);
  return {
    asOfDay,
    purchases: h.days.length,
    firstDay: h.firstDay,
    lastDay: h.lastDay,
    currency: h.currency,
    totalSpend: h.totalSpend,
    spendByCurrency: h.spendByCurrency,
    probabilityAlive: pAlive,
    expectedPurchases30: expectedPurchases(model.bgnbd, s, 30 / 7),
    expectedPurchases90: e90,
    probabilityOfPurchase30: purchaseOdds(model, fit, s, asOfDay, 30, pAlive),
    probabilityOfPurchase90: purchaseOdds(model, fit, s, asOfDay, 90, pAlive),
    ...(horizonDays !== undefined ? { probabilityInHorizon: purchaseOdds(model, fit, s, asOfDay, horizonDays, pAlive) } : {}),
    next,
    ...(spend !== undefined ? { expectedSpendPerPurchase: spend, expectedSpend90: spend * e90 } : {}),
    churnRisk: risk,
    churnEvidence: evidence,
    products,
    categories,
    flags,
  };
}

/** Pseudo-products of "average pace" that a customer's own pace is shrunk toward. */
const PACE_SHRINK = 5;

/**
 * How much faster or slower than the population this customer buys products in general (log scale): the
 * mean difference between their product series' pace and each product's population pace, shrunk toward 0.
 * A customer who replenishes everything quickly will likely replenish a product bought twice quickly too.
 */
export function customerPace(h: CustomerHistory, model: PopulationModel): number {
  let sum = 0;
  let n = 0;
  for (const [productId, days] of h.products) {
    if (days.length < 3) continue;
    const prior = priorFor(model, productId, h.productCategory.get(productId));
    let mean = 0;
    for (let i = 1; i < days.length; i++) mean += Math.log(days[i]!.day - days[i - 1]!.day) - prior.beta * Math.log(Math.max(days[i - 1]!.quantity, 1e-9));
    sum += mean / (days.length - 1) - prior.mu;
    n++;
  }
  return sum / (n + PACE_SHRINK);
}

function churn(pAlive: number, next: SeriesPrediction, repeats: number): { risk: ChurnRisk; evidence: string[] } {
  const evidence = [
    `probability still a customer ${(pAlive * 100).toFixed(0)}% (BG/NBD)`,
    `${next.elapsedDays} days since the last purchase; typical gap ${Math.round(next.typicalGapDays)} days`,
  ];
  if (repeats === 0) evidence.push('one purchase so far: little evidence either way');
  if (next.status === 'overdue' || next.status === 'lapsed') evidence.push(`the next purchase is ${next.status}`);
  const risk: ChurnRisk = pAlive < 0.3 || next.status === 'lapsed' ? 'high' : pAlive < 0.7 || next.status === 'overdue' ? 'medium' : 'low';
  return { risk, evidence };
}
