import { ALGORITHMS, type Algorithm } from '../recommendations/model/algorithms.ts';
import { candidatesFor, type CandidateSet } from '../recommendations/model/candidates.ts';
import { similarity } from '../recommendations/model/content.ts';
import { capPerCategory } from '../recommendations/model/explain.ts';
import type { FittedRecommender } from '../recommendations/model/fit.ts';
import { bootstrap, hitAt, intraListDiversity, ndcgAt, precisionAt, recallAt } from '../recommendations/model/metrics.ts';
import { popularProducts } from '../recommendations/model/popularity.ts';
import { scoreAll } from '../recommendations/model/ranker.ts';
import { LIST_HORIZON_DAYS } from '../recommendations/model/replenishment.ts';
import type { Catalog, Weights } from '../recommendations/model/types.ts';
import { boughtBetween, NO_CATALOG } from './catalog.ts';
import { algorithmOrFail, fitOnTransactions, PER_CATEGORY } from './recommend.ts';
import { InputError, type Transaction } from './transactions.ts';

export interface ListScore {
  name: string;
  baseline: boolean;
  precision: number;
  recall: number;
  ndcg: number;
  /** 95% bootstrap interval (over customers) of the mean NDCG. */
  ndcgInterval: [number, number];
  /** NDCG over the better baseline's, with its paired 95% bootstrap interval (algorithms only). */
  vsBaseline?: { ratio: number; interval: [number, number] };
  hitRate: number;
  /** Share of the products that appear on some list. */
  coverage: number;
  /** Mean pairwise dissimilarity of a list's items. */
  diversity: number;
}

export interface RecsEvaluation {
  k: number;
  customers: number;
  /** Customers who bought in the window without any history before it (not evaluated: nothing personal to go on). */
  newCustomers: number;
  products: number;
  diversityBasis: 'catalog' | 'co-purchase';
  inner?: FittedRecommender['inner'];
  weights: Record<string, number>;
  lists: ListScore[];
}

const mean = (v: readonly number[]) => v.reduce((s, x) => s + x, 0) / Math.max(1, v.length);

/**
 * Fits on the rows before `asOfDay` (the inner split sees only those), then scores each algorithm's lists
 * and two baselines against what the customers with history bought in [asOfDay, endDay]: popularity
 * (distinct buyers in the last 90 days) and buy-again (own products by purchase days, then recency).
 */
