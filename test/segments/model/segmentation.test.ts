import { describe, expect, it } from 'vitest';
import { prng } from '../../../src/shared/random.ts';
import { SegmentationError } from '../../../src/segments/model/clustering.ts';
import { BASE_FEATURES, type FeatureSet } from '../../../src/segments/model/features.ts';
import { adjustedRandIndex, matchSegments } from '../../../src/segments/model/matching.ts';
import { runSegmentation, type SegmentInput } from '../../../src/segments/model/run.ts';

// Planted clusters in the real feature space (original units), well apart on a few features each.
const set: FeatureSet = { version: 'test', defs: BASE_FEATURES.map((d) => ({ ...d })), categories: [] };
const centres = [
  [5, 40, 30, 7, 0.2, 0.95, 12, 20], // frequent, recent: champions
  [200, 3, 20, 60, 0.6, 0.2, 0.3, 3], // long gone, few purchases
  [10, 2, 25, 30, 0.5, 0.9, 1, 2], // new
  [90, 25, 150, 14, 0.3, 0.5, 3, 10], // big spenders slipping away
  [30, 10, 15, 21, 0.4, 0.8, 4, 6], // middling
];
function planted(n: number, seed: number, jitter = 0.12): { input: SegmentInput[]; truth: number[] } {
  const rnd = prng(seed);
  const input: SegmentInput[] = [];
  const truth: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % centres.length;
    const raw = centres[c]!.map((v, j) => (BASE_FEATURES[j]!.log ? v * Math.exp(jitter * rnd.normal()) : Math.min(1.5, Math.max(0, v + 0.05 * rnd.normal()))));
    input.push({ customerId: `c${i}`, raw, revenue: raw[1]! * raw[2]! });
    truth.push(c);
  }
  return { input, truth };
}

