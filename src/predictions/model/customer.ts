import { expectedPurchases, probabilityAlive, probabilityOfPurchase } from './bgnbd.ts';
import { fitSeries, forecast, type CadenceStatus, type Forecast } from './cadence.ts';
import { expectedSpendPerTransaction } from './gamma-gamma.ts';
import { repeatSpend, rfm, seriesRfm, type CustomerHistory } from './history.ts';
import { own, priorFor, type PopulationModel } from './population.ts';

export interface SeriesPrediction extends Forecast {
  purchases: number;
  lastDay: number;
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
}

const URGENCY: Record<CadenceStatus, number> = { overdue: 0, due: 1, due_soon: 2, not_due: 3, lapsed: 4 };
/** A product needs this many purchase days for its own prediction to carry weight; rarer ones show up in their category. */
const RARE = 3;

const series = (days: CustomerHistory['days'], prior: Parameters<typeof fitSeries>[1], asOfDay: number, horizon?: number, probabilityActive?: number): SeriesPrediction => {
  const fit = fitSeries(days, prior);
  return { ...forecast(fit, asOfDay, horizon, probabilityActive !== undefined ? { probabilityActive } : {}), purchases: fit.purchases, lastDay: fit.lastDay };
};

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
export function predictCustomer(h: CustomerHistory, model: PopulationModel, asOfDayWanted: number, horizonDays?: number): CustomerPrediction {
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
    products.push({ productId, ...(category ? { category } : {}), inCatalog: !h.uncatalogued.has(productId), ...series(days, { ...prior, mu: prior.mu + pace }, asOfDay, horizonDays, probabilityActive), ...outlook });
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

  // The customer's own series is alive exactly as BG/NBD says: one figure, not two that can disagree.
  const next = series(h.days, model.customerPrior, asOfDay, horizonDays, pAlive);
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
    probabilityOfPurchase30: probabilityOfPurchase(model.bgnbd, s, 30 / 7),
    probabilityOfPurchase90: probabilityOfPurchase(model.bgnbd, s, 90 / 7),
    next,
    ...(spend !== undefined ? { expectedSpendPerPurchase: spend, expectedSpend90: spend * e90 } : {}),
    churnRisk: risk,
    churnEvidence: evidence,
    products,
    categories,
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
