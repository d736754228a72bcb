import { z } from 'zod';
import type { Aggregates } from './model/aggregates.ts';
import { FEATURES, type Weights } from './model/types.ts';

/**
 * The stored form of a jurisdiction's aggregates: JSON chunks under one build's partition (an item is at
 * most 400 KB, a wholesaler's co-purchases are more), and a `meta` chunk with the weights. Every count in
 * them has a support of at least five customers.
 */
const Meta = z.object({
  buildId: z.string(),
  builtAt: z.string(),
  asOfDay: z.number(),
  customers: z.number(),
  weights: z.record(z.string(), z.number()),
  weightsSource: z.enum(['inner_split', 'default']),
  innerNdcg: z.number().optional(),
  chunks: z.number().int(),
});
const Popular = z.array(z.object({ productId: z.string(), buyers: z.number(), trend: z.number() }));
const Neighbours = z.array(z.object({ productId: z.string(), score: z.number(), support: z.number(), share: z.number() }));
const Chunk = z.object({
  popular: Popular.optional(),
  repeatRate: z.array(z.tuple([z.string(), z.number()])).optional(),
  segments: z.array(z.tuple([z.string(), z.array(z.object({ productId: z.string(), share: z.number(), buyers: z.number() }))])).optional(),
  together: z.array(z.tuple([z.string(), Neighbours])).optional(),
});

export interface StoredAggregates {
  buildId: string;
  builtAt: string;
  aggregates: Aggregates;
}

/** Products' co-purchase lists per chunk: about 100 KB each. */
const PRODUCTS_PER_CHUNK = 250;

/** The items of a build: `meta`, then `part#0000`, … (what the store writes under the build's partition). */
export function encodeAggregates(a: StoredAggregates): { itemKey: string; value: string }[] {
  const together = [...a.aggregates.together];
  const parts: z.infer<typeof Chunk>[] = [{ popular: a.aggregates.popular, repeatRate: [...a.aggregates.repeatRate], segments: [...a.aggregates.segments].map(([k, v]) => [k, [...v]]) }];
  for (let i = 0; i < together.length; i += PRODUCTS_PER_CHUNK) parts.push({ together: together.slice(i, i + PRODUCTS_PER_CHUNK).map(([k, v]) => [k, [...v]]) });
  const meta: z.infer<typeof Meta> = {
    buildId: a.buildId,
    builtAt: a.builtAt,
    asOfDay: a.aggregates.asOfDay,
    customers: a.aggregates.customers,
    weights: a.aggregates.weights,
    weightsSource: a.aggregates.weightsSource,
    ...(a.aggregates.innerNdcg !== undefined ? { innerNdcg: a.aggregates.innerNdcg } : {}),
    chunks: parts.length,
  };
  return [{ itemKey: 'meta', value: JSON.stringify(meta) }, ...parts.map((p, i) => ({ itemKey: `part#${String(i).padStart(4, '0')}`, value: JSON.stringify(p) }))];
}

/** A build from its items; undefined when a chunk is missing (a build still being written). */
export function decodeAggregates(items: readonly { itemKey: string; value: string }[]): StoredAggregates | undefined {
  const metaItem = items.find((i) => i.itemKey === 'meta');
  if (!metaItem) return undefined;
  const meta = Meta.parse(JSON.parse(metaItem.value));
  const parts = items.filter((i) => i.itemKey.startsWith('part#')).map((i) => Chunk.parse(JSON.parse(i.value)));
  if (parts.length !== meta.chunks) return undefined;
  const weights = Object.fromEntries(FEATURES.map((f) => [f, meta.weights[f] ?? 0])) as Weights;
  return {
    buildId: meta.buildId,
    builtAt: meta.builtAt,
    aggregates: {
      asOfDay: meta.asOfDay,
      customers: meta.customers,
      popular: parts.flatMap((p) => p.popular ?? []),
      repeatRate: new Map(parts.flatMap((p) => p.repeatRate ?? [])),
      segments: new Map(parts.flatMap((p) => p.segments ?? [])),
      together: new Map(parts.flatMap((p) => p.together ?? [])),
      weights,
      weightsSource: meta.weightsSource,
      ...(meta.innerNdcg !== undefined ? { innerNdcg: meta.innerNdcg } : {}),
    },
  };
}
