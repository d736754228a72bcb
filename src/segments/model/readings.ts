import { HOUSEHOLD_SIZE_BANDS, LIFE_STAGES, PRICE_LEVELS, type AnalysisAnswer } from '../../insights/analysis.schema.ts';
import type { FeatureDef, FeatureSet } from './features.ts';

/**
 * The AI readings a segmentation can use: the ones that are numbers or ordered bands, each on 0..1 in its
 * order (price sensitivity low..high, household size band 1..5+, life stage young single..retired), with the
 * model's confidence. Only a model's analysis counts (a statistical answer reads nothing new), and a model's
 * analysis exists only while the customer consents to profiling (a withdrawal deletes it).
 */
export interface AiReadings {
  priceSensitivity?: { value: number; confidence: number };
  householdSize?: { value: number; confidence: number };
  lifeStage?: { value: number; confidence: number };
}

export const READING_FEATURES: readonly (FeatureDef & { key: keyof AiReadings })[] = [
  { key: 'priceSensitivity', name: 'ai:priceSensitivity', unit: 'price sensitivity (AI, 0 low .. 1 high)', log: false },
  { key: 'householdSize', name: 'ai:householdSize', unit: 'household size band (AI, 0 single .. 1 five or more)', log: false },
  { key: 'lifeStage', name: 'ai:lifeStage', unit: 'life stage (AI, 0 young single .. 1 retired)', log: false },
];

/** The feature-set version when AI readings join (a change of features starts fresh segment ids). */
export const AI_FEATURE_SET_VERSION = 'rfm-cadence-ai-1';
/** AI readings join the features only when at least this share of the customers have them. */
export const MIN_READINGS_SHARE = 0.2;

const position = <T>(list: readonly T[], v: T | undefined) => (v === undefined ? undefined : list.indexOf(v) / (list.length - 1));

/** The ordered readings of a model's answer. */
export function readingsOf(a: AnalysisAnswer): AiReadings {
  const out: AiReadings = {};
  const ps = position(PRICE_LEVELS, a.priceSensitivity.level);
  // A price level without a confidence (older answers) counts at half weight.
  if (ps !== undefined) out.priceSensitivity = { value: ps, confidence: a.priceSensitivity.confidence ?? 0.5 };
  const hh = position(HOUSEHOLD_SIZE_BANDS, a.household.sizeBand);
  if (hh !== undefined) out.householdSize = { value: hh, confidence: a.household.confidence };
  const ls = position(LIFE_STAGES, a.household.lifeStage);
  if (ls !== undefined) out.lifeStage = { value: ls, confidence: a.household.confidence };
  return out;
}

/**
 * Adds the AI readings to a population's features when enough customers have them. Missing readings must
 * not bias the clusters: a missing reading becomes the population's mean of that reading (which standardises
 * to 0, the neutral point of every axis, so it pulls a customer towards no segment and forms no "unknown"
 * segment of its own, as a sentinel value would), and a present reading is shrunk towards that mean by its
 * confidence (a reading given with confidence 0.2 moves the customer a fifth of the way), so a guess weighs
 * little and a confident reading fully.
 */
export function withReadings<T extends { customerId: string; raw: number[] }>(
  set: FeatureSet,
  inputs: readonly T[],
  readings: ReadonlyMap<string, AiReadings>,
): { set: FeatureSet; inputs: T[]; share: number } {
  const have = inputs.filter((c) => READING_FEATURES.some((f) => readings.get(c.customerId)?.[f.key] !== undefined)).length;
  const share = inputs.length === 0 ? 0 : have / inputs.length;
  if (share < MIN_READINGS_SHARE) return { set, inputs: [...inputs], share };
  const means = READING_FEATURES.map((f) => {
    const values = inputs.map((c) => readings.get(c.customerId)?.[f.key]?.value).filter((v): v is number => v !== undefined);
    return values.length > 0 ? values.reduce((s, v) => s + v, 0) / values.length : 0.5;
  });
  const sd = READING_FEATURES.map((f, i) => {
    const values = inputs.map((c) => readings.get(c.customerId)?.[f.key]?.value).filter((v): v is number => v !== undefined);
    const variance = values.reduce((s, v) => s + (v - means[i]!) ** 2, 0) / Math.max(1, values.length - 1);
    return Math.max(0.05, Math.sqrt(variance));
  });
  const extended: FeatureSet = { ...set, version: AI_FEATURE_SET_VERSION, defs: [...set.defs, ...READING_FEATURES.map(({ key: _, ...d }) => d)], readings: { means, sd } };
  return {
    set: extended,
    inputs: inputs.map((c) => ({ ...c, raw: [...c.raw, ...readingValues(readings.get(c.customerId), means)] })),
    share,
  };
}

/** A customer's reading features given the population's means (the customer without readings: the means). */
export function readingValues(r: AiReadings | undefined, means: readonly number[]): number[] {
  return READING_FEATURES.map((f, i) => {
    const x = r?.[f.key];
    return x === undefined ? means[i]! : means[i]! + Math.max(0, Math.min(1, x.confidence)) * (x.value - means[i]!);
  });
}
