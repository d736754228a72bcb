import type { Shopper } from './types.ts';

/** A product bought with another, by how many customers, normalised so best sellers do not win every list. */
export interface Neighbour {
  productId: string;
  /** Cosine of the two products' buyer sets: support / sqrt(buyers(a) * buyers(b)). */
  score: number;
  /** Distinct customers who bought both within the window. */
  support: number;
  /** support / buyers of the first product: "bought with A by 31% of its buyers". */
  share: number;
}

export interface CoPurchaseIndex {
  /** Distinct customers per product. */
  buyers: ReadonlyMap<string, number>;
  /** Per product, its neighbours best first (only pairs with at least `minSupport` customers). */
  neighbours: ReadonlyMap<string, readonly Neighbour[]>;
}

export interface CoPurchaseOptions {
  /** Same basket, or the other product within this many days after (either order). */
  withinDays: number;
  /** Pairs bought together by fewer customers are neither used nor stored (and never shared). */
  minSupport: number;
  /** Neighbours kept per product. */
  maxNeighbours: number;
  /** Only purchases on or after this day count (recent tastes; and bounded work). */
  sinceDay: number;
  /** The customer's most recent baskets considered (bounds a wholesaler's quadratic work). */
  maxBaskets: number;
}

export const DEFAULT_CO_PURCHASE: CoPurchaseOptions = { withinDays: 14, minSupport: 5, maxNeighbours: 40, sinceDay: -Infinity, maxBaskets: 60 };

/** A customer's baskets (products by purchase day), oldest first, from their purchase days per product. */
export function basketsOf(s: Shopper, sinceDay = -Infinity): { day: number; products: string[] }[] {
  const byDay = new Map<number, string[]>();
  for (const [productId, days] of s.products) {
    for (const d of days) {
      if (d.day < sinceDay) continue;
      const list = byDay.get(d.day);
      if (list) list.push(productId);
      else byDay.set(d.day, [productId]);
    }
  }
  return [...byDay].sort((a, b) => a[0] - b[0]).map(([day, products]) => ({ day, products }));
}

/**
 * Pair counts in an open-addressing table over typed arrays: each pair is counted once per customer (a
 * stamp of the last customer that counted it), with no per-customer set and no string keys.
 */
class PairCounts {
  private mask = (1 << 16) - 1;
  a = new Int32Array(1 << 16).fill(-1);
  b = new Int32Array(1 << 16);
  count = new Int32Array(1 << 16);
  private stamp = new Int32Array(1 << 16);
  size = 0;

  add(x: number, y: number, customer: number): void {
    let i = (Math.imul(x, 0x9e3779b1) ^ Math.imul(y, 0x85ebca77)) & this.mask;
    while (this.a[i] !== -1 && (this.a[i] !== x || this.b[i] !== y)) i = (i + 1) & this.mask;
    if (this.a[i] === -1) {
      this.a[i] = x;
      this.b[i] = y;
      this.count[i] = 1;
      this.stamp[i] = customer;
      if (++this.size * 2 > this.mask) this.grow();
    } else if (this.stamp[i] !== customer) {
      this.count[i]!++;
      this.stamp[i] = customer;
    }
  }

  private grow(): void {
    const { a, b, count, stamp } = this;
    const n = (this.mask + 1) * 2;
    this.mask = n - 1;
    this.a = new Int32Array(n).fill(-1);
    this.b = new Int32Array(n);
    this.count = new Int32Array(n);
    this.stamp = new Int32Array(n);
    for (let j = 0; j < a.length; j++) {
      if (a[j] === -1) continue;
      let i = (Math.imul(a[j]!, 0x9e3779b1) ^ Math.imul(b[j]!, 0x85ebca77)) & this.mask;
      while (this.a[i] !== -1) i = (i + 1) & this.mask;
      this.a[i] = a[j]!;
      this.b[i] = b[j]!;
      this.count[i] = count[j]!;
      this.stamp[i] = stamp[j]!;
    }
  }
}

/**
 * Item-to-item co-purchase: two products count as bought together by a customer when they are in the same
 * basket or within `withinDays` of each other. Each customer counts once per pair (support is in
 * customers, so one wholesaler's hundred orders do not make a pair), pairs under the minimum support are
 * dropped, and the score is the cosine of the buyer sets (a lift-like normalisation: a best seller bought
 * by everyone is not everybody's neighbour).
 */
export function coPurchases(shoppers: Iterable<Shopper>, options: Partial<CoPurchaseOptions> = {}): CoPurchaseIndex {
  const o = { ...DEFAULT_CO_PURCHASE, ...options };
  const index = new Map<string, number>();
  const ids: string[] = [];
  const idOf = (p: string) => {
    let i = index.get(p);
    if (i === undefined) {
      i = ids.length;
      index.set(p, i);
      ids.push(p);
    }
    return i;
  };
  const buyerCounts: number[] = [];
  const pairs = new PairCounts();
  let customer = 0;
  for (const s of shoppers) {
    customer++;
    const baskets = basketsOf(s, o.sinceDay).slice(-o.maxBaskets).map((b) => ({ day: b.day, items: b.products.map(idOf) }));
    const bought = new Set<number>();
    for (let i = 0; i < baskets.length; i++) {
      const first = baskets[i]!;
      for (const x of first.items) bought.add(x);
      for (let j = i; j < baskets.length && baskets[j]!.day - first.day <= o.withinDays; j++) {
        for (const x of first.items) {
          for (const y of baskets[j]!.items) {
            if (x < y) pairs.add(x, y, customer);
            else if (y < x) pairs.add(y, x, customer);
          }
        }
      }
    }
    for (const x of bought) buyerCounts[x] = (buyerCounts[x] ?? 0) + 1;
  }
  const lists = new Map<string, Neighbour[]>();
  const add = (a: number, b: number, support: number) => {
    const ba = buyerCounts[a]!;
    const bb = buyerCounts[b]!;
    const n: Neighbour = { productId: ids[b]!, score: support / Math.sqrt(ba * bb), support, share: support / ba };
    const list = lists.get(ids[a]!);
    if (list) list.push(n);
    else lists.set(ids[a]!, [n]);
  };
  for (let i = 0; i < pairs.a.length; i++) {
    const support = pairs.count[i]!;
    if (pairs.a[i] === -1 || support < o.minSupport) continue;
    add(pairs.a[i]!, pairs.b[i]!, support);
    add(pairs.b[i]!, pairs.a[i]!, support);
  }
  const neighbours = new Map<string, Neighbour[]>();
  for (const [p, list] of lists) {
    neighbours.set(p, list.sort((a, b) => b.score - a.score || b.support - a.support || a.productId.localeCompare(b.productId)).slice(0, o.maxNeighbours));
  }
  const buyers = new Map<string, number>();
  buyerCounts.forEach((n, i) => buyers.set(ids[i]!, n));
  return { buyers, neighbours };
}
