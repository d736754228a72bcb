import type { Shopper } from './types.ts';

export interface SegmentFavourite {
  productId: string;
  /** Share of the segment's customers who bought it in the window. */
  share: number;
  /** Distinct customers of the segment who bought it (at least the minimum support). */
  buyers: number;
}

export interface SegmentFavouriteOptions {
  windowDays: number;
  minSupport: number;
  maxProducts: number;
}

export const DEFAULT_SEGMENT_FAVOURITES: SegmentFavouriteOptions = { windowDays: 180, minSupport: 5, maxProducts: 100 };

/**
 * What each segment buys: per segment, products by the share of its customers who bought them in the
 * window before `asOfDay`. Products bought by fewer than the minimum support of the segment's customers
 * are left out, so a favourite never points at a handful of people.
 */
export function segmentFavourites(
  shoppers: Iterable<Shopper>,
  segmentOf: (customerId: string) => string | undefined,
  asOfDay: number,
  options: Partial<SegmentFavouriteOptions> = {},
): Map<string, SegmentFavourite[]> {
  const o = { ...DEFAULT_SEGMENT_FAVOURITES, ...options };
  const from = asOfDay - o.windowDays;
  const members = new Map<string, number>();
  const counts = new Map<string, Map<string, number>>();
  for (const s of shoppers) {
    const segment = segmentOf(s.customerId);
    if (segment === undefined) continue;
    members.set(segment, (members.get(segment) ?? 0) + 1);
    let c = counts.get(segment);
    if (!c) counts.set(segment, (c = new Map()));
    for (const [productId, days] of s.products) {
      if (days.some((d) => d.day >= from && d.day < asOfDay)) c.set(productId, (c.get(productId) ?? 0) + 1);
    }
  }
  const out = new Map<string, SegmentFavourite[]>();
  for (const [segment, c] of counts) {
    const size = members.get(segment)!;
    const list = [...c]
      .filter(([, n]) => n >= o.minSupport)
      .map(([productId, buyers]) => ({ productId, buyers, share: buyers / size }))
      .sort((a, b) => b.buyers - a.buyers || a.productId.localeCompare(b.productId))
      .slice(0, o.maxProducts);
    if (list.length > 0) out.set(segment, list);
  }
  return out;
}
