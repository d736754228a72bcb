import { assertParams, assertSummaryOf, deadOddsOf, expectedPurchasesOf, probabilityOfPurchaseOf, type BgNbdParams } from './bgnbd.ts';
import { adjustGaps, emptyFit, fitAdjusted, fitSeriesInto, writeForecast, type CadenceStatus, type Forecast, type GapPrior, type PurchaseDay, type SeriesFit } from './cadence.ts';
import type { CustomerHistory } from './history.ts';
import { own, priorFor, type PopulationModel } from './population.ts';
import type { CategoryPrediction, ProductPrediction } from './prediction.ts';
import { anomalous, FLAG_WIDENING, seriesFlags, type QualityFlag } from './quality.ts';
import { UNCALIBRATED } from './status.ts';

/**
 * The product and category half of a customer's predictions. Like the rest of the per-customer path
 * (decision 128) it builds each answer once and nothing in between: series fits and forecasts go to
 * scratch objects (a prediction runs to completion before the next starts), BG/NBD is evaluated on the
 * summary as numbers with its dead-odds term computed once per series.
 */
/** Likeliest to be bought soon first (decision 137): overdue is a churn reading, after due and due soon. */
const urgency = (s: CadenceStatus): number => (s === 'due' ? 0 : s === 'due_soon' ? 1 : s === 'overdue' ? 2 : s === 'not_due' ? 3 : 4);
/** A product needs this many purchase days for its own prediction to carry weight; rarer ones show up in their category. */
const RARE = 3;
/** Most urgent first: due, due soon, overdue, then the rest, then by next purchase date. */
export const byUrgency = (a: Forecast, b: Forecast) => urgency(a.status) - urgency(b.status) || a.nextDay - b.nextDay;

const seriesFit = emptyFit();
const forecastScratch = {} as Forecast;
/** Pseudo-products of "average pace" that a customer's own pace is shrunk toward. */
const PACE_SHRINK = 5;
/** Each product's prior, adjusted log gaps (at gaps[offsets[k]...]) and their sum, k in h.products order. */
const scratch = { ids: [] as string[], series: [] as PurchaseDay[][], categories: [] as (string | undefined)[], priors: [] as GapPrior[], offsets: new Int32Array(64), sums: new Float64Array(64), gaps: new Float64Array(1024) };

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
    const category = h.productCategory.get(productId);
    const prior = priorFor(model, productId, category);
    if (scratch.gaps.length < offset + days.length) {
      const grown = new Float64Array(2 * (offset + days.length));
      grown.set(scratch.gaps.subarray(0, offset));
      scratch.gaps = grown;
    }
    const s = adjustGaps(days, prior.beta, scratch.gaps, offset);
    scratch.ids[k] = productId;
    scratch.series[k] = days;
    scratch.categories[k] = category;
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

/** A product's answer in one literal (the served case: no horizon), fields in the answer's order. */
function productOf(productId: string, category: string | undefined, inCatalog: boolean, f: Forecast, fit: SeriesFit, flags: QualityFlag[], e30: number, e90: number): ProductPrediction {
  const { elapsedDays, typicalGapDays, irregularity, probabilityActive, nextDay, lowDay, highDay, status, confidence } = f;
  const { purchases, lastDay } = fit;
  return category
    ? { productId, category, inCatalog, elapsedDays, typicalGapDays, irregularity, probabilityActive, nextDay, lowDay, highDay, status, confidence, purchases, lastDay, flags, expectedPurchases30: e30, expectedPurchases90: e90 }
    : { productId, inCatalog, elapsedDays, typicalGapDays, irregularity, probabilityActive, nextDay, lowDay, highDay, status, confidence, purchases, lastDay, flags, expectedPurchases30: e30, expectedPurchases90: e90 };
}

/**
 * Each product's prediction, most urgent first: its cadence (pooled with the product's population pace,
 * shifted by the customer's own pace) and its outlook from BG/NBD fitted on all customer-product pairs
 * (whether the pair is still going, and how much). `rare` gets the categories of rarely bought products.
 */
