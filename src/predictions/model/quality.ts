import type { PurchaseDay } from './cadence.ts';
import type { CustomerHistory } from './history.ts';

/**
 * Data-quality flags: signs that a history is not one household's buying. A flagged customer or product
 * is still predicted, with a wider range, and stays out of the population fits so that it does not bend
 * everybody else's priors.
 *
 * - wholesale: the customer's typical line quantity is beyond 99 in 100 of the population's lines;
 * - bulk: one purchase of the product is ten times the customer's usual for it and beyond the product's
 *   99th percentile (a one-off stock-up, or a business order);
 * - burst: at least half of the series' purchase days (3 or more) fall within one week;
 * - short_history: fewer than 3 purchase days, or (customer) less than 4 weeks between first and last;
 * - test_account: configured as a test or internal account;
 * - irregular_data: many same-day copies of a line under different order ids (3+, a fifth of the lines).
 */
export type QualityFlag = 'wholesale' | 'bulk' | 'burst' | 'short_history' | 'test_account' | 'irregular_data';

/** The population's quantities the flags compare with (aggregates only). */
export interface QualityNorms {
  lineQuantityP99: number;
  /** Quantity per purchase day of one product: the 99th percentile over everybody, and per product. */
  dayQuantityP99: number;
  productDayQuantityP99: Record<string, number>;
}

export const DEFAULT_NORMS: QualityNorms = { lineQuantityP99: 24, dayQuantityP99: 24, productDayQuantityP99: {} };
/** Flags that keep a customer (or a pair) out of the population fits; a short history is just young. */
export const ANOMALOUS: ReadonlySet<QualityFlag> = new Set(['wholesale', 'bulk', 'burst', 'test_account', 'irregular_data']);
/** How much a flag widens the predictive spread of a range. */
export const FLAG_WIDENING = 1.5;

const BURST_DAYS = 7;

export function isBurst(days: readonly PurchaseDay[]): boolean {
  if (days.length < 3) return false;
  let best = 0;
  for (let i = 0, j = 0; j < days.length; j++) {
    while (days[j]!.day - days[i]!.day >= BURST_DAYS) i++;
    best = Math.max(best, j - i + 1);
  }
  return best >= 3 && best * 2 >= days.length;
}

export function customerFlags(h: CustomerHistory, norms: QualityNorms, testAccount = false): QualityFlag[] {
  const flags: QualityFlag[] = [];
  if (h.medianLineQuantity > norms.lineQuantityP99) flags.push('wholesale');
  if (isBurst(h.days)) flags.push('burst');
  if (h.days.length < 3 || h.lastDay - h.firstDay < 28) flags.push('short_history');
  if (testAccount) flags.push('test_account');
  if (h.duplicateLines >= 3 && h.duplicateLines * 5 >= h.lines) flags.push('irregular_data');
  return flags;
}

/** A series' day quantities, sorted in place (reused: flagging a series allocates only its flags). */
let sorted = new Float64Array(256);

/** The quantities of the series' days sorted ascending in `sorted` (insertion sort for the usual few). */
function sortQuantities(days: readonly PurchaseDay[]): Float64Array {
  const n = days.length;
  if (sorted.length < n) sorted = new Float64Array(2 * n);
  if (n > 32) {
    for (let i = 0; i < n; i++) sorted[i] = days[i]!.quantity;
    sorted.subarray(0, n).sort();
    return sorted;
  }
  for (let i = 0; i < n; i++) {
    const q = days[i]!.quantity;
    let j = i;
    for (; j > 0 && sorted[j - 1]! > q; j--) sorted[j] = sorted[j - 1]!;
    sorted[j] = q;
  }
  return sorted;
}

export function seriesFlags(days: readonly PurchaseDay[], norms: QualityNorms, productId: string, duplicates = 0): QualityFlag[] {
  const flags: QualityFlag[] = [];
  const p99 = Object.hasOwn(norms.productDayQuantityP99, productId) ? norms.productDayQuantityP99[productId]! : norms.dayQuantityP99;
  // Bulk needs the largest quantity above the 99th percentile: only then is the median (a sort) needed.
  let most = -Infinity;
  for (let i = 0; i < days.length; i++) if (days[i]!.quantity > most) most = days[i]!.quantity;
  if (most > p99) {
    const usual = sortQuantities(days)[days.length >> 1]!;
    if (days.length === 1 || most >= 10 * usual || usual > p99) flags.push('bulk');
  }
  if (isBurst(days)) flags.push('burst');
  if (days.length < 3) flags.push('short_history');
  if (duplicates >= 3 && duplicates * 5 >= days.length) flags.push('irregular_data');
  return flags;
}

export function anomalous(flags: readonly QualityFlag[]): boolean {
  for (let i = 0; i < flags.length; i++) if (ANOMALOUS.has(flags[i]!)) return true;
  return false;
}

/** The norms, from every history (quantiles of a sample of lines and of product purchase days). */
export function qualityNorms(histories: readonly CustomerHistory[]): QualityNorms {
  const lines: number[] = [];
  const byProduct = new Map<string, number[]>();
  const all: number[] = [];
  for (const h of histories) {
    lines.push(h.medianLineQuantity);
    for (const [id, days] of h.products) {
      const list = byProduct.get(id) ?? [];
      for (const d of days) {
        list.push(d.quantity);
        all.push(d.quantity);
      }
      byProduct.set(id, list);
    }
  }
  if (lines.length < 20) return DEFAULT_NORMS;
  const productDayQuantityP99: Record<string, number> = {};
  for (const [id, q] of byProduct) if (q.length >= 50) productDayQuantityP99[id] = quantile(q, 0.99);
  return { lineQuantityP99: quantile(lines, 0.99), dayQuantityP99: all.length > 0 ? quantile(all, 0.99) : DEFAULT_NORMS.dayQuantityP99, productDayQuantityP99 };
}

function quantile(values: number[], p: number): number {
  values.sort((a, b) => a - b);
  return values[Math.min(values.length - 1, Math.floor(p * values.length))]!;
}
