import type { PurchaseDay } from '../../predictions/model/cadence.ts';

/** Why an item is on a list, in the terms the storefront shows. */
export type Reason = 'replenish_due' | 'bought_together' | 'similar' | 'segment_favourite' | 'popular';
export const REASONS = ['replenish_due', 'bought_together', 'similar', 'segment_favourite', 'popular'] as const satisfies readonly Reason[];

/** What the recommenders know about a product (from the shop's catalog, or nothing but its id). */
export interface CatalogItem {
  productId: string;
  name?: string;
  category?: string;
  price?: number;
  currency?: string;
  packSize?: number;
  packUnit?: string;
  /** false: a durable good, never recommended again to someone who owns it. Unknown: a consumable. */
  consumable?: boolean;
}

/**
 * The catalog as the recommenders see it. `known` false means there is no catalog (an order export without
 * one): every product is then its own item with no category and no name, and no product is "missing".
 */
export interface Catalog {
  known: boolean;
  items: ReadonlyMap<string, CatalogItem>;
}

/** A customer's purchases as the recommenders use them: days per product, and the products of each day. */
export interface Shopper {
  customerId: string;
  /** Distinct purchase days per product (the predictions' history). */
  products: ReadonlyMap<string, readonly PurchaseDay[]>;
  lastDay: number;
}

/** Replenishment facts of one of the customer's own products, from the predictions. */
export interface OwnProduct {
  productId: string;
  purchases: number;
  lastDay: number;
  typicalGapDays: number;
  nextDay: number;
  lowDay: number;
  highDay: number;
  probabilityActive: number;
  status: 'not_due' | 'due_soon' | 'due' | 'overdue' | 'lapsed';
}

/** An item with the evidence a source found for it. */
export interface Evidence {
  reason: Reason;
  /** In the shop's terms: "due in 2 days", "bought with Espresso 1kg by 31% of its buyers". */
  text: string;
}

/** A ranked, explained recommendation. */
export interface Recommendation {
  productId: string;
  score: number;
  reason: Reason;
  evidence: string;
  category?: string;
  price?: number;
}

/** The signals the ranker blends, each scaled to [0, 1] for one customer and one candidate. */
export const FEATURES = ['due', 'frequency', 'recency', 'habit', 'cycle', 'repeat', 'together', 'similar', 'segment', 'popular', 'trending'] as const;
export type Feature = (typeof FEATURES)[number];
export type Weights = Record<Feature, number>;
