import type { FeatureSet } from './features.ts';

export interface SegmentExplanation {
  name: string;
  /** The centroid in the shop's units, feature by feature. */
  centroid: Record<string, number>;
  /** The features that set the segment apart most, beside the typical customer's (the population's mean on the log scale for skewed features). */
  distinguishing: { feature: string; unit: string; value: number; population: number; z: number }[];
  summary: string;
}

/**
 * RFM names practitioners use, from the centroid's standardised recency (high = long ago), frequency and
 * spend. The numbers always come from the data; only the label is a convention.
 */
export function rfmName(z: Record<string, number>): string {
  const r = z.recencyDays ?? 0;
  const f = z.purchaseDays ?? 0;
  const m = z.spendPerDay ?? 0;
  if (r <= -0.3 && f >= 0.5 && m >= -0.3) return 'Champions';
  if (r <= 0 && f >= 0.3) return 'Loyal';
  if (r >= 0.5 && (f >= 0.3 || m >= 0.5)) return 'At risk';
  if (r >= 0.5) return 'Hibernating';
  if (r <= -0.3 && f < -0.2) return 'New';
  if (m >= 0.8) return 'Big spenders';
  if (f <= -0.3) return 'Occasional';
  return 'Need attention';
}

/** Words for "high" and "low" on each feature, to tell apart two segments that share an RFM name. */
const QUALIFIERS: Record<string, [high: string, low: string]> = {
  recencyDays: ['lapsed longest', 'most recent'],
  purchaseDays: ['most frequent', 'fewest purchases'],
  spendPerDay: ['big baskets', 'small baskets'],
  typicalGapDays: ['slow replenishers', 'fast replenishers'],
  irregularity: ['irregular', 'regular'],
  probabilityAlive: ['likely active', 'likely gone'],
  expectedPurchases90: ['most active ahead', 'quiet ahead'],
  distinctProducts: ['wide range', 'narrow range'],
};

function qualifier(feature: string, z: number): string {
  const words = QUALIFIERS[feature];
  if (words) return z > 0 ? words[0] : words[1];
  const category = feature.replace(/^share:/, '');
  return z > 0 ? `mostly ${category}` : `little ${category}`;
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? Math.round(v).toString() : Math.abs(v) >= 1 ? v.toFixed(1) : v.toFixed(2));

export function explainSegments(set: FeatureSet, centroidsScaled: readonly number[][], centroidsRaw: readonly number[][], populationRaw: readonly number[]): SegmentExplanation[] {
  const explained = centroidsScaled.map((zs, c) => {
    const z = Object.fromEntries(set.defs.map((d, j) => [d.name, zs[j]!]));
    const distinguishing = set.defs
      .map((d, j) => ({ feature: d.name, unit: d.unit, value: centroidsRaw[c]![j]!, population: populationRaw[j]!, z: zs[j]! }))
      .sort((a, b) => Math.abs(b.z) - Math.abs(a.z))
      .slice(0, 3);
    return {
      name: rfmName(z),
      centroid: Object.fromEntries(set.defs.map((d, j) => [d.name, Number(centroidsRaw[c]![j]!.toFixed(4))])),
      distinguishing,
      summary: distinguishing.map((d) => `${d.unit}: ${fmt(d.value)} (typical customer: ${fmt(d.population)})`).join('; '),
    };
  });
  // Two segments with one name would confuse a marketing team: the second says what sets it apart.
  const seen = new Map<string, number>();
  for (const e of explained) {
    const n = (seen.get(e.name) ?? 0) + 1;
    seen.set(e.name, n);
    if (n > 1) {
      const top = e.distinguishing[0]!;
      e.name = `${e.name}, ${qualifier(top.feature, top.z)}`;
    }
  }
  // Still the same name twice (same top feature, same direction): number them.
  const used = new Map<string, number>();
  for (const e of explained) {
    const n = (used.get(e.name) ?? 0) + 1;
    used.set(e.name, n);
    if (n > 1) e.name = `${e.name} (${n})`;
  }
  return explained;
}
