import { assertParams, assertSummaryOf, deadOddsOf, expectedPurchasesOf, probabilityOfPurchaseOf, type BgNbdParams } from './bgnbd.ts';
import { renewalProbability } from './calibration.ts';
import { adjustGaps, assertIncreasing, emptyFit, fitAdjusted, fitSeriesInto, writeForecast, type CadenceStatus, type Forecast, type GapPrior, type PurchaseDay, type SeriesFit } from './cadence.ts';
import { expectedSpendPerTransaction } from './gamma-gamma.ts';
import { repeatSpend, type CustomerHistory } from './history.ts';
import { stackedProbabilityOf } from './odds.ts';
import { own, priorFor, type PopulationModel } from './population.ts';
import { anomalous, customerFlags, FLAG_WIDENING, seriesFlags } from './quality.ts';
import type { CategoryPrediction, ChurnRisk, CustomerPrediction, ProductPrediction, SeriesPrediction } from './prediction.ts';
import { windowDatesInto } from './timing.ts';

/** The customer's next purchase date is the one to expect if they buy within this many days. */
export const DATE_HORIZON_DAYS = 90;

export type { CategoryPrediction, ChurnRisk, CustomerPrediction, ProductOutlook, ProductPrediction, SeriesPrediction } from './prediction.ts';

const URGENCY: Record<CadenceStatus, number> = { overdue: 0, due: 1, due_soon: 2, not_due: 3, lapsed: 4 };
/** A product needs this many purchase days for its own prediction to carry weight; rarer ones show up in their category. */
const RARE = 3;
const byUrgency = (a: Forecast, b: Forecast) => URGENCY[a.status] - URGENCY[b.status] || a.nextDay - b.nextDay;

/**
 * The per-customer path builds each answer once, field by field, and nothing in between (decision 128):
 * series fits go to these scratch objects (a prediction runs to completion before the next starts), BG/NBD
 * is evaluated on the summary as numbers with its dead-odds term computed once per series.
 */
const seriesFit = emptyFit();
const customerFit = emptyFit();
const windowScratch = { nextDay: 0, lowDay: 0, highDay: 0 };
const NO_OPTIONS: { testAccount?: boolean } = {};

function oddsFor(model: PopulationModel, h: number) {
  for (let i = 0; i < model.odds.length; i++) if (model.odds[i]!.horizonDays === h) return model.odds[i];
  return undefined;
}

/** The probability of a purchase within h days: the stacked odds learned for h, else BG/NBD's. */
function purchaseOdds(model: PopulationModel, fit: SeriesFit, x: number, T: number, asOfDay: number, h: number, pAlive: number, dead: number): number {
  const odds = oddsFor(model, h);
  const bgnbd = probabilityOfPurchaseOf(model.bgnbd, x, T, h / 7, dead);
  return odds ? stackedProbabilityOf(odds.weights, bgnbd, renewalProbability(fit, asOfDay, h, pAlive), x, asOfDay - fit.lastDay, Math.exp(fit.theta), T) : bgnbd;
}

/**
 * Each product's prediction, most urgent first: its cadence (pooled with the product's population pace,
 * shifted by the customer's own pace) and its outlook from BG/NBD fitted on all customer-product pairs
 * (whether the pair is still going, and how much). `rare` gets the categories of rarely bought products.
 */
function predictProducts(h: CustomerHistory, model: PopulationModel, asOfDay: number, horizonDays: number | undefined, rare: string[]): ProductPrediction[] {
  const products: ProductPrediction[] = [];
  if (h.products.size === 0) return products;
  const pace = adjustProducts(h, model);
  const pb: BgNbdParams = model.productBgnbd;
  let k = -1;
  for (const [productId, days] of h.products) {
    k++;
    if (h.durables.has(productId)) continue; // not replenished: nothing to predict
    if (products.length === 0) assertParams(pb);
    const category = h.productCategory.get(productId);
    const prior = scratch.priors[k]!;
    const n = days.length;
    const first = days[0]!.day;
    const x = n - 1;
    const tx = (days[x]!.day - first) / 7;
    const T = (asOfDay - 1 - first) / 7;
    assertSummaryOf(x, tx, T);
    assertIncreasing(days);
    const dead = deadOddsOf(pb, x, tx, T);
    const flags = seriesFlags(days, model.quality, productId, h.productDuplicates.get(productId));
    const fit = fitAdjusted(seriesFit, days, scratch.gaps, scratch.offsets[k]!, scratch.sums[k]!, prior.mu + pace, prior.tau, prior.sigma, prior.beta);
    const p = { productId } as ProductPrediction;
    if (category) p.category = category;
    p.inCatalog = !h.uncatalogued.has(productId);
    // BG/NBD calls a pair with no repeat purchase alive for sure; there the cadence model's own stopping
    // chance is the better guess, so it is left to it (undefined).
    writeForecast(p, fit, asOfDay, horizonDays, x > 0 ? 1 / (1 + dead) : undefined, anomalous(flags) ? FLAG_WIDENING : undefined, undefined);
    p.purchases = fit.purchases;
    p.lastDay = fit.lastDay;
    p.flags = flags;
    p.expectedPurchases30 = expectedPurchasesOf(pb, x, T, 30 / 7, dead);
    p.expectedPurchases90 = expectedPurchasesOf(pb, x, T, 90 / 7, dead);
    if (horizonDays !== undefined) {
      p.expectedInHorizon = expectedPurchasesOf(pb, x, T, horizonDays / 7, dead);
      p.probabilityInHorizonBgnbd = probabilityOfPurchaseOf(pb, x, T, horizonDays / 7, dead);
    }
    products.push(p);
    if (category && n < RARE && !rare.includes(category)) rare.push(category);
  }
  return products.sort(byUrgency);
}

