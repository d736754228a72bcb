import type { CustomerPrediction } from '../../predictions/model/customer.ts';
import type { CustomerHistory } from '../../predictions/model/history.ts';

/**
 * The features a customer is segmented on, in the shop's terms. Skewed quantities (days, counts, money)
 * are log-transformed before standardising, so one wholesaler does not stretch the whole axis.
 */
export const FEATURE_SET_VERSION = 'rfm-cadence-1';

export interface FeatureDef {
  name: string;
  unit: string;
  /** log1p before standardising (and expm1 when shown in original units). */
  log: boolean;
}

export const BASE_FEATURES: readonly FeatureDef[] = [
  { name: 'recencyDays', unit: 'days since the last purchase', log: true },
  { name: 'purchaseDays', unit: 'distinct purchase days', log: true },
  { name: 'spendPerDay', unit: 'spend per purchase day', log: true },
  { name: 'typicalGapDays', unit: 'days between purchases', log: true },
  { name: 'irregularity', unit: 'coefficient of variation of gaps', log: false },
  { name: 'probabilityAlive', unit: 'probability still a customer', log: false },
  { name: 'expectedPurchases90', unit: 'expected purchase days in 90 days', log: true },
  { name: 'distinctProducts', unit: 'distinct products bought', log: true },
];

export interface FeatureSet {
  version: string;
  defs: FeatureDef[];
  /** Categories whose share of purchase days is a feature (the population's most common ones). */
  categories: string[];
  /** The currency most customers pay in: spend is shown in it. */
  currency?: string;
  /**
   * Per currency, its median spend per purchase day over the main currency's: a customer's spend is
   * divided by it, so a JPY customer is compared with JPY customers, not counted a whale. Medians stand in
   * for exchange rates (Cadence keeps no rate table); amounts of different currencies are never added.
   */
  spendScale?: Record<string, number>;
  /**
   * With AI readings (the last `READING_FEATURES.length` features): each reading's population mean (what a
   * customer without it gets) and the spread of the readings as given, which standardises them instead of
   * the spread after shrinking by confidence (else low-confidence noise would be blown up to unit variance).
   */
  readings?: { means: number[]; sd: number[] };
}

/** The feature set for a population: the base features and the share of each of its top categories. */
export function featureSet(histories: Iterable<CustomerHistory>, topCategories = 5): FeatureSet {
  const counts = new Map<string, number>();
  const spends = new Map<string, number[]>();
  for (const h of histories) {
    for (const c of h.categories.keys()) counts.set(c, (counts.get(c) ?? 0) + 1);
    spends.set(h.currency, [...(spends.get(h.currency) ?? []), h.totalSpend / Math.max(1, h.spendDays)]);
  }
  const categories = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, topCategories).map(([c]) => c);
  const currency = [...spends].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))[0]?.[0];
  const main = currency ? median(spends.get(currency)!) : 1;
  const spendScale = Object.fromEntries([...spends].map(([c, list]) => [c, main > 0 && median(list) > 0 ? median(list) / main : 1]));
  return {
    version: FEATURE_SET_VERSION,
    defs: [...BASE_FEATURES, ...categories.map((c) => ({ name: `share:${c}`, unit: `share of purchase days with ${c}`, log: false }))],
    categories,
    ...(currency ? { currency, spendScale } : {}),
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A customer's spend in the main currency's terms (see FeatureSet.spendScale). */
export const comparableSpend = (set: FeatureSet, h: CustomerHistory, amount: number) => amount / (set.spendScale?.[h.currency] ?? 1);

/** One customer's raw (original-unit) feature vector, in the order of `set.defs`. */
export function customerFeatures(set: FeatureSet, h: CustomerHistory, p: CustomerPrediction): number[] {
  const base = [
    Math.max(0, p.asOfDay - 1 - h.lastDay),
    h.days.length,
    comparableSpend(set, h, h.totalSpend / Math.max(1, h.spendDays)),
    p.next.typicalGapDays,
    p.next.irregularity,
    p.probabilityAlive,
    p.expectedPurchases90,
    h.products.size,
  ];
  const shares = set.categories.map((c) => (h.categories.get(c)?.length ?? 0) / h.days.length);
  return [...base, ...shares];
}

/** Applies the log transforms: the space the scaler and k-means work in. */
export function transform(set: FeatureSet, raw: readonly number[]): number[] {
  return raw.map((v, i) => (set.defs[i]!.log ? Math.log1p(Math.max(0, v)) : v));
}

export function untransform(set: FeatureSet, values: readonly number[]): number[] {
  return values.map((v, i) => (set.defs[i]!.log ? Math.expm1(v) : v));
}

/** The clustering input of a population: each customer's raw features and revenue. */
export function segmentInputs(set: FeatureSet, customers: Iterable<{ customerId: string; history: CustomerHistory; prediction: CustomerPrediction }>) {
  return [...customers].map((c) => ({ customerId: c.customerId, raw: customerFeatures(set, c.history, c.prediction), revenue: comparableSpend(set, c.history, c.history.totalSpend) }));
}
