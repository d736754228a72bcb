import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_WEIGHTS, type Aggregates } from '../../../src/recommendations/model/aggregates.ts';
import { algorithmNamed, ALGORITHMS } from '../../../src/recommendations/model/algorithms.ts';
import { candidatesFor, type CustomerContext, type SourceContext } from '../../../src/recommendations/model/candidates.ts';
import { contentIndex } from '../../../src/recommendations/model/content.ts';
import { capPerCategory, recommendList } from '../../../src/recommendations/model/explain.ts';
import { topK } from '../../../src/recommendations/model/ranker.ts';
import { justBought } from '../../../src/recommendations/model/replenishment.ts';
import { FEATURES, type Catalog, type CatalogItem, type OwnProduct, type Weights } from '../../../src/recommendations/model/types.ts';
import { searchWeights, type TrainingCase } from '../../../src/recommendations/model/weights.ts';

const ASOF = 1000;
const item = (productId: string, category: string, price: number, consumable = true): CatalogItem => ({ productId, name: productId.replaceAll('-', ' '), category, price, currency: 'EUR', consumable });
const catalog: Catalog = {
  known: true,
  items: new Map(
    [
      item('coffee-beans', 'coffee', 18), item('coffee-ground', 'coffee', 9), item('espresso-capsules', 'coffee', 14), item('coffee-filters', 'coffee', 3),
      item('oat-milk', 'dairy', 11), item('green-tea', 'tea', 6), item('french-press', 'kitchen', 29, false), item('toilet-paper', 'household', 13),
    ].map((i) => [i.productId, i]),
  ),
};
const aggregates = (over: Partial<Aggregates> = {}): Aggregates => ({
  asOfDay: ASOF,
  customers: 100,
  popular: [
    { productId: 'toilet-paper', buyers: 80, trend: 1 },
    { productId: 'coffee-beans', buyers: 60, trend: 1 },
    { productId: 'oat-milk', buyers: 40, trend: 1.5 },
    { productId: 'green-tea', buyers: 20, trend: 1 },
    { productId: 'ghost-product', buyers: 90, trend: 1 },
  ],
  together: new Map([['coffee-beans', [{ productId: 'coffee-filters', score: 0.4, support: 12, share: 0.31 }]]]),
  repeatRate: new Map([['coffee-beans', 0.8]]),
  segments: new Map([['seg_1', [{ productId: 'green-tea', share: 0.5, buyers: 10 }]]]),
  weights: DEFAULT_WEIGHTS,
  weightsSource: 'default',
  ...over,
});
const src = (over: Partial<SourceContext> = {}): SourceContext => ({ aggregates: aggregates(), catalog, content: contentIndex(catalog), asOfDay: ASOF, horizonDays: 30, listDays: 3, ...over });
const own = (productId: string, o: Partial<OwnProduct> = {}): OwnProduct => ({ productId, purchases: 5, lastDay: 970, typicalGapDays: 30, nextDay: 1000, lowDay: 995, highDay: 1008, probabilityActive: 0.9, status: 'due', ...o });
const customer = (ownList: OwnProduct[], extra: Record<string, number[]> = {}, segmentId?: string): CustomerContext => {
  const products = new Map<string, { day: number; quantity: number }[]>(ownList.map((o) => [o.productId, [{ day: o.lastDay, quantity: 1 }]]));
  for (const [p, days] of Object.entries(extra)) products.set(p, days.map((day) => ({ day, quantity: 1 })));
  return { shopper: { customerId: 'cus_eu_x', products, lastDay: Math.max(0, ...[...products.values()].flat().map((d) => d.day)) }, own: ownList, durables: new Set(Object.keys(extra).filter((p) => catalog.items.get(p)?.consumable === false)), ...(segmentId ? { segmentId } : {}) };
};
const list = (ctx: CustomerContext, s = src(), w: Weights = DEFAULT_WEIGHTS, request = { limit: 10 }) => recommendList(candidatesFor(ctx, s), w, request, s);