/** The categories where some product is bought too rarely to model alone, with two or more purchase days. */
function predictCategories(h: CustomerHistory, model: PopulationModel, asOfDay: number, horizonDays: number | undefined, rare: readonly string[]): CategoryPrediction[] {
  const categories: CategoryPrediction[] = [];
  for (const category of rare) {
    const days: PurchaseDay[] | undefined = h.categories.get(category);
    if (!days || days.length < 2) continue;
    const prior = own(model.categoryPriors, category) ?? model.productPrior;
    const fit = fitSeriesInto(seriesFit, days, prior.mu, prior.tau, prior.sigma, prior.beta);
    const c = writeForecast({ category } as CategoryPrediction, fit, asOfDay, horizonDays, undefined, undefined, undefined);
    c.purchases = fit.purchases;
    c.lastDay = fit.lastDay;
    c.flags = [];
    categories.push(c);
  }
  return categories.sort(byUrgency);
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
  const next = writeForecast({} as SeriesPrediction, fit, asOfDay, horizonDays, pAlive, undefined, dates);
  next.purchases = fit.purchases;
  next.lastDay = fit.lastDay;
  next.flags = [];
  const { risk, evidence } = churn(pAlive, next, x);
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
    probabilityOfPurchase30: purchaseOdds(model, fit, x, T, asOfDay, 30, pAlive, dead),
    probabilityOfPurchase90: purchaseOdds(model, fit, x, T, asOfDay, 90, pAlive, dead),
  } as CustomerPrediction;
  // Optional fields in the order the answer has always had them.
  if (horizonDays !== undefined) out.probabilityInHorizon = purchaseOdds(model, fit, x, T, asOfDay, horizonDays, pAlive, dead);
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

/** Pseudo-products of "average pace" that a customer's own pace is shrunk toward. */
const PACE_SHRINK = 5;

/** Each product's prior, adjusted log gaps (at gaps[offsets[k]...]) and their sum, k in h.products order. */
const scratch = { priors: [] as GapPrior[], offsets: new Int32Array(64), sums: new Float64Array(64), gaps: new Float64Array(1024) };

/**
 * Fills `scratch` for the customer's products (the fits read the adjusted gaps from there) and returns how
 * much faster or slower than the population this customer buys products in general (log scale): the mean
 * difference between their product series' pace and each product's population pace, over the products
 * with two or more gaps, shrunk toward 0. A customer who replenishes everything quickly will likely
 * replenish a product bought twice quickly too.
 */
function adjustProducts(h: CustomerHistory, model: PopulationModel): number {
  if (scratch.offsets.length < h.products.size) {
    scratch.offsets = new Int32Array(2 * h.products.size);
    scratch.sums = new Float64Array(2 * h.products.size);
  }
  let sum = 0;
  let n = 0;
  let k = 0;
  let offset = 0;
  for (const [productId, days] of h.products) {
    const prior = priorFor(model, productId, h.productCategory.get(productId));
    if (scratch.gaps.length < offset + days.length) {
      const grown = new Float64Array(2 * (offset + days.length));
      grown.set(scratch.gaps.subarray(0, offset));
      scratch.gaps = grown;
    }
    const s = adjustGaps(days, prior.beta, scratch.gaps, offset);
    scratch.priors[k] = prior;
    scratch.offsets[k] = offset;
    scratch.sums[k] = s;
    offset += days.length;
    k++;
    if (days.length < 3) continue;
    sum += s / (days.length - 1) - prior.mu;
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