export function predictProducts(h: CustomerHistory, model: PopulationModel, asOfDay: number, horizonDays: number | undefined, rare: string[]): ProductPrediction[] {
  const products: ProductPrediction[] = [];
  if (h.products.size === 0) return products;
  const pace = adjustProducts(h, model);
  const pb: BgNbdParams = model.productBgnbd;
  const thresholds = model.statusCalibration?.product ?? UNCALIBRATED;
  for (let k = 0; k < h.products.size; k++) {
    const productId = scratch.ids[k]!;
    if (h.durables.size > 0 && h.durables.has(productId)) continue; // not replenished: nothing to predict
    if (products.length === 0) assertParams(pb);
    const days = scratch.series[k]!;
    const category = scratch.categories[k];
    const prior = scratch.priors[k]!;
    const n = days.length;
    const first = days[0]!.day;
    const x = n - 1;
    const tx = (days[x]!.day - first) / 7;
    const T = (asOfDay - 1 - first) / 7;
    assertSummaryOf(x, tx, T); // adjustProducts checked that the days increase
    const dead = deadOddsOf(pb, x, tx, T);
    const flags = seriesFlags(days, model.quality, productId, h.productDuplicates.size > 0 ? h.productDuplicates.get(productId) : undefined);
    const fit = fitAdjusted(seriesFit, days, scratch.gaps, scratch.offsets[k]!, scratch.sums[k]!, prior.mu + pace, prior.tau, prior.sigma, prior.beta);
    // BG/NBD calls a pair with no repeat purchase alive for sure; there the cadence model's own stopping
    // chance is the better guess, so it is left to it (undefined).
    const active = x > 0 ? 1 / (1 + dead) : undefined;
    const widen = anomalous(flags) ? FLAG_WIDENING : undefined;
    const inCatalog = h.uncatalogued.size === 0 || !h.uncatalogued.has(productId);
    const e30 = expectedPurchasesOf(pb, x, T, 30 / 7, dead);
    const e90 = expectedPurchasesOf(pb, x, T, 90 / 7, dead);
    if (horizonDays === undefined) {
      products.push(productOf(productId, category, inCatalog, writeForecast(forecastScratch, fit, asOfDay, undefined, active, widen, undefined, thresholds), fit, flags, e30, e90));
    } else {
      // With a horizon (backtests, the CLI) the optional fields go in between: built field by field.
      const p = { productId } as ProductPrediction;
      if (category) p.category = category;
      p.inCatalog = inCatalog;
      writeForecast(p, fit, asOfDay, horizonDays, active, widen, undefined, thresholds);
      p.purchases = fit.purchases;
      p.lastDay = fit.lastDay;
      p.flags = flags;
      p.expectedPurchases30 = e30;
      p.expectedPurchases90 = e90;
      p.expectedInHorizon = expectedPurchasesOf(pb, x, T, horizonDays / 7, dead);
      p.probabilityInHorizonBgnbd = probabilityOfPurchaseOf(pb, x, T, horizonDays / 7, dead);
      products.push(p);
    }
    if (category && n < RARE && !rare.includes(category)) rare.push(category);
  }
  return sortByUrgency(products);
}

/** byUrgency's order, in place (stable, as Array.prototype.sort): an insertion sort for a customer's few products. */
function sortByUrgency<T extends Forecast>(list: T[]): T[] {
  if (list.length > 16) return list.sort(byUrgency);
  for (let i = 1; i < list.length; i++) {
    const item = list[i]!;
    let j = i;
    for (; j > 0 && byUrgency(list[j - 1]!, item) > 0; j--) list[j] = list[j - 1]!;
    list[j] = item;
  }
  return list;
}

/** The categories where some product is bought too rarely to model alone, with two or more purchase days. */
export function predictCategories(h: CustomerHistory, model: PopulationModel, asOfDay: number, horizonDays: number | undefined, rare: readonly string[]): CategoryPrediction[] {
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
