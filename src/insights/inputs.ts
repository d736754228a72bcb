import type { Customer } from '../customers/customers.schemas.ts';
import type { PredictionsView } from '../predictions/predictions.schemas.ts';
import type { ProductRepository } from '../products/products.repository.ts';
import type { PurchaseRepository } from '../purchases/purchases.repository.ts';
import { randomId } from '../shared/ids.ts';
import type { AnalysisAnswer } from './analysis.schema.ts';
import { pseudonymousInput, type PseudonymousInput } from './prompt.ts';
import { statisticalAnalysis } from './statistical.ts';

export interface AnalysisInputsDeps {
  purchases: Pick<PurchaseRepository, 'newestFirst'>;
  catalog: Pick<ProductRepository, 'many'>;
}

/** How many of the customer's latest purchase lines an analysis sees. */
const LAST_PURCHASES = 20;

/** What an analysis reads about a customer: the last purchases with product names, and declared attributes. */
export class AnalysisInputs {
  constructor(private readonly deps: AnalysisInputsDeps) {}

  /** The customer's latest lines with names and categories from the catalog, and the name lookup. */
  async lastPurchases(customerId: string) {
    const { items } = await this.deps.purchases.newestFirst(customerId, LAST_PURCHASES);
    const products = await this.deps.catalog.many(items.map((i) => i.productId));
    const name = (id: string) => products.get(id)?.name ?? id;
    const purchases = items.map((i) => {
      const category = products.get(i.productId)?.category;
      return { date: i.purchasedAt.slice(0, 10), product: name(i.productId), ...(category ? { category } : {}), quantity: i.quantity, unitPrice: i.unitPrice, currency: i.currency };
    });
    return { purchases, name };
  }

  /** The model's input: purchases and figures under a fresh random reference, never a name or an id. */
  async forModel(customerId: string, view: PredictionsView, customer: Customer, segment: string | undefined, asOf: string): Promise<{ input: PseudonymousInput; name: (id: string) => string }> {
    const { purchases, name } = await this.lastPurchases(customerId);
    // A fresh random reference per request: it maps the answer back here and means nothing to anyone else.
    return { input: pseudonymousInput(`ref_${randomId(8)}`, purchases, view, name, declaredOf(customer), segment, asOf), name };
  }

  /** The statistical reading of a customer, computed now (before any job has stored one). */
  async statistical(customerId: string, view: PredictionsView): Promise<AnalysisAnswer> {
    const { purchases, name } = await this.lastPurchases(customerId);
    return statisticalAnalysis(pseudonymousInput('statistical', purchases, view, name, {}), view, name);
  }
}

/** The socioeconomic attributes the customer or the shop declared (values only, not their sources). */
export function declaredOf(customer: Customer): PseudonymousInput['declared'] {
  const a = customer.attributes;
  return {
    ...(a.householdSize ? { householdSize: a.householdSize.value } : {}),
    ...(a.ageBand ? { ageBand: a.ageBand.value } : {}),
    ...(a.incomeBand ? { incomeBand: a.incomeBand.value } : {}),
  };
}
