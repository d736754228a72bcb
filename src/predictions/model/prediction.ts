import type { Forecast } from './forecast.ts';
import type { QualityFlag } from './quality.ts';

/** What predictCustomer (customer.ts) answers. */
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
