import type { Shopper } from './types.ts';

export interface PopularProduct {
  productId: string;
  /** Distinct customers who bought it in the last `windowDays`. */
  buyers: number;
  /** Buyers in the last third of the window over buyers in the third before it (1 = steady), shrunk. */
  trend: number;
}

export interface PopularityOptions {
  windowDays: number;
  /** Products bought by fewer customers are not listed (aggregates name no small group). */
  minSupport: number;
  maxProducts: number;
}

export const DEFAULT_POPULARITY: PopularityOptions = { windowDays: 90, minSupport: 5, maxProducts: 1000 };

/**
 * Best sellers by distinct buyers in the window before `asOfDay` (the popularity baseline's definition),
 * with a trend: distinct buyers of the last third of the window against the third before it (periods of
 * the same length, so a product bought every week does not look "rising"), with five pseudo-buyers on
 * each side so a product with three buyers does not trend on one more.
 */
export function popularProducts(shoppers: Iterable<Shopper>, asOfDay: number, options: Partial<PopularityOptions> = {}): PopularProduct[] {
  const o = { ...DEFAULT_POPULARITY, ...options };
  const from = asOfDay - o.windowDays;
  const third = Math.max(1, Math.round(o.windowDays / 3));
  const all = new Map<string, number>();
  const recent = new Map<string, number>();
  const before = new Map<string, number>();
  const count = (m: Map<string, number>, p: string) => m.set(p, (m.get(p) ?? 0) + 1);
  for (const s of shoppers) {
    for (const [productId, days] of s.products) {
      const inside = (lo: number, hi: number) => days.some((d) => d.day >= lo && d.day < hi);
      if (inside(from, asOfDay)) count(all, productId);
      if (inside(asOfDay - third, asOfDay)) count(recent, productId);
      if (inside(asOfDay - 2 * third, asOfDay - third)) count(before, productId);
    }
  }
  const PSEUDO = 5;
  return [...all]
    .filter(([, n]) => n >= o.minSupport)
    .map(([productId, buyers]) => ({ productId, buyers, trend: ((recent.get(productId) ?? 0) + PSEUDO) / ((before.get(productId) ?? 0) + PSEUDO) }))
    .sort((a, b) => b.buyers - a.buyers || a.productId.localeCompare(b.productId))
    .slice(0, o.maxProducts);
}
