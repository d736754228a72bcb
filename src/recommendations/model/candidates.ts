import type { Aggregates } from './aggregates.ts';
import { similarProducts, type ContentIndex } from './content.ts';
import { dueProbability, justBought } from './replenishment.ts';
import { FEATURES, type Catalog, type Feature, type OwnProduct, type Shopper } from './types.ts';

/** One customer as the candidate sources see them. */
export interface CustomerContext {
  shopper: Shopper;
  /** The customer's consumables with their cadence (from the predictions). */
  own: readonly OwnProduct[];
  /** Durable goods the customer owns: never recommended again. */
  durables: ReadonlySet<string>;
  segmentId?: string;
}

/** What the sources draw on besides the customer. */
export interface SourceContext {
  aggregates: Aggregates;
  catalog: Catalog;
  /** The catalog's similarity index (absent when the catalog has no names or categories). */
  content?: ContentIndex;
  asOfDay: number;
  /** How far ahead the "due" signal looks (the window the weights were chosen for). */
  horizonDays: number;
  /** How long the list lives before it is recomputed: what "not yet due" is judged against. */
  listDays: number;
}

/** Every candidate of one customer with its feature row (row-major, FEATURES order). */
export interface CandidateSet {
  customerId: string;
  products: string[];
  x: Float64Array;
  own: ReadonlyMap<string, OwnProduct>;
  /** Per candidate, the customer's product that led to it through co-purchase or similarity. */
  via: Map<string, { together?: string; similar?: string }>;
}

export const F = Object.fromEntries(FEATURES.map((f, i) => [f, i])) as Record<Feature, number>;
const NF = FEATURES.length;
/** How many of the customer's latest products lead to co-purchases and similar items. */
const ANCHORS = 30;
const LIMITS = { together: 50, similar: 30, segment: 40, popular: 60 } as const;

/**
 * Why a product can never be on this customer's list, whatever is asked: just bought (within its interval
 * and not due), a durable already owned, or missing from the shop's catalog.
 */
export function isBlocked(ctx: CustomerContext, own: ReadonlyMap<string, OwnProduct>, catalog: Catalog, productId: string, asOfDay: number, listDays: number): boolean {
  if (catalog.known && !catalog.items.has(productId)) return true;
  if (ctx.durables.has(productId) || (catalog.items.get(productId)?.consumable === false && ctx.shopper.products.has(productId))) return true;
  const o = own.get(productId);
  return o !== undefined && justBought(o, asOfDay, listDays);
}

/** The customer's latest distinct products, newest first, with a weight that fades over ~90 days. */
export function anchorsOf(s: Shopper, asOfDay: number, limit = ANCHORS): { productId: string; weight: number }[] {
  return [...s.products]
    .map(([productId, days]) => ({ productId, last: days[days.length - 1]!.day }))
    .sort((a, b) => b.last - a.last || a.productId.localeCompare(b.productId))
    .slice(0, limit)
    .map((a) => ({ productId: a.productId, weight: Math.exp(-(asOfDay - a.last) / 90) }));
}

/**
 * Candidates from every source (the customer's own consumables, co-purchases and similar products of
 * their latest purchases, their segment's favourites, best sellers), each with its signals scaled to
 * [0, 1]. Products that are blocked for this customer are left out here, so no weighting can bring them back.
 */
export function candidatesFor(ctx: CustomerContext, src: SourceContext): CandidateSet {
  const { asOfDay, aggregates: agg } = src;
  const own = new Map(ctx.own.map((o) => [o.productId, o]));
  const rows = new Map<string, Float64Array>();
  const via = new Map<string, { together?: string; similar?: string }>();
  const row = (p: string) => {
    let r = rows.get(p);
    if (!r && !isBlocked(ctx, own, src.catalog, p, asOfDay, src.listDays)) rows.set(p, (r = new Float64Array(NF)));
    return r;
  };
  for (const o of ctx.own) {
    const r = row(o.productId);
    if (!r) continue;
    r[F.due] = dueProbability(o, asOfDay, src.horizonDays);
    r[F.frequency] = Math.min(1, Math.log1p(o.purchases) / Math.log(21));
    r[F.recency] = Math.exp(-(asOfDay - o.lastDay) / 60);
    // Where the product is in its own cycle: 0 just bought, 1 at its typical interval or beyond.
    r[F.cycle] = Math.min(1, (asOfDay - o.lastDay) / Math.max(1, o.typicalGapDays));
    r[F.repeat] = agg.repeatRate.get(o.productId) ?? 0;
    // Habit: purchase days weighted by how recent they are (a quarter's half-life), squashed into [0, 1].
    let habit = 0;
    for (const d of ctx.shopper.products.get(o.productId) ?? []) habit += Math.exp(-(asOfDay - d.day) / 130);
    r[F.habit] = 1 - Math.exp(-habit / 3);
  }
  const anchors = anchorsOf(ctx.shopper, asOfDay);
  // Co-purchase: a noisy-or over the latest products, so several weak links add up but never pass 1.
  const together = new Map<string, { miss: number; best: number; from: string }>();
  for (const a of anchors) {
    for (const n of agg.together.get(a.productId) ?? []) {
      const v = a.weight * n.score;
      const t = together.get(n.productId) ?? { miss: 1, best: 0, from: a.productId };
      t.miss *= 1 - v;
      if (v > t.best) Object.assign(t, { best: v, from: a.productId });
      together.set(n.productId, t);
    }
  }
  for (const [p, t] of top(together, LIMITS.together, (t) => 1 - t.miss)) {
    const r = ctx.shopper.products.has(p) ? rows.get(p) : row(p);
    if (!r) continue;
    r[F.together] = 1 - t.miss;
    via.set(p, { ...via.get(p), together: t.from });
  }
  if (src.content) {
    const similar = new Map<string, { score: number; from: string }>();
    for (const a of anchors.slice(0, 10)) {
      for (const s of similarProducts(src.content, a.productId, 20)) {
        const v = s.score * (0.5 + 0.5 * a.weight);
        if (v > (similar.get(s.productId)?.score ?? 0)) similar.set(s.productId, { score: v, from: a.productId });
      }
    }
    for (const [p, s] of top(similar, LIMITS.similar, (s) => s.score)) {
      const r = ctx.shopper.products.has(p) ? rows.get(p) : row(p);
      if (!r) continue;
      r[F.similar] = s.score;
      via.set(p, { ...via.get(p), similar: s.from });
    }
  }
  for (const f of (ctx.segmentId !== undefined ? agg.segments.get(ctx.segmentId) : undefined)?.slice(0, LIMITS.segment) ?? []) {
    if (ctx.shopper.products.has(f.productId)) continue; // what the segment buys that the customer has not
    const r = row(f.productId);
    if (r) r[F.segment] = f.share;
  }
  const maxBuyers = agg.popular[0]?.buyers ?? 1;
  for (const [i, p] of agg.popular.entries()) {
    const r = i < LIMITS.popular ? row(p.productId) : rows.get(p.productId);
    if (!r) continue;
    r[F.popular] = p.buyers / maxBuyers;
    r[F.trending] = Math.min(1, Math.max(0, p.trend - 1));
  }
  const products = [...rows.keys()];
  const x = new Float64Array(products.length * NF);
  products.forEach((p, i) => x.set(rows.get(p)!, i * NF));
  return { customerId: ctx.shopper.customerId, products, x, own, via };
}

function top<V>(m: Map<string, V>, n: number, score: (v: V) => number): [string, V][] {
  return [...m].sort((a, b) => score(b[1]) - score(a[1]) || a[0].localeCompare(b[0])).slice(0, n);
}
