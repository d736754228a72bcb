import { bucketHash } from './hash.ts';

/**
 * GrowthBook's experiment evaluation (its SDK's `runExperiment`) for the features Cadence offers: weights,
 * coverage, seed, hash version, hash attribute, namespaces, a forced variation per experiment, forced
 * variations per unit (QA), and the experiment's status. Plain functions over plain data, no I/O.
 */

export type BucketRange = readonly [start: number, end: number];
/** A namespace: experiments in one namespace with disjoint ranges never share a unit. */
export type NamespaceSpec = readonly [id: string, start: number, end: number];

export interface VariationMeta {
  key?: string;
  name?: string;
}

export interface ExperimentSpec<V = unknown> {
  key: string;
  variations: readonly V[];
  meta?: readonly VariationMeta[];
  weights?: readonly number[];
  coverage?: number;
  /** The hash seed; the experiment key by default. */
  seed?: string;
  /** GrowthBook's default is 1; Cadence's definitions always say 2. */
  hashVersion?: number;
  /** Which attribute buckets the unit (`id` by default). */
  hashAttribute?: string;
  namespace?: NamespaceSpec;
  /** Every unit that passes coverage gets this variation (hashUsed false: not counted as an exposure). */
  force?: number;
  active?: boolean;
  status?: 'draft' | 'running' | 'stopped';
}

export interface AssignmentContext {
  attributes?: Readonly<Record<string, string | number | boolean | null | undefined>>;
  /** Forced variation index per experiment key, for QA (hashUsed false). */
  forcedVariations?: Readonly<Record<string, number>>;
}

/** GrowthBook's `Result` field names. */
export interface AssignmentResult<V = unknown> {
  inExperiment: boolean;
  /** True when the hash chose the variation: only then is the lookup an exposure. */
  hashUsed: boolean;
  variationId: number;
  key: string;
  name?: string;
  value: V;
  hashAttribute: string;
  hashValue: string;
  /** The unit's hash in [0, 1), when it was computed and the unit is in the experiment. */
  bucket?: number;
}

export function equalWeights(n: number): number[] {
  return n <= 0 ? [] : new Array<number>(n).fill(1 / n);
}

/**
 * Each variation's bucket range: weights laid end to end on [0, 1), each range shortened to `coverage` of its
 * width. Invalid input falls back as GrowthBook does (coverage clamped, equal weights when the weights
 * are missing, of the wrong length, or do not sum to 1 within 0.01).
 */
export function bucketRanges(numVariations: number, coverage = 1, weights?: readonly number[]): BucketRange[] {
  const c = Math.min(1, Math.max(0, coverage));
  const equal = equalWeights(numVariations);
  let w: readonly number[] = weights ?? equal;
  if (w.length !== numVariations) w = equal;
  const total = w.reduce((s, x) => s + x, 0);
  if (total < 0.99 || total > 1.01) w = equal;
  let cumulative = 0;
  return w.map((x) => {
    const start = cumulative;
    cumulative += x;
    return [start, start + c * x] as const;
  });
}

export const inRange = (n: number, range: BucketRange) => n >= range[0] && n < range[1];

/** The variation whose range holds `n`, or -1 (outside coverage). */
export function chooseVariation(n: number, ranges: readonly BucketRange[]): number {
  return ranges.findIndex((r) => inRange(n, r));
}

/** Whether a unit falls in the namespace's range (hash version 1 over `__<namespace id>`, as GrowthBook). */
export function inNamespace(hashValue: string, namespace: NamespaceSpec): boolean {
  const n = bucketHash(`__${namespace[0]}`, hashValue, 1);
  return n !== null && n >= namespace[1] && n < namespace[2];
}

function resultOf<V>(exp: ExperimentSpec<V>, index: number, hashUsed: boolean, unit: { hashAttribute: string; hashValue: string }, bucket?: number): AssignmentResult<V> {
  const valid = index >= 0 && index < exp.variations.length;
  const variationId = valid ? index : 0;
  const meta = exp.meta?.[variationId] ?? {};
  return {
    inExperiment: valid,
    hashUsed,
    variationId,
    key: meta.key || String(variationId),
    ...(meta.name ? { name: meta.name } : {}),
    value: exp.variations[variationId] as V,
    ...unit,
    ...(bucket !== undefined && valid ? { bucket } : {}),
  };
}

/**
 * Evaluates an experiment for one unit, step for step in GrowthBook's order: fewer than two variations,
 * a QA-forced variation, inactive or draft, no hash value, namespace, hash, coverage, experiment-level
 * force, stopped, then the hashed assignment.
 */
export function runExperiment<V>(exp: ExperimentSpec<V>, ctx: AssignmentContext = {}): AssignmentResult<V> {
  const hashAttribute = exp.hashAttribute || 'id';
  const raw = ctx.attributes?.[hashAttribute];
  const unit = { hashAttribute, hashValue: raw ? String(raw) : '' };
  const out = (index: number, hashUsed = false, bucket?: number) => resultOf(exp, index, hashUsed, unit, bucket);
  if (exp.variations.length < 2) return out(-1);
  const forced = ctx.forcedVariations;
  if (forced && Object.hasOwn(forced, exp.key)) return out(forced[exp.key]!);
  if (exp.status === 'draft' || exp.active === false) return out(-1);
  if (!unit.hashValue) return out(-1);
  if (exp.namespace && !inNamespace(unit.hashValue, exp.namespace)) return out(-1);
  const n = bucketHash(exp.seed || exp.key, unit.hashValue, exp.hashVersion || 1);
  if (n === null) return out(-1);
  const assigned = chooseVariation(n, bucketRanges(exp.variations.length, exp.coverage ?? 1, exp.weights));
  if (assigned < 0) return out(-1);
  if (exp.force !== undefined) return out(exp.force);
  if (exp.status === 'stopped') return out(-1);
  return out(assigned, true, n);
}
