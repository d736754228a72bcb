import { z } from 'zod';
import type { CustomerPrediction } from '../predictions/model/customer.ts';
import type { CustomerHistory } from '../predictions/model/history.ts';
import type { Aggregates } from './model/aggregates.ts';
import { ALGORITHMS } from './model/algorithms.ts';
import { candidatesFor, isBlocked, type SourceContext } from './model/candidates.ts';
import { recommendList } from './model/explain.ts';
import { contextOf } from './model/training.ts';
import { REASONS, type Reason } from './model/types.ts';

/** How many items of each algorithm an entry keeps: enough for any limit after request-time filters. */
export const ENTRY_ITEMS = 60;

const Reason = z.enum(REASONS);

/**
 * A customer's precomputed recommendations as stored: for every algorithm its ranked list (product, score,
 * reason), the products' facts and evidence once, and what must never be shown (just bought, durables
 * owned). For a customer who objected to profiling it holds nothing personal: `personal` false, no lists.
 */
export const StoredEntrySchema = z.object({
  customerId: z.string(),
  computedAt: z.string(),
  etag: z.string(),
  personal: z.boolean(),
  buildId: z.string().optional(),
  weights: z.enum(['inner_split', 'default']),
  items: z.record(z.string(), z.object({ category: z.string().optional(), price: z.number().optional(), evidence: z.partialRecord(Reason, z.string()) })),
  lists: z.record(z.string(), z.array(z.tuple([z.string(), z.number(), Reason]))),
  blocked: z.array(z.string()),
});
export type StoredEntry = z.infer<typeof StoredEntrySchema>;

export interface EntryInput {
  customerId: string;
  history: CustomerHistory;
  prediction: CustomerPrediction;
  /** false: the customer objected to profiling (consent withdrawn). */
  profiling: boolean;
  segmentId?: string;
  src: SourceContext;
  buildId?: string;
  computedAt: string;
}

/** The entry of a customer who objected to profiling: it says so and holds nothing derived from them. */
export function nonPersonalEntry(customerId: string, computedAt: string, weights: StoredEntry['weights']): Omit<StoredEntry, 'etag'> {
  return { customerId, computedAt, weights, personal: false, items: {}, lists: {}, blocked: [] };
}

/** A customer's entry, every algorithm's list computed now (the etag is added by the caller). */
export function computeEntry(e: EntryInput): Omit<StoredEntry, 'etag'> {
  if (!e.profiling) return nonPersonalEntry(e.customerId, e.computedAt, e.src.aggregates.weightsSource);
  const base = { customerId: e.customerId, computedAt: e.computedAt, ...(e.buildId ? { buildId: e.buildId } : {}), weights: e.src.aggregates.weightsSource };
  const ctx = contextOf({ customerId: e.customerId, history: e.history, prediction: e.prediction }, e.segmentId);
  const set = candidatesFor(ctx, e.src);
  const items: StoredEntry['items'] = {};
  const lists: StoredEntry['lists'] = {};
  for (const algorithm of ALGORITHMS) {
    const weights = algorithm.fit.length > 0 ? e.src.aggregates.weights : algorithm.weights;
    const list = recommendList(set, weights, { limit: ENTRY_ITEMS }, e.src);
    lists[algorithm.name] = list.map((r) => [r.productId, r.score, r.reason]);
    for (const r of list) {
      const it = (items[r.productId] ??= { ...(r.category ? { category: r.category } : {}), ...(r.price !== undefined ? { price: r.price } : {}), evidence: {} });
      it.evidence[r.reason] = r.evidence;
    }
  }
  const own = new Map(ctx.own.map((o) => [o.productId, o]));
  const blocked = [...e.history.products.keys()].filter((p) => isBlocked(ctx, own, e.src.catalog, p, e.src.asOfDay, e.src.listDays) && e.src.catalog.items.has(p));
  return { ...base, personal: true, items, lists, blocked };
}

export const evidenceOf = (entry: StoredEntry, productId: string, reason: Reason): string => entry.items[productId]?.evidence[reason] ?? '';
