import type { PurchaseDay } from './cadence.ts';
import { predictCustomer } from './customer.ts';
import type { CustomerHistory } from './history.ts';
import type { PopulationModel } from './population.ts';
import { DUE_DAYS, DUE_SOON_DAYS, LIKELY, type StatusThresholds } from './status.ts';

/**
 * The renewal chance's calibration for the statuses (decision 154), learned by an inner time split inside
 * the training window: the population is fitted again on the histories cut DUE_SOON_DAYS before the as-of
 * day, each series' raw chance of a purchase within 14 and 30 days at that cut is set against whether it
 * bought within them, and a Platt curve sigma(a logit(p) + b) is fitted per level and horizon. The curve is
 * monotone, so "calibrated >= 0.5" is "raw >= t" with t = sigma(-b / a): only t is stored, and statusOf
 * compares the raw chance with it (no extra work per customer). The outer holdout is never seen.
 */
export interface ThresholdFit {
  days: number;
  /** Series with a gap of their own at the inner cut (the only ones a status can call due), and how many bought. */
  units: number;
  buyers: number;
  /** The Platt curve's slope and intercept (absent on a fallback), and the threshold served. */
  a?: number;
  b?: number;
  threshold: number;
  /** Why the threshold is the words' own 0.5 instead of a learned one (undefined when learned). */
  fallback?: 'few-units' | 'no-slope';
}

export interface LevelThresholds extends StatusThresholds {
  fits: ThresholdFit[];
}

export interface StatusCalibration {
  /** The inner cut (day number): fitted on the days before it, scored on the DUE_SOON_DAYS after. */
  innerAsOfDay: number;
  customer: LevelThresholds;
  product: LevelThresholds;
}

/** Customers the inner split predicts at most (a deterministic sample, as the stacked odds' split). */
const INNER_SAMPLE = 20_000;
/**
 * Buyers and non-buyers a level needs, each, before its curve is fitted: a two-parameter logistic needs a
 * few tens of events per parameter to place its boundary; below that the words' own 0.5 serves.
 */
export const MIN_EVENTS = 30;
/**
 * The learned threshold is kept inside [0.3, 0.8]: a two-parameter curve fitted mostly on series far from
 * the boundary can misplace it by a lot, and a threshold outside this range would either call a
 * one-in-three chance "more likely than not" or make the status disappear.
 */
export const THRESHOLD_RANGE = [0.3, 0.8] as const;

export const FIT_FLOOR = 0.25;

const logit = (p: number) => {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(q / (1 - q));
};

/** Maximum likelihood of sigma(a x + b) by Newton's method (two parameters, a light ridge on a). */
export function fitPlatt(x: readonly number[], y: readonly boolean[]): { a: number; b: number } | undefined {
  let a = 1;
  let b = 0;
  for (let iteration = 0; iteration < 100; iteration++) {
    let ga = 1e-3 * (a - 1);
    let gb = 0;
    let haa = 1e-3;
    let hab = 0;
    let hbb = 1e-9;
    for (let i = 0; i < x.length; i++) {
      const p = 1 / (1 + Math.exp(-(a * x[i]! + b)));
      const d = p - (y[i] ? 1 : 0);
      const v = Math.max(p * (1 - p), 1e-12);
      ga += d * x[i]!;
      gb += d;
      haa += v * x[i]! * x[i]!;
      hab += v * x[i]!;
      hbb += v;
    }
    const det = haa * hbb - hab * hab;
    if (!(det > 0)) return undefined;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (!Number.isFinite(a) || !Number.isFinite(b)) return undefined;
    if (Math.abs(da) + Math.abs(db) < 1e-9) break;
  }
  return { a, b };
}

/** The threshold on the raw chance where the fitted curve crosses 0.5, or the fallback. */
export function learnThreshold(days: number, allChance: readonly number[], allBought: readonly boolean[], floor = FIT_FLOOR): ThresholdFit {
  const keep = allChance.map((p, i) => (p >= floor ? i : -1)).filter((i) => i >= 0);
  const chance = keep.map((i) => allChance[i]!);
  const bought = keep.map((i) => allBought[i]!);
  const units = chance.length;
  const buyers = bought.filter(Boolean).length;
  const base = { days, units, buyers, threshold: LIKELY };
  if (buyers < MIN_EVENTS || units - buyers < MIN_EVENTS) return { ...base, fallback: 'few-units' };
  const fit = fitPlatt(chance.map(logit), bought);
  if (!fit || !(fit.a > 0.05)) return { ...base, ...(fit ?? {}), fallback: 'no-slope' };
  const t = 1 / (1 + Math.exp(fit.b / fit.a));
  return { ...base, ...fit, threshold: Math.min(THRESHOLD_RANGE[1], Math.max(THRESHOLD_RANGE[0], t)) };
}

