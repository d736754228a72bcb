import type { CustomerPrediction } from '../../predictions/model/customer.ts';
import { predictCustomer } from '../../predictions/model/customer.ts';
import { buildHistory, type CustomerHistory, type PurchaseEvent } from '../../predictions/model/history.ts';
import { fitPopulation } from '../../predictions/model/population.ts';
import { buildAggregates, type Aggregates } from './aggregates.ts';
import { candidatesFor, type CustomerContext, type SourceContext } from './candidates.ts';
import type { ContentIndex } from './content.ts';
import { ownProducts } from './replenishment.ts';
import type { Catalog, Shopper } from './types.ts';
import { searchWeights, type TrainingCase } from './weights.ts';
import type { Algorithm } from './algorithms.ts';

/** A customer's history with their predictions as of some day (what the predictions service keeps). */
export interface Snapshot {
  customerId: string;
  history: CustomerHistory;
  prediction: CustomerPrediction;
}

/** Segments of a population from its snapshots (k-means offline; the current segments in a deployment). */
export type Segmenter = (snapshots: readonly Snapshot[]) => (customerId: string) => string | undefined;

export const shopperOf = (customerId: string, h: CustomerHistory): Shopper => ({ customerId, products: h.products, lastDay: h.lastDay });

export function contextOf(s: Snapshot, segmentId: string | undefined): CustomerContext {
  return { shopper: shopperOf(s.customerId, s.history), own: ownProducts(s.prediction), durables: s.history.durables, ...(segmentId !== undefined ? { segmentId } : {}) };
}

/** The history as it was before `day` (amounts are left out: the recommenders do not use spend). */
export function truncate(h: CustomerHistory, day: number): CustomerHistory | undefined {
  const events: PurchaseEvent[] = [];
  for (const [productId, days] of h.products) {
    const category = h.productCategory.get(productId);
    for (const d of days) {
      if (d.day >= day) continue;
      events.push({ day: d.day, productId, quantity: d.quantity, amount: 0, ...(category ? { category } : {}), ...(h.durables.has(productId) ? { consumable: false } : {}), ...(h.uncatalogued.has(productId) ? { catalogued: false } : {}) });
    }
  }
  return events.length > 0 ? buildHistory(events) : undefined;
}

/** Fits the population's cadence model on the histories and predicts every customer as of `asOfDay`. */
export function snapshotsAt(histories: ReadonlyMap<string, CustomerHistory>, asOfDay: number): Snapshot[] {
  if (histories.size === 0) return [];
  const model = fitPopulation([...histories.values()], asOfDay);
  return [...histories].map(([customerId, history]) => ({ customerId, history, prediction: predictCustomer(history, model, asOfDay) }));
}

export interface TrainingOptions {
  catalog: Catalog;
  content?: ContentIndex;
  segmenter?: Segmenter;
  horizonDays: number;
  /** How long a list lives (what "not yet due" is judged against); by default the horizon. */
  listDays?: number;
  k: number;
  /** Customers of the inner split the weights are chosen on (a reproducible sample above this). */
  maxCases?: number;
}

/** Sources and customer contexts as of a day, with the default weights. */
export function prepareAt(snapshots: readonly Snapshot[], asOfDay: number, o: TrainingOptions, segments?: (customerId: string) => string | undefined): { src: SourceContext; contexts: CustomerContext[]; aggregates: Aggregates } {
  const segmentOf = segments ?? o.segmenter?.(snapshots);
  const aggregates = buildAggregates(snapshots.map((s) => shopperOf(s.customerId, s.history)), asOfDay, segmentOf ? { segmentOf } : {});
  const src: SourceContext = { aggregates, catalog: o.catalog, ...(o.content ? { content: o.content } : {}), asOfDay, horizonDays: o.horizonDays, listDays: o.listDays ?? o.horizonDays };
  return { src, aggregates, contexts: snapshots.map((s) => contextOf(s, segmentOf?.(s.customerId))) };
}

/** A stable pseudo-random order of customer ids (FNV-1a), so a sample is the same on every run. */
const hash = (s: string) => {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
};

/** The cases of one inner cut: customers as of `cut`, and what they bought in the `days` after it. */
function casesAt(histories: ReadonlyMap<string, CustomerHistory>, cut: number, days: number, o: TrainingOptions, limit: number): TrainingCase[] {
  const before = new Map<string, CustomerHistory>();
  const bought = new Map<string, Set<string>>();
  for (const [id, h] of histories) {
    const t = truncate(h, cut);
    if (!t) continue;
    before.set(id, t);
    for (const [productId, list] of h.products) {
      if (list.some((d) => d.day >= cut && d.day < cut + days)) {
        const set = bought.get(id) ?? new Set<string>();
        set.add(productId);
        bought.set(id, set);
      }
    }
  }
  if (before.size < 20) return [];
  // The split's lists live for its whole window: they are judged on it without being recomputed.
  const { src, contexts } = prepareAt(snapshotsAt(before, cut), cut, { ...o, horizonDays: days, listDays: days });
  return contexts
    .filter((c) => bought.has(c.shopper.customerId))
    .sort((a, b) => hash(a.shopper.customerId) - hash(b.shopper.customerId) || a.shopper.customerId.localeCompare(b.shopper.customerId))
    .slice(0, limit)
    .map((c) => ({ set: candidatesFor(c, src), relevant: bought.get(c.shopper.customerId)! }));
}

/**
 * The inner time split: the input's own last `horizonDays` before `asOfDay` are held out, the sources and
 * predictions are rebuilt from what came before, and the weights that rank best what those customers then
 * bought are chosen; a second cut one horizon earlier adds customers when the first has few. Nothing after
 * `asOfDay` is seen. With too little history for a split, undefined (the algorithm's starting weights stay).
 */
export function innerSplitWeights(histories: ReadonlyMap<string, CustomerHistory>, asOfDay: number, algorithm: Algorithm, o: TrainingOptions) {
  let first = Number.POSITIVE_INFINITY;
  for (const h of histories.values()) first = Math.min(first, h.firstDay);
  const days = Math.min(o.horizonDays, Math.floor((asOfDay - first) / 2));
  if (days < 7) return undefined;
  const limit = o.maxCases ?? 3000;
  const cases = casesAt(histories, asOfDay - days, days, o, limit);
  const cuts = [asOfDay - days];
  if (cases.length < limit / 3 && asOfDay - 2 * days - first >= days) {
    cases.push(...casesAt(histories, asOfDay - 2 * days, days, o, limit - cases.length));
    cuts.push(asOfDay - 2 * days);
  }
  if (cases.length < 20) return undefined;
  return { ...searchWeights(cases, o.k, algorithm.weights, algorithm.fit), customers: cases.length, cuts, days };
}
