/**
 * Synthetic purchase lines of a large jurisdiction, one customer at a time (as a scan delivers them), of
 * the shape the research data sets have: about half the customers buy once and never again, the rest
 * replenish one to six products at their own pace (a gamma-spread multiple of the product's cadence,
 * longer for bigger quantities), each with its own regularity, and drop out after any purchase day with a
 * chance of their own. Deterministic in (seed, customer index).
 */
import { DEMO_CATALOG, prng } from '../src/local/demo-data.ts';
import type { PurchaseLine } from '../src/purchases/purchases.model.ts';
import { formatDay } from '../src/shared/days.ts';
import type { CatalogFacts } from '../src/predictions/history-source.ts';

const CONSUMABLES = DEMO_CATALOG.filter((p) => p.consumable);
const DURABLES = DEMO_CATALOG.filter((p) => !p.consumable);
export const SYNTHETIC_CATALOG: CatalogFacts = new Map(DEMO_CATALOG.map((p) => [p.id, { category: p.category, consumable: p.consumable }]));

/** The purchase lines of customer `i`, all before `asOfDay`, over the two years before it. */
export function syntheticCustomer(i: number, asOfDay: number, seed = 1): PurchaseLine[] {
  const rnd = prng(seed * 1_000_003 + i);
  const customerId = `cus_syn_${i.toString(36)}`;
  const start = asOfDay - 730 + Math.floor(rnd.next() * 720);
  const pace = rnd.gammaNoise(0.5);
  const regularity = 0.15 + rnd.next() * 0.5;
  const dropout = rnd.next() < 0.5 ? 1 : 0.02 + rnd.next() * 0.2;
  const products = Array.from({ length: 1 + Math.floor(rnd.next() ** 2 * 6) }, () => rnd.pick(CONSUMABLES));
  const lines: PurchaseLine[] = [];
  const line = (productId: string, price: number, day: number, quantity: number, n: number) =>
    lines.push({ customerId, orderId: `o${i.toString(36)}-${day}`, lineId: String(n), productId, quantity, unitPrice: price, currency: 'EUR', purchasedAt: `${formatDay(day)}T10:00:00.000Z` });
  // Days on which each product is next due; the customer orders on the earliest, buying everything due.
  const due = products.map((p, k) => start + (k === 0 ? 0 : Math.floor(rnd.next() * p.typicalDays)));
  let day = start;
  while (day < asOfDay) {
    let n = 0;
    products.forEach((p, k) => {
      if (due[k]! > day) return;
      const quantity = rnd.next() < 0.8 ? 1 : rnd.next() < 0.75 ? 2 : 3;
      line(p.id, p.price, day, quantity, n++);
      due[k] = day + Math.max(1, Math.round(p.typicalDays * pace * quantity * rnd.gammaNoise(regularity)));
    });
    if (rnd.next() < 0.03) line(rnd.pick(DURABLES).id, 25, day, 1, n++);
    if (rnd.next() < dropout) break;
    day = Math.min(...due);
  }
  return lines;
}
