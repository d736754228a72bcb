import type { Shopper } from './types.ts';

export interface PopularProduct {
  productId: string;
  /** Distinct customers who bought it in the last `windowDays`. */
  buyers: number;
  /** Buyers in the last third of the window over what the whole window predicts for it (1 = steady). */
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
 * with a trend: how the last third of the window compares with the whole, shrunk toward steady so a
 * product with three buyers does not "trend" on one more.
 */
export function popularProducts(shoppers: Iterable<Shopper>, asOfDay: number, options: Partial<PopularityOptions> = {}): PopularProduct[] {
  const o = { ...DEFAULT_POPULARITY, ...options };
  const from = asOfDay - o.windowDays;
  const recentFrom = asOfDay - Math.round(o.windowDays / 3);
  const all = new Map<string, number>();
  const recent = new Map<string, number>();
  for (const s of shoppers) {
    for (const [productId, days] of s.products) {
      let inWindow = false;
      let inRecent = false;
      for (const d of days) {
        if (d.day >= from && d.day < asOfDay) inWindow = true;
        if (d.day >= recentFrom && d.day < asOfDay) inRecent = true;
      }
      if (inWindow) all.set(productId, (all.get(productId) ?? 0) + 1);
      if (inRecent) recent.set(productId, (recent.get(productId) ?? 0) + 1);
    }
  }
  const share = (asOfDay - recentFrom) / o.windowDays;
  // Five pseudo-buyers at the steady rate.
  const PSEUDO = 5;
  return [...all]
    .filter(([, n]) => n >= o.minSupport)
    .map(([productId, buyers]) => ({ productId, buyers, trend: ((recent.get(productId) ?? 0) + PSEUDO) / (buyers * share + PSEUDO) }))
    .sort((a, b) => b.buyers - a.buyers || a.productId.localeCompare(b.productId))
    .slice(0, o.maxProducts);
}