export function evaluateRecs(transactions: readonly Transaction[], o: { asOfDay: number; endDay: number; k: number; catalog?: Catalog; algorithms?: readonly Algorithm[] }): RecsEvaluation {
  const { k } = o;
  const catalog = o.catalog ?? NO_CATALOG;
  const blend = algorithmOrFail('replenish-blend-v1');
  // A list judged on the whole window is not recomputed during it: it lives for the window, and "not yet
  // due" is judged against that (a served list is recomputed daily; its stricter row is printed too).
  const windowDays = o.endDay - o.asOfDay + 1;
  const fitted = fitOnTransactions(transactions, { asOfDay: o.asOfDay, k, algorithm: blend, catalog, horizonDays: windowDays, listDays: windowDays });
  const { src, contexts } = fitted;
  const bought = boughtBetween(transactions, o.asOfDay, o.endDay);
  const evaluated = contexts.filter((c) => bought.has(c.shopper.customerId));
  if (evaluated.length === 0) throw new InputError('no customer with history before --as-of buys in the holdout window');
  const known = new Set(contexts.map((c) => c.shopper.customerId));
  const products = catalog.known ? catalog.items.size : new Set(contexts.flatMap((c) => [...c.shopper.products.keys()])).size;

  const useContent = src.content !== undefined;
  const together = (a: string, b: string) => src.aggregates.together.get(a)?.find((n) => n.productId === b)?.score ?? 0;
  const similar = (a: string, b: string) => (useContent ? similarity(src.content!, a, b).score : together(a, b));
  const score = (name: string, baseline: boolean, lists: string[][]): ListScore & { perCustomer: number[] } => {
    const rel = evaluated.map((c) => bought.get(c.shopper.customerId)!);
    const perCustomer = lists.map((l, i) => ndcgAt(l, rel[i]!, k));
    const shown = new Set(lists.flat());
    return {
      name,
      baseline,
      precision: mean(lists.map((l, i) => precisionAt(l, rel[i]!, k))),
      recall: mean(lists.map((l, i) => recallAt(l, rel[i]!, k))),
      ndcg: mean(perCustomer),
      ndcgInterval: bootstrap(perCustomer).mean,
      hitRate: mean(lists.map((l, i) => hitAt(l, rel[i]!, k))),
      coverage: shown.size / Math.max(1, products),
      diversity: mean(lists.map((l) => intraListDiversity(l, similar))),
      perCustomer,
    };
  };

  const popular = popularProducts(contexts.map((c) => c.shopper), o.asOfDay, { minSupport: 1, maxProducts: k }).map((p) => p.productId);
  const buyAgain = (c: (typeof evaluated)[number]) =>
    [...c.shopper.products].map(([p, d]) => ({ p, n: d.length, last: d[d.length - 1]!.day })).sort((a, b) => b.n - a.n || b.last - a.last || a.p.localeCompare(b.p)).slice(0, k).map((x) => x.p);
  const baselines = [score('popularity (distinct buyers, last 90 days)', true, evaluated.map(() => popular)), score('buy-again (own products by purchase days, then recency)', true, evaluated.map(buyAgain))];
  const best = baselines[0]!.ndcg >= baselines[1]!.ndcg ? baselines[0]! : baselines[1]!;

  const categoryOf = (p: string) => catalog.items.get(p)?.category;
  const listsOf = (sets: readonly CandidateSet[], w: Weights) =>
    sets.map((set) => capPerCategory(scoreAll(set, w).map((s) => ({ productId: set.products[s.index]!, ...(categoryOf(set.products[s.index]!) ? { category: categoryOf(set.products[s.index]!)! } : {}) })), PER_CATEGORY, k).map((r) => r.productId));
  const scored = (name: string, lists: string[][]) => {
    const s = score(name, false, lists);
    return { ...s, vsBaseline: { ratio: s.ndcg / best.ndcg, interval: bootstrap(s.perCustomer, best.perCustomer).ratio } };
  };
  const sets = evaluated.map((c) => candidatesFor(c, src));
  const algorithms = (o.algorithms ?? ALGORITHMS).map((a) => scored(a.name, listsOf(sets, a.fit.length > 0 ? fitted.aggregates.weights : a.weights)));
  const served = { ...src, listDays: LIST_HORIZON_DAYS };
  algorithms.splice(1, 0, scored(`${blend.name} (served "just bought" rule: a ${LIST_HORIZON_DAYS}-day list life)`, listsOf(evaluated.map((c) => candidatesFor(c, served)), fitted.aggregates.weights)));
  return {
    k,
    customers: evaluated.length,
    newCustomers: [...bought.keys()].filter((id) => !known.has(id)).length,
    products,
    diversityBasis: useContent ? 'catalog' : 'co-purchase',
    ...(fitted.inner ? { inner: fitted.inner } : {}),
    weights: fitted.aggregates.weights,
    lists: [...algorithms, ...baselines].map(({ perCustomer: _, ...rest }) => rest),
  };
}

const f3 = (v: number) => v.toFixed(3);

export function printRecsEvaluation(title: string, r: RecsEvaluation): void {
  console.log(`\n${title}: ${r.customers} customers with history buy in the window (${r.newCustomers} new customers not evaluated), ${r.products} products, k = ${r.k}`);
  if (r.inner) console.log(`weights chosen by the inner time split (${r.inner.customers} customers, cuts ${r.inner.cuts.length}, ${r.inner.days} days): NDCG ${f3(r.inner.startNdcg)} -> ${f3(r.inner.ndcg)}; ${Object.entries(r.weights).map(([f, w]) => `${f} ${w}`).join(', ')}`);
  console.log(`| list | precision@${r.k} | recall@${r.k} | NDCG@${r.k} (95% CI) | vs better baseline (95% CI) | hit rate | coverage | diversity (${r.diversityBasis}) |`);
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const l of r.lists) {
    const vs = l.vsBaseline ? `${l.vsBaseline.ratio >= 1 ? '+' : ''}${(100 * (l.vsBaseline.ratio - 1)).toFixed(1)}% (${(100 * (l.vsBaseline.interval[0] - 1)).toFixed(1)}% .. ${(100 * (l.vsBaseline.interval[1] - 1)).toFixed(1)}%)` : '—';
    console.log(`| ${l.baseline ? l.name : `**${l.name}**`} | ${f3(l.precision)} | ${f3(l.recall)} | ${f3(l.ndcg)} (${f3(l.ndcgInterval[0])}..${f3(l.ndcgInterval[1])}) | ${vs} | ${f3(l.hitRate)} | ${f3(l.coverage)} | ${f3(l.diversity)} |`);
  }
}
