import { formatDay } from '../shared/days.ts';
import type { CustomerPrediction, SeriesPrediction } from './model/customer.ts';
import type { PopulationModel } from './model/population.ts';
import type { PredictionsView } from './predictions.schemas.ts';

/** Keeps a wholesaler's item far below DynamoDB's 400 KB; the least urgent products go. */
export const MAX_PRODUCTS = 150;

const r = (v: number, d = 3) => Number(v.toFixed(d));

function cadence(s: SeriesPrediction) {
  return {
    status: s.status,
    purchases: s.purchases,
    lastPurchase: formatDay(s.lastDay),
    typicalIntervalDays: r(s.typicalGapDays, 1),
    irregularity: r(s.irregularity, 2),
    nextPurchaseDate: formatDay(s.nextDay),
    range: { from: formatDay(s.lowDay), to: formatDay(s.highDay) },
    probabilityActive: r(s.probabilityActive),
    confidence: s.confidence,
    flags: s.flags,
  };
}

/** The served JSON: dates as days, numbers rounded to what is meaningful. */
export function toView(
  customerId: string,
  p: CustomerPrediction,
  model: { model: PopulationModel; fittedAt?: string },
  lines: number,
  computedAt: string,
): PredictionsView {
  return {
    customerId,
    computedAt,
    modelVersion: model.model.version,
    population: { source: model.fittedAt ? 'fitted' : 'default', ...(model.fittedAt ? { fittedAt: model.fittedAt } : {}), customers: model.model.customers },
    data: {
      firstPurchase: formatDay(p.firstDay),
      lastPurchase: formatDay(p.lastDay),
      purchaseDays: p.purchases,
      purchaseLines: lines,
      currency: p.currency,
      totalSpend: r(p.totalSpend, 2),
      spendByCurrency: Object.fromEntries(Object.entries(p.spendByCurrency).map(([c, v]) => [c, r(v, 2)])),
    },
    customer: {
      probabilityAlive: r(p.probabilityAlive),
      expectedPurchases30: r(p.expectedPurchases30),
      expectedPurchases90: r(p.expectedPurchases90),
      probabilityOfPurchase30: r(p.probabilityOfPurchase30),
      probabilityOfPurchase90: r(p.probabilityOfPurchase90),
      nextPurchaseDate: formatDay(p.next.nextDay),
      nextPurchaseRange: { from: formatDay(p.next.lowDay), to: formatDay(p.next.highDay) },
      typicalIntervalDays: r(p.next.typicalGapDays, 1),
      ...(p.expectedSpendPerPurchase !== undefined ? { expectedSpendPerPurchase: r(p.expectedSpendPerPurchase, 2) } : {}),
      ...(p.expectedSpend90 !== undefined ? { expectedSpend90: r(p.expectedSpend90, 2) } : {}),
      churnRisk: p.churnRisk,
      churnEvidence: p.churnEvidence,
      flags: p.flags,
    },
    products: p.products
      .slice(0, MAX_PRODUCTS)
      .map((x) => ({ productId: x.productId, ...(x.category ? { category: x.category } : {}), inCatalog: x.inCatalog, ...cadence(x), expectedPurchases90: r(x.expectedPurchases90) })),
    productsOmitted: Math.max(0, p.products.length - MAX_PRODUCTS),
    categories: p.categories.slice(0, MAX_PRODUCTS).map((x) => ({ category: x.category, ...cadence(x) })),
  };
}
