import { describe, expect, it } from 'vitest';
import { repeatRates } from '../../../src/recommendations/model/aggregates.ts';
import { basketsOf, coPurchases } from '../../../src/recommendations/model/co-purchase.ts';
import { contentIndex, nameTokens, similarProducts } from '../../../src/recommendations/model/content.ts';
import { bootstrap, hitAt, intraListDiversity, ndcgAt, precisionAt, recallAt } from '../../../src/recommendations/model/metrics.ts';
import { popularProducts } from '../../../src/recommendations/model/popularity.ts';
import { dueEvidence, dueProbability, justBought } from '../../../src/recommendations/model/replenishment.ts';
import { segmentFavourites } from '../../../src/recommendations/model/segment-favourites.ts';
import type { Catalog, CatalogItem, OwnProduct, Shopper } from '../../../src/recommendations/model/types.ts';

/** A shopper from `{ product: [days] }`. */
const shopper = (customerId: string, products: Record<string, number[]>): Shopper => {
  const map = new Map(Object.entries(products).map(([p, days]) => [p, days.map((day) => ({ day, quantity: 1 }))]));
  return { customerId, products: map, lastDay: Math.max(...Object.values(products).flat()) };
};
const many = (n: number, products: Record<string, number[]>, prefix = 'c') => Array.from({ length: n }, (_, i) => shopper(`${prefix}${i}`, products));

describe('co-purchase', () => {
  it('groups a customer\u2019s purchase days into baskets, oldest first', () => {
    expect(basketsOf(shopper('a', { x: [3, 1], y: [1] }))).toEqual([{ day: 1, products: ['x', 'y'] }, { day: 3, products: ['x'] }]);
  });

  it.each([
    ['same basket, 5 customers', many(5, { a: [1], b: [1] }), 'a', ['b']],
    ['within the window after, 5 customers', many(5, { a: [1], b: [10] }), 'a', ['b']],
    ['beyond the window', many(5, { a: [1], b: [30] }), 'a', []],
    ['only 4 customers: under the minimum support', many(4, { a: [1], b: [1] }), 'a', []],
    ['one customer buying the pair 20 times is one customer', [shopper('w', { a: [1, 20, 40, 60, 80], b: [1, 20, 40, 60, 80] })], 'a', []],
  ])('%s', (_name, shoppers, product, expected) => {
    const index = coPurchases(shoppers, { withinDays: 14, minSupport: 5 });
    expect((index.neighbours.get(product) ?? []).map((n) => n.productId)).toEqual(expected);
  });

  it('normalises by the cosine of the buyer sets, so a best seller bought by everyone does not outrank a true companion', () => {
    // 10 buy espresso with a grinder; 40 others buy milk; all 50 buy milk with whatever they buy.
    const shoppers = [...many(10, { espresso: [1], grinder: [1], milk: [1] }, 'e'), ...many(40, { milk: [1], bread: [1] }, 'm')];
    const n = coPurchases(shoppers).neighbours.get('espresso')!;
    expect(n.map((x) => x.productId)).toEqual(['grinder', 'milk']);
    expect(n[0]!.score).toBeCloseTo(1, 6);
    expect(n[1]!.score).toBeCloseTo(10 / Math.sqrt(10 * 50), 6);
    expect(n[0]!.share).toBe(1);
  });
});

describe('popularity, segments and repeat rates', () => {
  it('ranks by distinct buyers in the last 90 days, drops products under the minimum support, and sees trends', () => {
    const shoppers = [...many(8, { old: [10] }, 'o'), ...many(6, { steady: [130, 170] }, 's'), ...many(6, { rising: [175] }, 'r'), ...many(3, { rare: [170] }, 'x')];
    const list = popularProducts(shoppers, 180);
    expect(list.map((p) => [p.productId, p.buyers])).toEqual([['rising', 6], ['steady', 6]]);
    // Bought by 6 in the last 30 days and by none in the 30 before; the steady one by 6 in both.
    expect(list.find((p) => p.productId === 'rising')!.trend).toBeCloseTo(11 / 5, 10);
    expect(list.find((p) => p.productId === 'steady')!.trend).toBe(1);
  });

  it("lists each segment's favourites the segment's customers bought, with a support of five", () => {
    const shoppers = [...many(6, { nappies: [5] }, 'p'), ...many(6, { beer: [5] }, 'q'), shopper('q9', { wine: [5] })];
    const fav = segmentFavourites(shoppers, (id) => (id.startsWith('p') ? 'parents' : 'students'), 10);
    expect(fav.get('parents')!.map((f) => [f.productId, f.share])).toEqual([['nappies', 1]]);
    expect(fav.get('students')!.map((f) => f.productId)).toEqual(['beer']);
  });

  it('tells a product bought again from one bought once', () => {
    const rates = repeatRates([...many(5, { coffee: [1, 20] }, 'a'), ...many(5, { vase: [1] }, 'b')], 0);
    expect(rates.get('coffee')!).toBeGreaterThan(0.8);
    expect(rates.get('vase')!).toBeLessThan(0.2);
  });
});