describe('rules', () => {
  it.each<[string, CustomerContext, string]>([
    ['just bought (within its interval, not due)', customer([own('coffee-beans', { lastDay: 995, nextDay: 1025, lowDay: 1018, status: 'not_due' })]), 'coffee-beans'],
    ['a durable already owned', customer([], { 'french-press': [900] }), 'french-press'],
    ['a product missing from the catalog', customer([own('ghost-product')]), 'ghost-product'],
  ])('never recommends %s', (_name, ctx, productId) => {
    expect(list(ctx).map((r) => r.productId)).not.toContain(productId);
    for (const algorithm of ALGORITHMS) expect(list(ctx, src(), algorithm.weights).map((r) => r.productId)).not.toContain(productId);
  });

  it('never returns a just-bought product, whatever the weights and the history (property)', () => {
    const product = fc.constantFrom('coffee-beans', 'coffee-ground', 'espresso-capsules', 'oat-milk', 'green-tea', 'toilet-paper');
    const ownProduct = fc.record({ productId: product, lastDay: fc.integer({ min: 800, max: 999 }), typicalGapDays: fc.double({ min: 2, max: 120, noNaN: true }), offset: fc.integer({ min: -10, max: 60 }), status: fc.constantFrom('not_due', 'due_soon', 'due', 'overdue', 'lapsed') as fc.Arbitrary<OwnProduct['status']> });
    const weights = fc.record(Object.fromEntries(FEATURES.map((f) => [f, fc.double({ min: 0, max: 5, noNaN: true })])) as Record<keyof Weights, fc.Arbitrary<number>>);
    fc.assert(
      fc.property(fc.uniqueArray(ownProduct, { selector: (o) => o.productId, maxLength: 6 }), weights, (raw, w) => {
        const ownList = raw.map((o) => own(o.productId, { lastDay: o.lastDay, typicalGapDays: o.typicalGapDays, nextDay: ASOF + Math.max(0, o.offset + 5), lowDay: ASOF + Math.max(0, o.offset), highDay: ASOF + o.offset + 20, status: o.status }));
        const shown = new Set(list(customer(ownList), src(), w).map((r) => r.productId));
        for (const o of ownList) if (justBought(o, ASOF)) expect(shown.has(o.productId)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it.each<[string, { limit: number; category?: string; exclude?: Set<string>; maxPrice?: number; perCategory?: number }, (ids: string[]) => boolean]>([
    ['category', { limit: 10, category: 'coffee' }, (ids) => ids.length > 0 && ids.every((p) => catalog.items.get(p)!.category === 'coffee')],
    ['exclude', { limit: 10, exclude: new Set(['toilet-paper']) }, (ids) => !ids.includes('toilet-paper')],
    ['maxPrice', { limit: 10, maxPrice: 10 }, (ids) => ids.length > 0 && ids.every((p) => catalog.items.get(p)!.price! <= 10)],
    ['limit', { limit: 2 }, (ids) => ids.length === 2],
    ['at most 2 per category', { limit: 10, perCategory: 2 }, (ids) => ids.filter((p) => catalog.items.get(p)!.category === 'coffee').length <= 2],
  ])('applies the request filter %s', (_name, request, check) => {
    const ctx = customer([own('coffee-beans'), own('coffee-ground', { status: 'overdue' }), own('espresso-capsules', { status: 'due_soon' }), own('oat-milk')]);
    expect(check(list(ctx, src(), DEFAULT_WEIGHTS, request).map((r) => r.productId))).toBe(true);
  });

  it('caps a list per category without dropping items that have none', () => {
    const items = [{ category: 'a' }, { category: 'a' }, {}, { category: 'a' }, { category: 'b' }];
    expect(capPerCategory(items, 2, 10)).toEqual([{ category: 'a' }, { category: 'a' }, {}, { category: 'b' }]);
  });
});

describe('sources and reasons', () => {
  it('gives a new customer the best sellers (that are in the catalog)', () => {
    const r = list(customer([]));
    expect(r.map((x) => x.productId)).toEqual(['toilet-paper', 'coffee-beans', 'oat-milk', 'green-tea']);
    expect(r.every((x) => x.reason === 'popular')).toBe(true);
    expect(r[0]!.evidence).toBe('bought by 80 customers in the last 90 days');
    expect(r[2]!.evidence).toBe('bought by 40 customers in the last 90 days, and more of late');
  });

  it('puts a due product first and explains every item in the shop\u2019s terms', () => {
    const r = list(customer([own('coffee-beans', { status: 'due', nextDay: 1002 })], {}, 'seg_1'));
    expect(r[0]).toMatchObject({ productId: 'coffee-beans', reason: 'replenish_due', evidence: 'due in 2 days', category: 'coffee', price: 18 });
    const reasons = Object.fromEntries(r.map((x) => [x.productId, [x.reason, x.evidence]]));
    expect(reasons['coffee-filters']).toEqual(['bought_together', 'bought with coffee beans by 31% of its buyers']);
    expect(reasons['green-tea']?.[0]).toBe('segment_favourite');
    expect(r.find((x) => x.reason === 'similar')?.evidence).toMatch(/^like coffee beans \(same category/);
  });

  it('has named, versioned algorithms selectable by name', () => {
    expect(ALGORITHMS.map((a) => a.name)).toEqual(['replenish-blend-v1', 'replenish-v1', 'bought-together-v1', 'content-v1', 'popular-v1']);
    expect(algorithmNamed('popular-v1')!.personal).toBe(false);
    expect(algorithmNamed('nope')).toBeUndefined();
  });
});

describe('the weight search', () => {
  it('finds the signal that predicts what was bought, starting from weights that ignore it', () => {
    // Customers who go on to buy the co-purchase companion of what they bought a while ago, not that product again.
    const before = own('coffee-beans', { status: 'lapsed', lastDay: 940, purchases: 1, probabilityActive: 0.3, nextDay: 1000, lowDay: 1000, highDay: 1060 });
    const cases: TrainingCase[] = Array.from({ length: 30 }, () => ({ set: candidatesFor(customer([before]), src()), relevant: new Set(['coffee-filters']) }));
    const start: Weights = { ...DEFAULT_WEIGHTS, together: 0 };
    const found = searchWeights(cases, 1, start);
    expect(found.startNdcg).toBe(0);
    expect(found.ndcg).toBe(1);
    expect(topK(cases[0]!.set, found.weights, 1)).toEqual(['coffee-filters']);
  });
});
