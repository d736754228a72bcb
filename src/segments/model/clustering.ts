import { kmeans } from 'ml-kmeans';
import { prng } from '../../shared/random.ts';

export class SegmentationError extends Error {
  constructor(
    readonly code: 'segments.emptyPopulation' | 'segments.invalidK' | 'segments.invalidFeatures',
    message: string,
  ) {
    super(message);
    this.name = 'SegmentationError';
  }
}

export interface Scaler {
  mean: number[];
  sd: number[];
}

/** Column means and standard deviations of an n x d row-major matrix. */
export function fitScaler(x: Float64Array, n: number, d: number): Scaler {
  const mean = new Array<number>(d).fill(0);
  const sd = new Array<number>(d).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += x[i * d + j]! / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) sd[j]! += (x[i * d + j]! - mean[j]!) ** 2 / n;
  // A constant feature carries no information; sd 1 keeps it at 0 instead of dividing by zero.
  return { mean, sd: sd.map((v) => (v > 1e-12 ? Math.sqrt(v) : 1)) };
}

export const scale = (s: Scaler, r: readonly number[]) => r.map((v, j) => (v - s.mean[j]!) / s.sd[j]!);
export const unscale = (s: Scaler, r: readonly number[]) => r.map((v, j) => v * s.sd[j]! + s.mean[j]!);

const sqDist = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += (a[j]! - b[j]!) ** 2;
  return s;
};

export function nearest(centroids: readonly number[][], x: ArrayLike<number>): { index: number; distance: number } {
  let index = 0;
  let best = Number.POSITIVE_INFINITY;
  for (let c = 0; c < centroids.length; c++) {
    const d = sqDist(centroids[c]!, x);
    if (d < best) {
      best = d;
      index = c;
    }
  }
  return { index, distance: Math.sqrt(best) };
}

/**
 * K-means++ gives far-off customers (a single wholesaler) a cluster of their own. Such a cluster cannot
 * be a segment (its centre would be one customer's figures), so it is dissolved: its members join their
 * nearest other cluster and the centres are recomputed, until every cluster has MIN_SEGMENT_SIZE members
 * or two clusters are left. The effective k can then be below the range asked for; the run says so.
 */
export function pruneSmallClusters(rows: readonly number[][], centroids: readonly number[][], clusters: readonly number[]): { centroids: number[][]; labels: number[] } {
  let cs = centroids.map((c) => [...c]);
  let labels = [...clusters];
  for (;;) {
    const sizes = new Array<number>(cs.length).fill(0);
    for (const l of labels) sizes[l]!++;
    const smallest = sizes.indexOf(Math.min(...sizes));
    if (sizes[smallest]! >= MIN_SEGMENT_SIZE || cs.length <= 2) return { centroids: cs, labels };
    cs = cs.filter((_, i) => i !== smallest);
    labels = rows.map((r, i) => (labels[i] === smallest ? nearest(cs, r).index : labels[i]! > smallest ? labels[i]! - 1 : labels[i]!));
    const sums = cs.map((c) => new Array<number>(c.length).fill(0));
    const counts = new Array<number>(cs.length).fill(0);
    rows.forEach((r, i) => {
      counts[labels[i]!]!++;
      r.forEach((v, j) => (sums[labels[i]!]![j]! += v));
    });
    cs = sums.map((sum, c) => (counts[c]! > 0 ? sum.map((v) => v / counts[c]!) : cs[c]!));
  }
}

/** Mean silhouette width (Rousseeuw 1987) of a labelled sample; O(n^2), so callers pass a sample. */
export function silhouette(points: readonly number[][], labels: readonly number[], k: number): number {
  let total = 0;
  for (let i = 0; i < points.length; i++) {
    const sums = new Array<number>(k).fill(0);
    const counts = new Array<number>(k).fill(0);
    for (let j = 0; j < points.length; j++) {
      if (i === j) continue;
      sums[labels[j]!]! += Math.sqrt(sqDist(points[i]!, points[j]!));
      counts[labels[j]!]!++;
    }
    const own = labels[i]!;
    if (counts[own] === 0) continue; // a singleton's silhouette is 0 by convention
    const a = sums[own]! / counts[own]!;
    let b = Number.POSITIVE_INFINITY;
    for (let c = 0; c < k; c++) if (c !== own && counts[c]! > 0) b = Math.min(b, sums[c]! / counts[c]!);
    if (Number.isFinite(b)) total += (b - a) / Math.max(a, b);
  }
  return total / points.length;
}