const before = (days: readonly PurchaseDay[], cut: number) => {
  let n = 0;
  while (n < days.length && days[n]!.day < cut) n++;
  return n === days.length ? (days as PurchaseDay[]) : days.slice(0, n);
};
const boughtWithin = (days: readonly PurchaseDay[] | undefined, cut: number, d: number) => days !== undefined && days.some((x) => x.day >= cut && x.day < cut + d);

/** The history as it stood on `cut` (purchase days, products and categories before it; the line counts as they are). */
export function cutHistory(h: CustomerHistory, cut: number): CustomerHistory | undefined {
  const days = before(h.days, cut);
  if (days.length === 0) return undefined;
  const products = new Map<string, PurchaseDay[]>();
  for (const [id, s] of h.products) if (s[0]!.day < cut) products.set(id, before(s, cut));
  const categories = new Map<string, PurchaseDay[]>();
  for (const [id, s] of h.categories) if (s[0]!.day < cut) categories.set(id, before(s, cut));
  return { ...h, days, firstDay: days[0]!.day, lastDay: days[days.length - 1]!.day, products, categories };
}

const fallbackLevel = (fallback: ThresholdFit['fallback']): LevelThresholds => ({
  due: LIKELY,
  dueSoon: LIKELY,
  fits: [DUE_DAYS, DUE_SOON_DAYS].map((days) => ({ days, units: 0, buyers: 0, threshold: LIKELY, fallback })),
});

type Rows = { chance: number[]; bought: boolean[] }[];

/**
 * At the inner cut (DUE_SOON_DAYS before `asOfDay`), on a deterministic sample of at most INNER_SAMPLE
 * customers: each series' raw chance within 14 and 30 days (`fitInner` fits the population at the cut,
 * without a calibration of its own) and whether it bought within them. Series with a gap of their own only.
 */
export function innerRows(histories: readonly CustomerHistory[], asOfDay: number, fitInner: (h: CustomerHistory[], asOfDay: number) => PopulationModel): { customer: Rows; product: Rows } | undefined {
  const cut = asOfDay - DUE_SOON_DAYS;
  const stride = Math.max(1, Math.ceil(histories.length / INNER_SAMPLE));
  const full: CustomerHistory[] = [];
  const cutOnes: CustomerHistory[] = [];
  for (let i = 0; i < histories.length; i += stride) {
    const c = cutHistory(histories[i]!, cut);
    if (c === undefined) continue;
    full.push(histories[i]!);
    cutOnes.push(c);
  }
  if (cutOnes.length < 2 * MIN_EVENTS) return undefined;
  const inner = fitInner(cutOnes, cut);
  const level = () => ({ chance: [] as number[], bought: [] as boolean[] });
  const rows = { customer: [level(), level()], product: [level(), level()] };
  [DUE_DAYS, DUE_SOON_DAYS].forEach((d, k) => {
    for (let i = 0; i < cutOnes.length; i++) {
      const p = predictCustomer(cutOnes[i]!, inner, cut, d);
      if (p.next.purchases >= 2) {
        rows.customer[k]!.chance.push(p.next.probabilityInHorizon ?? 0);
        rows.customer[k]!.bought.push(boughtWithin(full[i]!.days, cut, d));
      }
      for (const product of p.products) {
        if (product.purchases < 2) continue;
        rows.product[k]!.chance.push(product.probabilityInHorizon ?? 0);
        rows.product[k]!.bought.push(boughtWithin(full[i]!.products.get(product.productId), cut, d));
      }
    }
  });
  return rows;
}

/** Learns the thresholds for `asOfDay` from the inner split (innerRows); 0.5 where it is too small. */
export function learnStatusThresholds(histories: readonly CustomerHistory[], asOfDay: number, fitInner: (h: CustomerHistory[], asOfDay: number) => PopulationModel): StatusCalibration {
  const innerAsOfDay = asOfDay - DUE_SOON_DAYS;
  const rows = innerRows(histories, asOfDay, fitInner);
  if (!rows) return { innerAsOfDay, customer: fallbackLevel('few-units'), product: fallbackLevel('few-units') };
  const levelOf = (r: Rows): LevelThresholds => {
    const fits = [DUE_DAYS, DUE_SOON_DAYS].map((d, k) => learnThreshold(d, r[k]!.chance, r[k]!.bought));
    return { due: fits[0]!.threshold, dueSoon: fits[1]!.threshold, fits };
  };
  return { innerAsOfDay, customer: levelOf(rows.customer), product: levelOf(rows.product) };
}
