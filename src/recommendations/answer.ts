import { evidenceOf, type StoredEntry } from './entry.ts';
import { algorithmNamed, DEFAULT_ALGORITHM, NON_PERSONAL_ALGORITHM } from './model/algorithms.ts';
import { similarProducts } from './model/content.ts';
import { capPerCategory, nameOf, passes } from './model/explain.ts';
import type { Reason } from './model/types.ts';
import type { RecommendationsQuery, RecommendationsView } from './recommendations.schemas.ts';
import type { CatalogView } from './sources.ts';
import type { TrendingProduct } from './trending.ts';
import type { StoredAggregates } from './stored-aggregates.ts';

/** At most this many items of one category on a served list (not when one category is asked for). */
export const PER_CATEGORY = 3;

/** The experiment variant that chose the algorithm (as `ExperimentService.variantFor` names it). */
export interface Experiment {
  experimentKey: string;
  phase: number;
  variationKey: string;
}

export interface AnswerInput {
  customerId: string;
  /** The customer's entry; undefined for a customer with no purchases yet (or who objected). */
  entry: StoredEntry | undefined;
  /** The customer objected to profiling: nothing personal, whatever the entry. */
  objected?: boolean;
  aggregates: StoredAggregates | undefined;
  /** The jurisdiction's products trending now (each with at least five customers), blended into the best sellers. */
  trending?: readonly TrendingProduct[];
  catalog: CatalogView;
  query: RecommendationsQuery;
  /** The algorithm an experiment assigned (already checked to be known), else the default serves. */
  assigned?: { algorithm: string; experiment: Experiment };
}

interface Pick {
  productId: string;
  score: number;
  reason: Reason;
  evidence: string;
}

const percent = (v: number) => `${Math.max(1, Math.round(100 * v))}%`;

/** Products bought with, and like, the product in view or just added (non-personal: aggregates and catalog). */
function contextual(a: AnswerInput, productId: string): Pick[] {
  const { catalog, content } = a.catalog;
  const name = nameOf(catalog, productId);
  const together: Pick[] = (a.aggregates?.aggregates.together.get(productId) ?? []).map((n) => ({ productId: n.productId, score: n.score, reason: 'bought_together', evidence: `bought with ${name} by ${percent(n.share)} of its buyers` }));
  if (a.query.context === 'cart') return together;
  const similar: Pick[] = similarProducts(content, productId, 20).map((s) => ({
    productId: s.productId,
    score: s.score,
    reason: 'similar',
    evidence: `like ${name}${s.sameCategory ? ' (same category)' : s.sharedWords.length > 0 ? ` ("${s.sharedWords.slice(0, 2).join(' ')}")` : ''}`,
  }));
  // Alternate the two, like first: a product page shows alternatives and companions.
  const out: Pick[] = [];
  for (let i = 0; i < Math.max(similar.length, together.length); i++) out.push(...[similar[i], together[i]].filter((x): x is Pick => x !== undefined));
  return out;
}

/**
 * Best sellers of the jurisdiction, for a customer the list must not be personal for (or who is new), with
 * what is trending there now: trending first, then the two alternate (decision 126).
 */
function bestSellers(a: AnswerInput): Pick[] {
  const sellers: Pick[] = (a.aggregates?.aggregates.popular ?? []).map((p, i, all) => ({
    productId: p.productId,
    score: Number((p.buyers / (all[0]?.buyers ?? 1)).toFixed(4)),
    reason: 'popular',
    evidence: `bought by ${p.buyers} customers in the last 90 days${p.trend >= 1.3 ? ', and more of late' : ''}`,
  }));
  const trending: Pick[] = (a.trending ?? []).map((t, i, all) => ({
    productId: t.productId,
    score: Number((t.customers / (all[0]?.customers ?? 1)).toFixed(4)),
    reason: 'popular',
    evidence: `trending now: ${t.orders} ${t.orders === 1 ? 'order' : 'orders'} in the last hour`,
  }));
  const out: Pick[] = [];
  for (let i = 0; i < Math.max(sellers.length, trending.length); i++) out.push(...[trending[i], sellers[i]].filter((x): x is Pick => x !== undefined));
  return out;
}

function personalList(entry: StoredEntry, algorithm: string, cart: boolean): Pick[] {
  const list = (entry.lists[algorithm] ?? []).map(([productId, score, reason]) => ({ productId, score, reason, evidence: evidenceOf(entry, productId, reason) }));
  // At the cart, what is due goes first: the last chance to add it to this order.
  return cart ? [...list.filter((p) => p.reason === 'replenish_due'), ...list.filter((p) => p.reason !== 'replenish_due')] : list;
}

/**
 * The served list for one request: what the context adds first (at most half the list when the customer
 * has a personal one), then the algorithm's list; never a blocked product (just bought, a durable owned),
 * never one missing from the catalog, always the request's filters, at most three per category.
 */
export function answer(a: AnswerInput): RecommendationsView {
  const { entry, query } = a;
  const personal = a.objected !== true && entry?.personal === true;
  const wanted = a.assigned?.algorithm ?? DEFAULT_ALGORITHM;
  const algorithm = personal || !algorithmNamed(wanted)?.personal ? wanted : NON_PERSONAL_ALGORITHM;
  const experiment = a.assigned && a.assigned.algorithm === algorithm ? a.assigned.experiment : undefined;
  const main = personal && algorithm !== NON_PERSONAL_ALGORITHM ? personalList(entry, algorithm, query.context === 'cart') : bestSellers(a);
  const blocked = new Set(personal ? (entry?.blocked ?? []) : []);
  const { catalog } = a.catalog;
  const around = query.productId ? contextual(a, query.productId) : [];
  const pool = [...(personal ? around.slice(0, Math.ceil(query.limit / 2)) : around), ...main];
  const seen = new Set<string>(query.productId ? [query.productId] : []);
  const kept = pool.filter((p) => {
    if (seen.has(p.productId) || blocked.has(p.productId) || !catalog.items.has(p.productId) || !passes(catalog, p.productId, query)) return false;
    seen.add(p.productId);
    return true;
  });
  const withFacts = kept.map((p) => {
    const item = catalog.items.get(p.productId);
    return { ...p, ...(item?.category ? { category: item.category } : {}), ...(item?.price !== undefined ? { price: item.price } : {}) };
  });
  const items = capPerCategory(withFacts, query.category === undefined ? PER_CATEGORY : undefined, query.limit).map((p, i) => ({ ...p, rank: i + 1 }));
  const empty = items.length > 0 ? undefined : catalog.items.size === 0 ? 'catalog_empty' : pool.length > 0 ? 'nothing_matches' : !a.aggregates && !personal ? 'no_aggregates_yet' : 'no_candidates';
  return {
    customerId: a.customerId,
    algorithm,
    ...(experiment ? { experiment } : {}),
    personalised: personal,
    ...(personal ? {} : { notPersonalised: a.objected === true || entry !== undefined ? ('profiling_objected' as const) : ('no_purchases' as const) }),
    context: query.context,
    ...(entry && personal ? { computedAt: entry.computedAt } : {}),
    weights: (personal ? entry?.weights : undefined) ?? a.aggregates?.aggregates.weightsSource ?? 'default',
    items,
    ...(empty ? { empty: { reason: empty } } : {}),
  };
}