/** A reproducible sample of row indexes (all of them when there are fewer). */
export function sampleIndexes(n: number, size: number, seed: number): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (n <= size) return all;
  return prng(seed).shuffle(all).slice(0, size).sort((a, b) => a - b);
}

export interface KCandidate {
  k: number;
  silhouette: number;
  /** Within-cluster sum of squares on the fit sample (the elbow curve). */
  inertia: number;
  centroids: number[][];
  /** Customers in the smallest cluster of the fit sample. */
  smallest: number;
}

export interface ClusteringOptions {
  kMin: number;
  kMax: number;
  seed: number;
  /** Customers k-means is fitted on; the rest are assigned to the nearest centroid. */
  fitSample: number;
  /** Points the silhouette is computed on (it is quadratic). */
  silhouetteSample: number;
  maxIterations: number;
  /** ml-kmeans stops when centroids move less than this; a negative value runs every iteration (benchmarks). */
  tolerance: number;
}

/**
 * Segments smaller than this are not allowed: a segment's centre and size are stored as aggregates beside
 * non-personal data, and the centre of one or two customers would be their personal figures.
 */
export const MIN_SEGMENT_SIZE = 5;

export const DEFAULT_CLUSTERING: ClusteringOptions = { kMin: 5, kMax: 7, seed: 42, fitSample: 50_000, silhouetteSample: 2_000, maxIterations: 100, tolerance: 1e-6 };

/**
 * K-means++ (ml-kmeans, fixed seed) for every k in range on a sample of standardised rows; k is the one
 * with the best silhouette. Returns every candidate so the elbow curve can be reported beside it.
 */
/**
 * `row(i)` gives customer i's standardised features; only the sampled rows are materialised, so a million
 * customers can stay in one typed array.
 */
export function chooseClusters(n: number, row: (i: number) => number[], options: ClusteringOptions): { best: KCandidate; candidates: KCandidate[] } {
  const { kMin, kMax } = options;
  if (!Number.isInteger(kMin) || !Number.isInteger(kMax) || kMin < 2 || kMax < kMin || kMax > 20) {
    throw new SegmentationError('segments.invalidK', `k must be whole numbers with 2 <= kMin <= kMax <= 20 (got ${kMin}..${kMax})`);
  }
  if (n === 0) throw new SegmentationError('segments.emptyPopulation', 'no customers to segment');
  if (n < kMax * MIN_SEGMENT_SIZE) {
    throw new SegmentationError('segments.emptyPopulation', `${n} customers are too few for ${kMax} segments (at least ${MIN_SEGMENT_SIZE} per segment)`);
  }
  const fitRows = sampleIndexes(n, options.fitSample, options.seed).map(row);
  if (fitRows.some((r) => r.some((v) => !Number.isFinite(v)))) throw new SegmentationError('segments.invalidFeatures', 'a feature is NaN or infinite');
  const silRows = sampleIndexes(fitRows.length, options.silhouetteSample, options.seed + 1);
  const candidates: KCandidate[] = [];
  for (let k = kMin; k <= kMax; k++) {
    const result = kmeans(fitRows, k, { seed: options.seed, initialization: 'kmeans++', maxIterations: options.maxIterations, tolerance: options.tolerance });
    const { centroids, labels } = pruneSmallClusters(fitRows, result.centroids, result.clusters);
    if (candidates.some((c) => c.k === centroids.length)) continue; // pruning led to a k already tried
    const inertia = fitRows.reduce((s, r, i) => s + sqDist(r, centroids[labels[i]!]!), 0);
    const sil = silhouette(silRows.map((i) => fitRows[i]!), silRows.map((i) => labels[i]!), centroids.length);
    const sizes = new Array<number>(centroids.length).fill(0);
    for (const c of labels) sizes[c]!++;
    candidates.push({ k: centroids.length, silhouette: sil, inertia, centroids, smallest: Math.min(...sizes) });
  }
  const allowed = candidates.filter((c) => c.smallest >= MIN_SEGMENT_SIZE);
  if (allowed.length === 0) {
    throw new SegmentationError('segments.emptyPopulation', `every k in ${kMin}..${kMax} leaves a segment of fewer than ${MIN_SEGMENT_SIZE} customers`);
  }
  const best = allowed.reduce((a, b) => (b.silhouette > a.silhouette + 1e-12 ? b : a));
  return { best, candidates };
}
