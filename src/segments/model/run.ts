import { chooseClusters, DEFAULT_CLUSTERING, fitScaler, nearest, scale, SegmentationError, unscale, type ClusteringOptions, type KCandidate, type Scaler } from './clustering.ts';
import { explainSegments, type SegmentExplanation } from './explain.ts';
import { transform, untransform, type FeatureSet } from './features.ts';
import { adjustedRandIndex, matchSegments } from './matching.ts';

export interface SegmentInput {
  customerId: string;
  /** Features in original units, in the order of the feature set. */
  raw: number[];
  revenue: number;
}

export interface PreviousRun {
  segments: { id: string; centroidRaw: number[] }[];
  assignments: ReadonlyMap<string, string>;
  /** Every segment id used so far: a new cluster never gets an old id with another meaning. */
  usedIds?: readonly string[];
}

export interface Segment extends SegmentExplanation {
  id: string;
  size: number;
  share: number;
  revenueShare: number;
}

/** What it takes to place a new customer in the current segments without a new run. */
export interface SegmentModel {
  featureSet: FeatureSet;
  scaler: Scaler;
  /** Standardised centroids, in the order of `ids`. */
  centroids: number[][];
  ids: string[];
}

export function assignOne(model: SegmentModel, raw: readonly number[]): { segmentId: string; distance: number } {
  const { index, distance } = nearest(model.centroids, scale(model.scaler, transform(model.featureSet, raw)));
  return { segmentId: model.ids[index]!, distance };
}

export interface SegmentationResult {
  model: SegmentModel;
  k: number;
  candidates: Omit<KCandidate, 'centroids' | 'smallest'>[];
  segments: Segment[];
  assignments: Map<string, { segmentId: string; distance: number }>;
  /** Adjusted Rand index with the previous run over customers in both (undefined on a first run). */
  agreement?: number;
  /** Customers who moved, counted by previous -> new segment. */
  moves: { from: string; to: string; customers: number }[];
}

/**
 * Segments a population: features are log-transformed where skewed and standardised; k-means runs on a
 * sample for each k in range and the best silhouette wins; every customer is then assigned to its nearest
 * centroid in one streaming pass; clusters are matched to the previous run's segments so ids persist.
 */
export function runSegmentation(set: FeatureSet, input: readonly SegmentInput[], options: Partial<ClusteringOptions> = {}, previous?: PreviousRun): SegmentationResult {
  const opts = { ...DEFAULT_CLUSTERING, ...options };
  if (input.length === 0) throw new SegmentationError('segments.emptyPopulation', 'no customers to segment');
  // The message names no customer: run records are stored beside non-personal data.
  const bad = input.filter((c) => c.raw.length !== set.defs.length || c.raw.some((v) => !Number.isFinite(v))).length;
  if (bad > 0) throw new SegmentationError('segments.invalidFeatures', `${bad} customers have a missing, NaN or infinite feature`);
  // One n x d typed array for everybody: a million customers in 64 MB instead of a million small arrays.
  const n = input.length;
  const d = set.defs.length;
  const x = new Float64Array(n * d);
  input.forEach((c, i) => x.set(transform(set, c.raw), i * d));
  const scaler = fitScaler(x, n, d);
  // AI readings are standardised by their spread as given (see FeatureSet.readings).
  if (set.readings) set.readings.sd.forEach((sd, i) => (scaler.sd[d - set.readings!.sd.length + i] = sd));
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = (x[i * d + j]! - scaler.mean[j]!) / scaler.sd[j]!;
  const row = (i: number) => Array.from(x.subarray(i * d, (i + 1) * d));
  const { best, candidates } = chooseClusters(n, row, opts);

  // The streaming pass: every customer to the nearest centroid.
  const labels = new Int32Array(n);
  const distances = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = nearest(best.centroids, x.subarray(i * d, (i + 1) * d));
    labels[i] = a.index;
    distances[i] = a.distance;
  }
  const previousScaled = (previous?.segments ?? []).map((s) => ({ id: s.id, centroid: scale(scaler, transform(set, s.centroidRaw)) }));
  const ids = matchSegments(previousScaled, best.centroids, (n) => `seg_${n + 1}`, previous?.usedIds ?? []);

  const centroidsRaw = best.centroids.map((c) => untransform(set, unscale(scaler, c)));
  const populationRaw = untransform(set, scaler.mean);
  const explanations = explainSegments(set, best.centroids, centroidsRaw, populationRaw);
  const totalRevenue = input.reduce((s, c) => s + c.revenue, 0) || 1;
  const sizes = new Array<number>(best.centroids.length).fill(0);
  const revenue = new Array<number>(best.centroids.length).fill(0);
  for (let i = 0; i < n; i++) {
    sizes[labels[i]!]!++;
    revenue[labels[i]!]! += input[i]!.revenue;
  }
  const segments: Segment[] = best.centroids.map((_, k) => ({
    id: ids[k]!,
    ...explanations[k]!,
    size: sizes[k]!,
    share: sizes[k]! / n,
    revenueShare: revenue[k]! / totalRevenue,
  }));

  const assignments = new Map(input.map((c, i) => [c.customerId, { segmentId: ids[labels[i]!]!, distance: distances[i]! }]));
  let agreement: number | undefined;
  const moves = new Map<string, number>();
  if (previous) {
    const before: string[] = [];
    const after: string[] = [];
    for (const [id, a] of assignments) {
      const was = previous.assignments.get(id);
      if (was === undefined) continue;
      before.push(was);
      after.push(a.segmentId);
      if (was !== a.segmentId) moves.set(`${was}\u0000${a.segmentId}`, (moves.get(`${was}\u0000${a.segmentId}`) ?? 0) + 1);
    }
    if (before.length > 0) agreement = adjustedRandIndex(before, after);
  }
  return {
    model: { featureSet: set, scaler, centroids: best.centroids, ids },
    k: best.k,
    candidates: candidates.map(({ centroids: _, smallest: __, ...c }) => c),
    segments: segments.sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true })),
    assignments,
    ...(agreement !== undefined ? { agreement } : {}),
    moves: [...moves].map(([k, customers]) => {
      const [from, to] = k.split('\u0000');
      return { from: from!, to: to!, customers };
    }).sort((a, b) => b.customers - a.customers),
  };
}
