/**
 * One measurement in its own process (so peak memory is its own): `cadence <n>` runs Cadence's
 * segmentation (k = 6, fit on a 50,000 sample, assign everyone); `lloyd <n>` runs a plain Lloyd's loop
 * over a Float64Array of all n customers with the same iteration count. Prints JSON.
 */
import { prng } from '../src/shared/random.ts';
import { BASE_FEATURES, type FeatureSet } from '../src/segments/model/features.ts';
import { runSegmentation, type SegmentInput } from '../src/segments/model/run.ts';

const [mode, nArg, itArg] = process.argv.slice(2);
const n = Number(nArg);
const iterations = Number(itArg ?? 30);
const k = 6;
const d = BASE_FEATURES.length;
const set: FeatureSet = { version: 'bench', defs: BASE_FEATURES.map((f) => ({ ...f })), categories: [] };

// Six planted groups in original units (recency, purchase days, spend, gap, irregularity, P(alive), E90, products).
const centres = [
  [5, 40, 30, 7, 0.2, 0.95, 12, 20],
  [200, 3, 20, 60, 0.6, 0.2, 0.3, 3],
  [10, 2, 25, 30, 0.5, 0.9, 1, 2],
  [90, 25, 150, 14, 0.3, 0.5, 3, 10],
  [30, 10, 15, 21, 0.4, 0.8, 4, 6],
  [60, 6, 60, 45, 0.8, 0.6, 1.5, 8],
];
const rnd = prng(2026);
const row = (i: number) => centres[i % k]!.map((v, j) => (BASE_FEATURES[j]!.log ? v * Math.exp(0.3 * rnd.normal()) : Math.min(1.5, Math.max(0, v + 0.1 * rnd.normal()))));

const started = performance.now();
if (mode === 'cadence') {
  const input: SegmentInput[] = Array.from({ length: n }, (_, i) => {
    const raw = row(i);
    return { customerId: `c${i}`, raw, revenue: raw[1]! * raw[2]! };
  });
  const t0 = performance.now();
  // tolerance -1: never stop early, so both sides run exactly `iterations` iterations.
  const result = runSegmentation(set, input, { kMin: k, kMax: k, maxIterations: iterations, tolerance: -1 });
  report({ generateMs: t0 - started, segmentMs: performance.now() - t0, k: result.k, sizes: result.segments.map((s) => s.size) });
} else {
  // The reference: log-transform and standardise into one Float64Array, then Lloyd's algorithm.
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const r = row(i);
    for (let j = 0; j < d; j++) x[i * d + j] = BASE_FEATURES[j]!.log ? Math.log1p(r[j]!) : r[j]!;
  }
  const t0 = performance.now();
  for (let j = 0; j < d; j++) {
    let m = 0;
    let s = 0;
    for (let i = 0; i < n; i++) m += x[i * d + j]! / n;
    for (let i = 0; i < n; i++) s += (x[i * d + j]! - m) ** 2 / n;
    const sd = Math.sqrt(s) || 1;
    for (let i = 0; i < n; i++) x[i * d + j] = (x[i * d + j]! - m) / sd;
  }
  const c = new Float64Array(k * d);
  for (let q = 0; q < k; q++) for (let j = 0; j < d; j++) c[q * d + j] = x[q * d + j]!; // first k rows: one per group
  const labels = new Int32Array(n);
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  for (let it = 0; it < iterations; it++) {
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestD = Number.POSITIVE_INFINITY;
      for (let q = 0; q < k; q++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += (x[i * d + j]! - c[q * d + j]!) ** 2;
        if (s < bestD) {
          bestD = s;
          best = q;
        }
      }
      labels[i] = best;
      counts[best]!++;
      for (let j = 0; j < d; j++) sums[best * d + j]! += x[i * d + j]!;
    }
    for (let q = 0; q < k; q++) if (counts[q]! > 0) for (let j = 0; j < d; j++) c[q * d + j] = sums[q * d + j]! / counts[q]!;
  }
  report({ generateMs: t0 - started, segmentMs: performance.now() - t0, k, sizes: Array.from(counts) });
}

function report(r: Record<string, unknown>) {
  process.stdout.write(`${JSON.stringify({ mode, n, iterations, ...r, maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`);
}
