import type { PurchaseDay } from './cadence.ts';

/**
 * What the stacked odds (odds.ts) add to BG/NBD beyond frequency and recency (decision 136): how regular
 * the customer's timing is (the coefficient of variation of their gaps, as in Pareto/GGG, Platzer &
 * Reutterer 2016) and how broadly they buy (distinct products). Both loop over numbers and allocate
 * nothing: they run on the per-customer path.
 */

/** The coefficient of variation of the gaps between the purchase days before `beforeDay`; NaN under two gaps. */
export function gapVariation(days: readonly PurchaseDay[], beforeDay = Number.POSITIVE_INFINITY): number {
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  for (let i = 1; i < days.length && days[i]!.day < beforeDay; i++) {
    const g = days[i]!.day - days[i - 1]!.day;
    n++;
    sum += g;
    sumSq += g * g;
  }
  if (n < 2) return Number.NaN;
  const mean = sum / n;
  const variance = Math.max(0, (sumSq - n * mean * mean) / (n - 1));
  return Math.sqrt(variance) / mean;
}

/** Distinct products first bought before `beforeDay`, from each product's first purchase day. */
export function productsBefore(firstDays: readonly number[], beforeDay: number): number {
  let n = 0;
  for (let i = 0; i < firstDays.length; i++) if (firstDays[i]! < beforeDay) n++;
  return n;
}
