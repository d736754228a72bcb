import type { CustomerPrediction } from '../../predictions/model/customer.ts';
import type { OwnProduct } from './types.ts';

/** The customer's own consumables with their cadence, from the predictions (durables have none). */
export function ownProducts(prediction: Pick<CustomerPrediction, 'products'>): OwnProduct[] {
  return prediction.products.map((p) => ({
    productId: p.productId,
    purchases: p.purchases,
    lastDay: p.lastDay,
    typicalGapDays: p.typicalGapDays,
    nextDay: p.nextDay,
    lowDay: p.lowDay,
    highDay: p.highDay,
    probabilityActive: p.probabilityActive,
    status: p.status,
  }));
}

/**
 * How long a served list lives: it is recomputed when purchases arrive and daily, so three days is a safe
 * bound. (A list that is not recomputed lives longer: offline, for the whole window it is judged on.)
 */
export const LIST_HORIZON_DAYS = 3;

/**
 * "Just bought": bought within its own interval, and not yet due: even the early end of its predicted
 * next purchase (the 10th percentile; fewer than 1 in 10 come sooner) lies beyond the list's life
 * (`listDays`). Such a
 * product is never recommended; it comes back when it is due (lists are recomputed when purchases arrive
 * and daily). An irregular series whose early end is near is not "not yet due": its buyer often needs it.
 */
export const justBought = (p: OwnProduct, asOfDay: number, listDays = LIST_HORIZON_DAYS) =>
  asOfDay - p.lastDay < p.typicalGapDays && p.lowDay > asOfDay + listDays;

/**
 * The probability that the customer buys the product within `horizonDays` of `asOfDay`: the predicted
 * next-purchase distribution (its 10th, 50th and 90th percentiles, already conditional on no purchase
 * before `asOfDay`), read as a piecewise-linear distribution function, times the chance the series goes on.
 */
export function dueProbability(p: OwnProduct, asOfDay: number, horizonDays: number): number {
  const x = asOfDay + horizonDays;
  const points: [number, number][] = [
    [asOfDay - 1, 0],
    [Math.max(p.lowDay, asOfDay), 0.1],
    [Math.max(p.nextDay, p.lowDay, asOfDay), 0.5],
    [Math.max(p.highDay, p.nextDay, asOfDay), 0.9],
  ];
  const last = points[3]![0];
  points.push([last + Math.max(1, last - points[2]![0]), 1]);
  let f = 1;
  for (let i = 1; i < points.length; i++) {
    const [x1, y1] = points[i]!;
    const [x0, y0] = points[i - 1]!;
    if (x <= x1) {
      f = x1 > x0 ? y0 + ((y1 - y0) * (x - x0)) / (x1 - x0) : y1;
      break;
    }
  }
  return Math.min(1, Math.max(0, f)) * p.probabilityActive;
}

/** "due in 2 days", "due today", "overdue by 5 days", "usually every 30 days, last bought 45 days ago". */
export function dueEvidence(p: OwnProduct, asOfDay: number): string {
  const elapsed = asOfDay - p.lastDay;
  const gap = Math.round(p.typicalGapDays);
  if (p.status === 'overdue') return `overdue by ${Math.max(1, Math.round(elapsed - p.typicalGapDays))} days (usually every ${gap} days)`;
  if (p.status === 'lapsed') return `bought ${p.purchases} ${p.purchases === 1 ? 'time' : 'times'}, last ${elapsed} days ago`;
  const inDays = p.nextDay - asOfDay;
  if (inDays <= 0) return `due today (usually every ${gap} days)`;
  if (p.status === 'due' || p.status === 'due_soon') return `due in ${inDays} ${inDays === 1 ? 'day' : 'days'}`;
  return `usually every ${gap} days, last bought ${elapsed} days ago`;
}
