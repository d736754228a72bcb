import { describe, expect, it } from 'vitest';
import { prng } from '../../../src/local/demo-data.ts';
import { BASE_FEATURES, type FeatureSet } from '../../../src/segments/model/features.ts';
import { adjustedRandIndex } from '../../../src/segments/model/matching.ts';
import { AI_FEATURE_SET_VERSION, withReadings, type AiReadings } from '../../../src/segments/model/readings.ts';
import { runSegmentation } from '../../../src/segments/model/run.ts';

/**
 * Generated customers of three overlapping buying patterns (frequent, occasional, lapsed: the RFM structure,
 * about as loosely clustered as real shops), each half price-sensitive young families and half older small
 * households, independently of the pattern: visible only to the AI readings. Where the reading carries the signal (given with confidence), the segments separate the two
 * halves; where it is noise (guesses at low confidence, as the prompt asks for), the segments stay those of
 * the buying patterns.
 */
const ARCHETYPES = [
  [5, 20, 30, 7, 0.3, 0.95, 10, 8],
  [60, 6, 40, 30, 0.6, 0.7, 3, 4],
  [200, 2, 25, 90, 0.9, 0.3, 0.5, 2],
];
const set: FeatureSet = { version: 'rfm-cadence-1', defs: [...BASE_FEATURES], categories: [] };
// The production range of k (5-7), chosen by silhouette.
const OPTIONS = { silhouetteSample: 600 };

function population(seed: number) {
  const rnd = prng(seed);
  return Array.from({ length: 600 }, (_, i) => {
    const pattern = i % 3;
    const sensitive = rnd.next() < 0.5 ? 1 : 0;
    const raw = ARCHETYPES[pattern]!.map((v, j) => (BASE_FEATURES[j]!.log ? v * Math.exp((rnd.next() - 0.5) * 2) : Math.min(1, v * (1 + (rnd.next() - 0.5) * 0.8))));
    return { customerId: `c${i}`, raw, revenue: raw[1]! * raw[2]!, pattern, sensitive };
  });
}

/** Share of customers in a segment whose majority shares their value of `key`. */
function purity(assignments: Map<string, { segmentId: string }>, people: { customerId: string; sensitive: number }[]) {
  const bySegment = new Map<string, number[]>();
  for (const p of people) {
    const s = assignments.get(p.customerId)!.segmentId;
    bySegment.set(s, [...(bySegment.get(s) ?? []), p.sensitive]);
  }
  let agree = 0;
  for (const v of bySegment.values()) {
    const ones = v.filter((x) => x === 1).length;
    agree += Math.max(ones, v.length - ones);
  }
  return agree / people.length;
}

const labels = (a: Map<string, { segmentId: string }>, ids: string[]) => ids.map((id) => a.get(id)!.segmentId);

describe('AI readings as segment features', () => {
  it('separate customers the readings tell apart, when the readings carry signal', () => {
    const people = population(1);
    const readings = new Map<string, AiReadings>();
    // Three in four customers have a reading (the others: no consent, or too little history).
    // A young, large, price-sensitive family household or an older, small, not price-sensitive one.
    for (const p of people) {
      if (Number(p.customerId.slice(1)) % 4 === 0) continue;
      const c = 0.9;
      readings.set(p.customerId, { priceSensitivity: { value: p.sensitive, confidence: c }, householdSize: { value: p.sensitive ? 1 : 0, confidence: c }, lifeStage: { value: p.sensitive ? 0.4 : 1, confidence: c } });
    }
    const without = runSegmentation(set, people, OPTIONS);
    const ai = withReadings(set, people, readings);
    expect(ai.set.version).toBe(AI_FEATURE_SET_VERSION);
    expect(ai.share).toBeCloseTo(0.75, 2);
    const withAi = runSegmentation(ai.set, ai.inputs, OPTIONS);
    const had = people.filter((p) => readings.has(p.customerId));
    const sil = (r: typeof without) => r.candidates.find((c) => c.k === r.k)!.silhouette.toFixed(3);
    console.log(`signal: k ${without.k} -> ${withAi.k}; silhouette ${sil(without)} -> ${sil(withAi)}; purity by price sensitivity ${purity(without.assignments, had).toFixed(2)} -> ${purity(withAi.assignments, had).toFixed(2)}`);
    expect(purity(withAi.assignments, had)).toBeGreaterThan(0.9);
    expect(purity(without.assignments, had)).toBeLessThan(0.7);
    // Customers without a reading are not lumped together: they spread over the segments of their pattern.
    const missing = people.filter((p) => !readings.has(p.customerId)).map((p) => withAi.assignments.get(p.customerId)!.segmentId);
    expect(new Set(missing).size).toBeGreaterThanOrEqual(3);
  });

  it('leave the segments as they were when the readings are noise given at low confidence', () => {
    const people = population(2);
    const rnd = prng(99);
    const readings = new Map<string, AiReadings>(
      people.map((p) => [p.customerId, { priceSensitivity: { value: [0, 0.5, 1][Math.floor(rnd.next() * 3)]!, confidence: 0.2 }, householdSize: { value: rnd.next(), confidence: 0.2 } }]),
    );
    const without = runSegmentation(set, people, OPTIONS);
    const ai = withReadings(set, people, readings);
    const withAi = runSegmentation(ai.set, ai.inputs, OPTIONS);
    const ids = people.map((p) => p.customerId);
    const ari = adjustedRandIndex(labels(without.assignments, ids), labels(withAi.assignments, ids));
    console.log(`noise: k ${without.k} -> ${withAi.k}; agreement with the segments without readings (ARI) ${ari.toFixed(3)}`);
    expect(withAi.k).toBe(without.k);
    expect(ari).toBeGreaterThan(0.9);
  });

  it('leaves the features alone when too few customers have readings', () => {
    const people = population(3);
    const readings = new Map<string, AiReadings>([[people[0]!.customerId, { lifeStage: { value: 1, confidence: 1 } }]]);
    const ai = withReadings(set, people, readings);
    expect(ai.set).toBe(set);
    expect(ai.inputs[0]!.raw).toHaveLength(BASE_FEATURES.length);
  });
});
