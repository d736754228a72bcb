import type { Aggregates } from './aggregates.ts';
import type { CandidateSet } from './candidates.ts';
import { similarity, type ContentIndex } from './content.ts';
import { feature, reasonOf, scoreAll } from './ranker.ts';
import { dueEvidence } from './replenishment.ts';
import type { Catalog, Recommendation, Weights } from './types.ts';

export interface ExplainContext {
  aggregates: Aggregates;
  catalog: Catalog;
  content?: ContentIndex;
  asOfDay: number;
}

const percent = (v: number) => `${Math.max(1, Math.round(100 * v))}%`;
export const nameOf = (catalog: Catalog, productId: string) => catalog.items.get(productId)?.name ?? productId;

/** Why a candidate is there, in the shop's terms. */
function evidenceOf(set: CandidateSet, index: number, reason: Recommendation['reason'], e: ExplainContext): string {
  const productId = set.products[index]!;
  const via = set.via.get(productId);
  switch (reason) {
    case 'replenish_due':
      return dueEvidence(set.own.get(productId)!, e.asOfDay);
    case 'bought_together': {
      const anchor = via?.together;
      const n = anchor ? e.aggregates.together.get(anchor)?.find((x) => x.productId === productId) : undefined;
      return anchor && n ? `bought with ${nameOf(e.catalog, anchor)} by ${percent(n.share)} of its buyers` : 'often bought with your recent purchases';
    }
    case 'similar': {
      const anchor = via?.similar;
      if (!anchor || !e.content) return 'like your recent purchases';
      const { shared } = similarity(e.content, anchor, productId);
      const sameCategory = e.catalog.items.get(anchor)?.category !== undefined && e.catalog.items.get(anchor)?.category === e.catalog.items.get(productId)?.category;
      const what = [sameCategory ? 'same category' : undefined, shared.length > 0 ? `"${shared.slice(0, 2).join(' ')}"` : undefined].filter(Boolean).join(', ');
      return `like ${nameOf(e.catalog, anchor)}${what ? ` (${what})` : ''}`;
    }
    case 'segment_favourite':
      return `bought by ${percent(feature(set, index, 'segment'))} of customers who shop like you in the last 180 days`;
    case 'popular': {
      const p = e.aggregates.popular.find((x) => x.productId === productId);
      if (!p) return 'a best seller';
      return `bought by ${p.buyers} customers in the last 90 days${p.trend >= 1.3 ? ', and more of late' : ''}`;
    }
  }
}

/** What a caller may ask of a list. */
export interface ListRequest {
  limit: number;
  category?: string;
  exclude?: ReadonlySet<string>;
  maxPrice?: number;
  /** At most this many items of one category (diversity); not applied when one category is asked for. */
  perCategory?: number;
}

/** Whether a product passes the request's filters (a product of unknown price never passes a price cap). */
export function passes(catalog: Catalog, productId: string, r: Omit<ListRequest, 'limit'>): boolean {
  if (r.exclude?.has(productId)) return false;
  const item = catalog.items.get(productId);
  if (r.category !== undefined && item?.category !== r.category) return false;
  if (r.maxPrice !== undefined && !(item?.price !== undefined && item.price <= r.maxPrice)) return false;
  return true;
}

/** Keeps a list diverse: no more than `n` items of one category (items without a category are not capped). */
export function capPerCategory<T extends { category?: string }>(items: readonly T[], n: number | undefined, limit: number): T[] {
  const seen = new Map<string, number>();
  const out: T[] = [];
  for (const item of items) {
    if (out.length >= limit) break;
    if (n !== undefined && item.category !== undefined) {
      const c = seen.get(item.category) ?? 0;
      if (c >= n) continue;
      seen.set(item.category, c + 1);
    }
    out.push(item);
  }
  return out;
}

/** The ranked, explained list of one customer under weights `w`, filtered and capped as requested. */
export function recommendList(set: CandidateSet, w: Weights, request: ListRequest, e: ExplainContext): Recommendation[] {
  const ranked: Recommendation[] = [];
  const perCategory = request.category === undefined ? request.perCategory : undefined;
  for (const s of scoreAll(set, w)) {
    const productId = set.products[s.index]!;
    if (!passes(e.catalog, productId, request)) continue;
    const item = e.catalog.items.get(productId);
    const reason = reasonOf(set, s.index, w);
    ranked.push({ productId, score: Number(s.score.toFixed(4)), reason, evidence: evidenceOf(set, s.index, reason, e), ...(item?.category ? { category: item.category } : {}), ...(item?.price !== undefined ? { price: item.price } : {}) });
    // Enough to fill the list after the category cap, without explaining every candidate.
    if (ranked.length >= (perCategory === undefined ? request.limit : request.limit * 4 + 20)) break;
  }
  return capPerCategory(ranked, perCategory, request.limit);
}
