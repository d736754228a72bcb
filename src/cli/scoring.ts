import { prng } from '../shared/random.ts';
import { auc } from './metrics.ts';
import { DUE_DAYS, DUE_SOON_DAYS, LAPSE_DAYS } from '../predictions/model/status.ts';

/** What one method said about each unit, and what the unit did. */
export interface UnitScores {
  /** Predicted first purchase day in the window (undefined: the method does not date). */
  day: (number | undefined)[];
  probability: number[];
  /** First purchase day in the window, when the unit bought. */
  actual: (number | undefined)[];
  /** Units with 3+ calibration purchase days (the published BG/NBD figure is over them). */
  seasoned: boolean[];
}

export interface Interval {
  estimate: number;
  low: number;
  high: number;
}

const meanAbs = (s: UnitScores, idx: readonly number[], only3: boolean) => {
  let sum = 0;
  let n = 0;
  for (const i of idx) {
    const a = s.actual[i];
    const d = s.day[i];
    if (a === undefined || d === undefined || (only3 && !s.seasoned[i])) continue;
    sum += Math.abs(d - a);
    n++;
  }
  return n > 0 ? sum / n : Number.NaN;
};

const aucOf = (s: UnitScores, idx: readonly number[]) => auc(idx.map((i) => s.probability[i]!), idx.map((i) => s.actual[i] !== undefined));

export interface Comparison {
  /** Cadence minus the other method (negative date errors and positive AUC favour Cadence). */
  dateMae: Interval;
  dateMae3: Interval;
  auc: Interval;
}

/**
 * Paired bootstrap over units (resampled with replacement, 1,000 times, fixed seed): the 95% interval of
 * each difference, so that a gain inside the noise is not read as one.
 */
export function compare(ours: UnitScores, theirs: UnitScores, samples = 1000, seed = 16): Comparison {
  const n = ours.probability.length;
  const all = Array.from({ length: n }, (_, i) => i);
  const stat = (idx: number[]) => [meanAbs(ours, idx, false) - meanAbs(theirs, idx, false), meanAbs(ours, idx, true) - meanAbs(theirs, idx, true), aucOf(ours, idx) - aucOf(theirs, idx)];
  const point = stat(all);
  const rnd = prng(seed);
  const draws: number[][] = [[], [], []];
  const idx = new Array<number>(n);
  for (let b = 0; b < samples; b++) {
    for (let i = 0; i < n; i++) idx[i] = Math.floor(rnd.next() * n);
    stat(idx).forEach((v, k) => draws[k]!.push(v));
  }
  const interval = (k: number): Interval => {
    const sorted = draws[k]!.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
    return { estimate: point[k]!, low: sorted[Math.floor(0.025 * sorted.length)] ?? Number.NaN, high: sorted[Math.floor(0.975 * sorted.length)] ?? Number.NaN };
  };
  return { dateMae: interval(0), dateMae3: interval(1), auc: interval(2) };
}

/** Wilson's 95% interval of a proportion (k of n). */
export function wilson(k: number, n: number): Interval {
  if (n === 0) return { estimate: Number.NaN, low: Number.NaN, high: Number.NaN };
  const z = 1.96;
  const p = k / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return { estimate: p, low: c - h, high: c + h };
}

/** Share of buyers whose first purchase in the window is inside the predicted range (inclusive days). */
export function coverage(low: readonly number[], high: readonly number[], actual: readonly (number | undefined)[]): { share: number; buyers: number; interval: Interval } {
  let inside = 0;
  let buyers = 0;
  actual.forEach((a, i) => {
    if (a === undefined) return;
    buyers++;
    if (a >= low[i]! && a <= high[i]!) inside++;
  });
  return { share: buyers > 0 ? inside / buyers : Number.NaN, buyers, interval: wilson(inside, buyers) };
}

export interface StatusPrecision {
  status: string;
  /** Units given the status, and how many did what it says. */
  units: number;
  precision: number;
  interval: Interval;
  /** The same event's rate over all units (what a status that knew nothing would score). */
  baseRate: number;
  says: string;
}

/**
 * What a status promises (decision 137), checked against the first purchase after the as-of day: `due`
 * buys within 14 days, `due_soon` within 30, `overdue` (a churn reading) and `lapsed` do not buy within 90.
 * The window must be at least 90 days long for the last two to be measured.
 */
export function statusPrecision(statuses: readonly string[], asOfDay: number, actual: readonly (number | undefined)[]): StatusPrecision[] {
  const within = (i: number, days: number) => actual[i] !== undefined && actual[i]! - asOfDay < days;
  const promises: Record<string, { says: string; kept: (i: number) => boolean }> = {
    due: { says: `buys within ${DUE_DAYS} days`, kept: (i) => within(i, DUE_DAYS) },
    due_soon: { says: `buys within ${DUE_SOON_DAYS} days`, kept: (i) => within(i, DUE_SOON_DAYS) },
    overdue: { says: `churn warning: no purchase within ${LAPSE_DAYS} days`, kept: (i) => !within(i, LAPSE_DAYS) },
    lapsed: { says: `no purchase within ${LAPSE_DAYS} days`, kept: (i) => !within(i, LAPSE_DAYS) },
  };
  return Object.entries(promises).map(([status, { says, kept }]) => {
    const idx = statuses.map((s, i) => (s === status ? i : -1)).filter((i) => i >= 0);
    const hits = idx.filter(kept).length;
    const base = statuses.map((_, i) => i).filter(kept).length / Math.max(1, statuses.length);
    return { status, units: idx.length, precision: idx.length > 0 ? hits / idx.length : Number.NaN, interval: wilson(hits, idx.length), baseRate: base, says };
  });
}
