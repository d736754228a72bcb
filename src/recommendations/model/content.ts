import type { Catalog, CatalogItem } from './types.ts';

/** A product similar to another, with what they share. */
export interface SimilarProduct {
  productId: string;
  /** 0..1: category, name tokens, price band and pack, weighted. */
  score: number;
  sameCategory: boolean;
  /** Name words the two share (the most telling first). */
  sharedWords: string[];
}

/** Words too common in product names to say anything. */
const STOP = new Set(['and', 'or', 'the', 'of', 'for', 'with', 'in', 'a', 'an', 'set', 'pack', 'x', 'de', 'und', 'mit']);

export function nameTokens(name: string | undefined): string[] {
  if (!name) return [];
  const words = name.normalize('NFKD').toLowerCase().replace(/\p{M}/gu, '').split(/[^\p{L}\p{N}]+/u);
  return [...new Set(words.filter((w) => w.length >= 2 && !STOP.has(w) && !/^\d+$/.test(w)))];
}

/** Weights of what makes two products alike; they add up to 1. */
const WEIGHT = { category: 0.4, name: 0.4, price: 0.12, pack: 0.08 } as const;

export interface ContentIndex {
  /** Per product, its name tokens with tf-idf weights (unit length). */
  vectors: ReadonlyMap<string, ReadonlyMap<string, number>>;
  byToken: ReadonlyMap<string, readonly string[]>;
  byCategory: ReadonlyMap<string, readonly string[]>;
  items: ReadonlyMap<string, CatalogItem>;
}

const push = (m: Map<string, string[]>, k: string, v: string) => {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
};

/** Builds the similarity index of a catalog once (inverted lists by name word and by category). */
export function contentIndex(catalog: Catalog): ContentIndex {
  const tokens = new Map<string, string[]>();
  const df = new Map<string, number>();
  const byCategory = new Map<string, string[]>();
  for (const item of catalog.items.values()) {
    const t = nameTokens(item.name);
    tokens.set(item.productId, t);
    for (const w of t) df.set(w, (df.get(w) ?? 0) + 1);
    if (item.category) push(byCategory, item.category, item.productId);
  }
  const n = Math.max(1, catalog.items.size);
  const vectors = new Map<string, Map<string, number>>();
  const byToken = new Map<string, string[]>();
  for (const [productId, t] of tokens) {
    const v = new Map(t.map((w) => [w, Math.log(1 + n / df.get(w)!)] as const));
    const norm = Math.sqrt([...v.values()].reduce((s, x) => s + x * x, 0)) || 1;
    for (const [w, x] of v) v.set(w, x / norm);
    vectors.set(productId, v);
    // Words on more than a fifth of the catalog find too much to be worth an inverted list.
    for (const w of t) if (df.get(w)! <= Math.max(5, n / 5)) push(byToken, w, productId);
  }
  return { vectors, byToken, byCategory, items: catalog.items };
}

function priceCloseness(a: CatalogItem, b: CatalogItem): number {
  if (!(a.price && b.price) || a.currency !== b.currency) return 0;
  // Same band within a factor of ~1.5; nothing in common at a factor of 4.
  return Math.max(0, 1 - Math.abs(Math.log(a.price / b.price)) / Math.log(4));
}

const packCloseness = (a: CatalogItem, b: CatalogItem) =>
  a.packUnit !== undefined && a.packUnit === b.packUnit && a.packSize && b.packSize ? Math.max(0, 1 - Math.abs(Math.log(a.packSize / b.packSize)) / Math.log(8)) : 0;

/** How alike two catalog products are (0..1), and the words they share. */
export function similarity(index: ContentIndex, a: string, b: string): { score: number; shared: string[] } {
  const ia = index.items.get(a);
  const ib = index.items.get(b);
  if (!ia || !ib) return { score: 0, shared: [] };
  const va = index.vectors.get(a)!;
  const vb = index.vectors.get(b)!;
  let dot = 0;
  const shared: [string, number][] = [];
  for (const [w, x] of va) {
    const y = vb.get(w);
    if (y !== undefined) {
      dot += x * y;
      shared.push([w, x * y]);
    }
  }
  const sameCategory = ia.category !== undefined && ia.category === ib.category;
  // Without categories (an export with names only) the name carries the category's weight too.
  const hasCategories = ia.category !== undefined || ib.category !== undefined;
  const nameWeight = hasCategories ? WEIGHT.name : WEIGHT.name + WEIGHT.category;
  const score = (sameCategory ? WEIGHT.category : 0) + nameWeight * dot + WEIGHT.price * priceCloseness(ia, ib) + WEIGHT.pack * packCloseness(ia, ib);
  return { score, shared: shared.sort((x, y) => y[1] - x[1]).map(([w]) => w) };
}

/** The products most like `productId` (sharing a category or a telling name word), best first. */
export function similarProducts(index: ContentIndex, productId: string, limit: number, minScore = 0.15): SimilarProduct[] {
  const item = index.items.get(productId);
  if (!item) return [];
  const candidates = new Set<string>();
  for (const w of index.vectors.get(productId)?.keys() ?? []) for (const p of index.byToken.get(w) ?? []) candidates.add(p);
  if (item.category) for (const p of index.byCategory.get(item.category) ?? []) candidates.add(p);
  candidates.delete(productId);
  const out: SimilarProduct[] = [];
  for (const other of candidates) {
    const { score, shared } = similarity(index, productId, other);
    if (score >= minScore) out.push({ productId: other, score, sameCategory: item.category !== undefined && item.category === index.items.get(other)?.category, sharedWords: shared });
  }
  return out.sort((a, b) => b.score - a.score || a.productId.localeCompare(b.productId)).slice(0, limit);
}
