import type { CustomerRepository } from '../customers/customers.repository.ts';
import type { ProductRepository } from '../products/products.repository.ts';
import { netOfAdjustments } from '../purchases/purchases.adjustments.ts';
import type { PurchaseLine } from '../purchases/purchases.model.ts';
import type { PurchaseRepository } from '../purchases/purchases.repository.ts';
import type { Region } from '../regions/region.schema.ts';
import { dayOf } from '../shared/days.ts';
import type { PurchaseEvent } from './model/history.ts';
import { CustomerSample } from './model/sample.ts';

export type CatalogFacts = Map<string, { category: string; consumable: boolean }>;

export interface HistorySourceDeps {
  region: Region;
  purchases: Pick<PurchaseRepository, 'scan'>;
  customers: Pick<CustomerRepository, 'objectors'>;
  catalog: Pick<ProductRepository, 'many'>;
  now: () => number;
}

/** Products missing from the catalog are accepted and predicted as consumables without a category. */
export function eventsOf(lines: readonly PurchaseLine[], catalog: CatalogFacts): PurchaseEvent[] {
  return lines.map((l) => {
    const facts = catalog.get(l.productId);
    return { day: dayOf(l.purchasedAt), productId: l.productId, quantity: l.quantity, amount: l.quantity * l.unitPrice, currency: l.currency, ...(facts ? { category: facts.category, consumable: facts.consumable } : { catalogued: false }) };
  });
}

/** Where population jobs (refit, segment runs) read a jurisdiction's purchase histories from. */
export class HistorySource {
  constructor(private readonly deps: HistorySourceDeps) {}

  async catalogFacts(lines: readonly PurchaseLine[]): Promise<CatalogFacts> {
    const products = await this.deps.catalog.many(lines.filter((l) => l.type === undefined).map((l) => l.productId));
    return new Map([...products].map(([id, p]) => [id, { category: p.category, consumable: p.consumable }]));
  }

  /**
   * Every customer of the jurisdiction with their stored lines (a scan of the purchases table), except
   * those who objected to profiling (they are in no fit, no prediction and no segment) and those inactive
   * beyond the retention of derived data (theirs expire by TTL with the rest of what was derived).
   */
  async all() {
    const byCustomer = new Map<string, PurchaseLine[]>();
    const objectors = await this.deps.customers.objectors();
    let count = 0;
    for await (const page of this.deps.purchases.scan()) {
      for (const line of page) {
        if (objectors.has(line.customerId)) continue;
        const list = byCustomer.get(line.customerId);
        if (list) list.push(line);
        else byCustomer.set(line.customerId, [line]);
        count++;
      }
    }
    return this.active(byCustomer, count);
  }

  /**
   * As `all`, for at most `size` customers: a deterministic sample (the smallest hashed ids) when the
   * jurisdiction has more, so that a refit holds the sample's lines, not everybody's (decision 129).
   * `population` is the number of customers the scan saw (all of them when not sampled: then exact).
   */
  async sample(size: number) {
    const sample = new CustomerSample<PurchaseLine>(size);
    const objectors = await this.deps.customers.objectors();
    for await (const page of this.deps.purchases.scan()) {
      for (const line of page) if (!objectors.has(line.customerId)) sample.add(line.customerId, line);
    }
    const kept = sample.result();
    const sampled = sample.customers > kept.size;
    let count = 0;
    for (const lines of kept.values()) count += lines.length;
    const found = await this.active(kept, count);
    return { ...found, population: sampled ? sample.customers : found.byCustomer.size, sampled, lines: sampled ? sample.items : found.count };
  }

  /** Drops the customers inactive beyond the retention of derived data, or with nothing left to predict from. */
  private async active(byCustomer: Map<string, PurchaseLine[]>, lineCount: number) {
    let count = lineCount;
    const activeSince = new Date(this.deps.now() - this.deps.region.retention.inactiveDerivedDays * 86_400_000).toISOString();
    for (const [id, lines] of byCustomer) {
      // Inactive, or everything bought was cancelled or returned (no history to predict from).
      if (!lines.some((l) => l.purchasedAt >= activeSince) || netOfAdjustments(lines).length === 0) {
        count -= lines.length;
        byCustomer.delete(id);
      }
    }
    const catalog = await this.catalogFacts([...byCustomer.values()].flat());
    return { byCustomer, catalog, count };
  }
}