describe('content similarity', () => {
  const item = (productId: string, name: string, category: string, price: number): CatalogItem => ({ productId, name, category, price, currency: 'EUR', packSize: 1, packUnit: 'kg', consumable: true });
  const catalog: Catalog = {
    known: true,
    items: new Map([item('espresso-1kg', 'Espresso beans 1kg', 'coffee', 18), item('filter-1kg', 'Filter coffee beans 1kg', 'coffee', 16), item('tea', 'Green tea', 'tea', 6), item('espresso-cups', 'Espresso cups', 'kitchen', 25)].map((i) => [i.productId, i])),
  };
  it('tokenises names without case, accents, numbers or filler words', () => {
    expect(nameTokens('Café Crème, 2 x 500g and MORE')).toEqual(['cafe', 'creme', '500g', 'more']);
  });
  it('finds the same category and shared words first, and nothing for an unknown product', () => {
    const index = contentIndex(catalog);
    const similar = similarProducts(index, 'espresso-1kg', 3);
    expect(similar.map((s) => s.productId)).toEqual(['filter-1kg', 'espresso-cups']);
    expect(similar[0]!.sameCategory).toBe(true);
    expect(similar[1]!.sharedWords).toEqual(['espresso']);
    expect(similarProducts(index, 'nothing', 3)).toEqual([]);
  });
});

describe('replenishment from the predictions', () => {
  const own = (o: Partial<OwnProduct>): OwnProduct => ({ productId: 'coffee', purchases: 6, lastDay: 100, typicalGapDays: 30, nextDay: 130, lowDay: 124, highDay: 137, probabilityActive: 0.95, status: 'not_due', ...o });
  it.each<[string, OwnProduct, number, boolean]>([
    ['bought 3 days ago, due in a month', own({}), 103, true],
    ['bought 25 days ago, due in 5 days', own({ status: 'due', nextDay: 130, lowDay: 126 }), 125, false],
    ['an irregular series whose early end is near', own({ lowDay: 106 }), 103, false],
    ['past its interval', own({ status: 'overdue', nextDay: 140, lowDay: 140 }), 140, false],
  ])('"just bought": %s', (_name, p, asOf, expected) => {
    expect(justBought(p, asOf)).toBe(expected);
  });

  it('reads the chance of a purchase within the horizon off the predicted range', () => {
    const p = own({ lowDay: 110, nextDay: 120, highDay: 130 });
    expect(dueProbability(p, 100, 20)).toBeCloseTo(0.5 * 0.95, 6);
    expect(dueProbability(p, 100, 30)).toBeCloseTo(0.9 * 0.95, 6);
    expect(dueProbability(p, 100, 5)).toBeLessThan(0.1);
  });

  it.each<[string, Partial<OwnProduct>, number, string]>([
    ['due', { status: 'due', nextDay: 102 }, 100, 'due in 2 days'],
    ['due today', { status: 'due', nextDay: 100 }, 100, 'due today (usually every 30 days)'],
    ['overdue', { status: 'overdue', lastDay: 60 }, 100, 'overdue by 10 days (usually every 30 days)'],
    ['lapsed', { status: 'lapsed', purchases: 1, lastDay: 10 }, 100, 'bought 1 time, last 90 days ago'],
  ])('says why in the shop\u2019s terms: %s', (_name, o, asOf, text) => {
    expect(dueEvidence(own(o), asOf)).toBe(text);
  });
});

describe('ranking measures', () => {
  const relevant = new Set(['a', 'c']);
  it.each<[string, (l: string[]) => number, number]>([
    ['precision@3', (l) => precisionAt(l, relevant, 3), 2 / 3],
    ['recall@3', (l) => recallAt(l, relevant, 3), 1],
    ['NDCG@3', (l) => ndcgAt(l, relevant, 3), (1 + 1 / Math.log2(4)) / (1 + 1 / Math.log2(3))],
    ['hit@1', (l) => hitAt(l, relevant, 1), 1],
  ])('%s', (_name, measure, expected) => {
    expect(measure(['a', 'b', 'c'])).toBeCloseTo(expected, 10);
  });
  it('measures diversity as mean pairwise dissimilarity, and bootstraps paired intervals', () => {
    expect(intraListDiversity(['a', 'b', 'c'], (x, y) => (x === 'a' && y === 'b' ? 1 : 0))).toBeCloseTo(2 / 3, 10);
    const a = Array.from({ length: 500 }, (_, i) => (i % 2 ? 0.6 : 0.4));
    const { mean, ratio } = bootstrap(a, a.map((v) => v / 1.2));
    expect(mean[0]).toBeLessThan(0.5);
    expect(mean[1]).toBeGreaterThan(0.5);
    expect(ratio[0]).toBeCloseTo(1.2, 6);
  });
});
