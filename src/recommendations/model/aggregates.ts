import { coPurchases, type CoPurchaseOptions, type Neighbour } from './co-purchase.ts';
import { popularProducts, type PopularProduct } from './popularity.ts';
import { segmentFavourites, type SegmentFavourite } from './segment-favourites.ts';
import { FEATURES, type Shopper, type Weights } from './types.ts';

/**
 * What the recommenders borrow from a jurisdiction's population: best sellers, co-purchases and segment
 * favourites, each only with a support of at least five customers, and the ranker's weights. Computed from
 * purchases (personal data), so they are kept in the jurisdiction they come from.
 */
export interface Aggregates {
  /** The day they were computed for (their data ended the day before). */
  asOfDay: number;
  customers: number;
  popular: PopularProduct[];
  together: ReadonlyMap<string, readonly Neighbour[]>;
  /** Per product bought by at least five customers, the share of its buyers who bought it on two days or more. */
  repeatRate: ReadonlyMap<string, number>;
  segments: ReadonlyMap<string, readonly SegmentFavourite[]>;
  weights: Weights;
  /** How the weights were chosen: by an inner time split of this population's own purchases, or the defaults. */
  weightsSource: 'inner_split' | 'default';
  /** The inner split's mean NDCG at the chosen weights (absent for the defaults). */
  innerNdcg?: number;
}

/** Weights used before a population has taught any: replenishment first, then co-purchase, then best sellers. */
export const DEFAULT_WEIGHTS: Weights = { due: 1, frequency: 0.7, recency: 0.4, habit: 0.3, cycle: 0.3, repeat: 0.3, together: 0.4, similar: 0.2, segment: 0.2, popular: 0.3, trending: 0.05 };

/** The minimum support: no count derived from fewer customers is stored, used, or shared. */
export const MIN_SUPPORT = 5;

export interface AggregateOptions {
  coPurchase?: Partial<CoPurchaseOptions>;
  segmentOf?: (customerId: string) => string | undefined;
}

/** The population's aggregates from its shoppers, before `asOfDay`, with the default weights. */
export function buildAggregates(shoppers: readonly Shopper[], asOfDay: number, options: AggregateOptions = {}): Aggregates {
  // A year of co-purchases: tastes move, and a wholesaler's whole history would only add work.
  const co = coPurchases(shoppers, { sinceDay: asOfDay - 365, minSupport: MIN_SUPPORT, ...options.coPurchase });
  return {
    asOfDay,
    customers: shoppers.length,
    popular: popularProducts(shoppers, asOfDay, { minSupport: MIN_SUPPORT }),
    together: co.neighbours,
    repeatRate: repeatRates(shoppers, asOfDay - 365),
    segments: options.segmentOf ? segmentFavourites(shoppers, options.segmentOf, asOfDay, { minSupport: MIN_SUPPORT }) : new Map(),
    weights: { ...DEFAULT_WEIGHTS },
    weightsSource: 'default',
  };
}

/** How often a product is bought again by those who bought it (a consumable's rate is high, a gift's low). */
export function repeatRates(shoppers: readonly Shopper[], sinceDay: number): Map<string, number> {
  const counts = new Map<string, { buyers: number; repeat: number }>();
  for (const s of shoppers) {
    for (const [productId, days] of s.products) {
      let n = 0;
      for (const d of days) if (d.day >= sinceDay) n++;
      if (n === 0) continue;
      const c = counts.get(productId) ?? { buyers: 0, repeat: 0 };
      c.buyers++;
      if (n >= 2) c.repeat++;
      counts.set(productId, c);
    }
  }
  // Shrunk toward the shop's overall rate with two pseudo-buyers.
  let all = 0;
  let rep = 0;
  for (const c of counts.values()) {
    all += c.buyers;
    rep += c.repeat;
  }
  const base = all > 0 ? rep / all : 0;
  return new Map([...counts].filter(([, c]) => c.buyers >= MIN_SUPPORT).map(([p, c]) => [p, (c.repeat + 2 * base) / (c.buyers + 2)]));
}

export const isWeights = (w: Record<string, number>): w is Weights => FEATURES.every((f) => typeof w[f] === 'number' && Number.isFinite(w[f]) && w[f] >= 0);