describe('segmentation', () => {
  it('recovers planted clusters (adjusted Rand index >= 0.9) and picks their number by silhouette', () => {
    const { input, truth } = planted(3000, 1);
    const result = runSegmentation(set, input, { kMin: 3, kMax: 7 });
    expect(result.k).toBe(5);
    const found = input.map((c) => result.assignments.get(c.customerId)!.segmentId);
    expect(adjustedRandIndex(truth, found)).toBeGreaterThanOrEqual(0.9);
    expect(result.candidates.map((c) => c.k)).toEqual([3, 4, 5, 6, 7]);
    // The elbow: inertia falls as k grows.
    const inertia = result.candidates.map((c) => c.inertia);
    expect(inertia).toEqual([...inertia].sort((a, b) => b - a));
  });

  it('gives the same segments for the same input and seed', () => {
    const { input } = planted(1500, 2);
    const a = runSegmentation(set, input, { seed: 7 });
    const b = runSegmentation(set, input, { seed: 7 });
    expect([...b.assignments]).toEqual([...a.assignments]);
    expect(b.segments).toEqual(a.segments);
  });

  it('keeps the ids of matching segments when the data changes slightly, and reports agreement and moves', () => {
    const first = runSegmentation(set, planted(2000, 3).input, { kMin: 5, kMax: 5 });
    const previous = {
      segments: first.segments.map((s) => ({ id: s.id, centroidRaw: set.defs.map((d) => s.centroid[d.name]!) })),
      assignments: new Map([...first.assignments].map(([id, a]) => [id, a.segmentId])),
    };
    // Same customers, new noise, a different seed: cluster order changes, meaning does not.
    const second = runSegmentation(set, planted(2000, 4).input, { kMin: 5, kMax: 5, seed: 99 }, previous);
    // Each planted group has the same segment id in both runs (a label-free agreement could not tell).
    for (let g = 0; g < centres.length; g++) {
      expect(second.assignments.get(`c${g}`)!.segmentId).toBe(first.assignments.get(`c${g}`)!.segmentId);
    }
    for (const s of second.segments) {
      const before = first.segments.find((x) => x.id === s.id)!;
      expect(Math.abs(Math.log1p(s.centroid.purchaseDays!) - Math.log1p(before.centroid.purchaseDays!))).toBeLessThan(0.3);
    }
    expect(second.agreement).toBeGreaterThan(0.9);
    expect(second.moves.reduce((n, m) => n + m.customers, 0)).toBeLessThan(100);
  });

  it('names segments in RFM terms, explains them in original units, and counts size and revenue', () => {
    const result = runSegmentation(set, planted(2500, 5).input, { kMin: 5, kMax: 5 });
    const names = result.segments.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain('Champions');
    expect(names.some((n) => n.startsWith('Hibernating') || n.startsWith('At risk'))).toBe(true);
    const champions = result.segments.find((s) => s.name === 'Champions')!;
    expect(champions.centroid.purchaseDays).toBeGreaterThan(30);
    expect(champions.summary).toMatch(/typical customer/);
    expect(result.segments.reduce((s, x) => s + x.share, 0)).toBeCloseTo(1, 9);
    expect(result.segments.reduce((s, x) => s + x.revenueShare, 0)).toBeCloseTo(1, 9);
  });

  it('never makes a segment of fewer than 5 customers: far-off customers join their nearest segment', () => {
    const four = planted(200, 7).input.filter((_, i) => i % 5 !== 4);
    const outliers = [0, 1, 2].map((i) => ({ customerId: `far${i}`, raw: [1, 5000, 90000, 1, 1.5, 1, 900, 3000].map((v) => v * (1 + 0.01 * i)), revenue: 1 }));
    const r = runSegmentation(set, [...four, ...outliers], { kMin: 5, kMax: 5 });
    expect(r.k).toBe(4);
    expect(Math.min(...r.segments.map((s) => s.size))).toBeGreaterThanOrEqual(5);
    expect(r.assignments.get('far0')).toBeDefined();
  });

  it('refuses bad parameters with clear errors', () => {
    const { input } = planted(100, 6);
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof SegmentationError ? e.code : String(e);
      }
      return 'no error';
    };
    expect(code(() => runSegmentation(set, input, { kMin: 1, kMax: 3 }))).toBe('segments.invalidK');
    expect(code(() => runSegmentation(set, input, { kMin: 6, kMax: 5 }))).toBe('segments.invalidK');
    expect(code(() => runSegmentation(set, input, { kMin: 5, kMax: 50 }))).toBe('segments.invalidK');
    expect(code(() => runSegmentation(set, []))).toBe('segments.emptyPopulation');
    expect(code(() => runSegmentation(set, input.slice(0, 5)))).toBe('segments.emptyPopulation');
    const nan = input.map((c, i) => (i === 3 ? { ...c, raw: c.raw.map((v, j) => (j === 2 ? Number.NaN : v)) } : c));
    expect(code(() => runSegmentation(set, nan))).toBe('segments.invalidFeatures');
  });
});

describe('matching and agreement', () => {
  it('matches clusters to previous segments by centroid and numbers new ones after the old', () => {
    const ids = matchSegments([{ id: 'seg_1', centroid: [0, 0] }, { id: 'seg_2', centroid: [10, 10] }], [[9.5, 9.5], [0.5, 0], [50, 50]], (n) => `seg_${n + 1}`);
    expect(ids).toEqual(['seg_2', 'seg_1', 'seg_3']);
  });

  it('gives a cluster far from every previous segment a new id, never one used before', () => {
    // The only previous segment is 5 standard deviations away: a different segment, not seg_1 renamed.
    expect(matchSegments([{ id: 'seg_1', centroid: [0, 0] }], [[5, 0]], (n) => `seg_${n + 1}`)).toEqual(['seg_2']);
    // After a change of features there is nothing to match, but old ids stay retired.
    expect(matchSegments([], [[0, 0], [1, 1]], (n) => `seg_${n + 1}`, ['seg_1', 'seg_2', 'seg_3'])).toEqual(['seg_4', 'seg_5']);
  });

  it('computes the adjusted Rand index: 1 for the same partition under other labels, about 0 for chance', () => {
    expect(adjustedRandIndex([0, 0, 1, 1, 2, 2], ['b', 'b', 'a', 'a', 'c', 'c'])).toBe(1);
    const rnd = prng(3);
    const a = Array.from({ length: 5000 }, () => rnd.int(0, 4));
    const b = Array.from({ length: 5000 }, () => rnd.int(0, 4));
    expect(Math.abs(adjustedRandIndex(a, b))).toBeLessThan(0.01);
  });
});
