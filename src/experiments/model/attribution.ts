import { emptyPhaseSums, type MetricTypeName, type PhaseSums } from './results.ts';

/**
 * Which purchases count for an exposed unit, and its value for each metric. A purchase counts when it was
 * made after the unit's first exposure and within the metric's window; revenue counts only lines in the
 * experiment's reporting currency (amounts in different currencies are never added or converted).
 */
export interface AttributedLine {
  orderId: string;
  purchasedAt: string;
  amount: number;
  currency: string;
}

export interface MetricDef {
  key: string;
  type: MetricTypeName;
  windowDays: number;
}

const DAY_MS = 86_400_000;

export function inWindow(exposedAt: string, purchasedAt: string, windowDays: number): boolean {
  const t = Date.parse(purchasedAt);
  const start = Date.parse(exposedAt);
  return t > start && t <= start + windowDays * DAY_MS;
}

/** The unit's value per metric, and how many of its counted lines were in another currency. */
export function metricValues(exposedAt: string, lines: readonly AttributedLine[], metrics: readonly MetricDef[], currency: string | undefined) {
  const values: Record<string, number> = {};
  let otherCurrencyLines = 0;
  const maxWindow = Math.max(0, ...metrics.map((m) => m.windowDays));
  for (const l of lines) if (inWindow(exposedAt, l.purchasedAt, maxWindow) && l.currency !== currency && metrics.some((m) => m.type === 'revenue')) otherCurrencyLines++;
  for (const m of metrics) {
    const counted = lines.filter((l) => inWindow(exposedAt, l.purchasedAt, m.windowDays));
    if (m.type === 'conversion') values[m.key] = counted.length > 0 ? 1 : 0;
    else if (m.type === 'orders') values[m.key] = new Set(counted.map((l) => l.orderId)).size;
    // Cents are summed as integers so that Σx and Σx² do not collect binary rounding.
    else values[m.key] = counted.filter((l) => l.currency === currency).reduce((s, l) => s + Math.round(l.amount * 100), 0) / 100;
  }
  return { values, otherCurrencyLines };
}

/** Adds exposed units one by one into per-variation sufficient statistics. */
export class PhaseAccumulator {
  private readonly sums: PhaseSums;

  constructor(
    variations: number,
    private readonly metrics: readonly MetricDef[],
    private readonly currency: string | undefined,
  ) {
    this.sums = emptyPhaseSums(variations, metrics.map((m) => m.key));
  }

  /** A unit seen in more than one variation is counted as such and left out of every figure. */
  add(unit: { variationId: number; exposedAt: string; crossed?: readonly number[] }, lines: readonly AttributedLine[]): void {
    const v = this.sums.variations[unit.variationId];
    if (!v) return;
    if ((unit.crossed ?? []).some((x) => x !== unit.variationId)) {
      this.sums.multipleExposures++;
      return;
    }
    const { values, otherCurrencyLines } = metricValues(unit.exposedAt, lines, this.metrics, this.currency);
    v.units++;
    this.sums.otherCurrencyLines += otherCurrencyLines;
    for (const [key, x] of Object.entries(values)) {
      const s = v.metrics[key]!;
      s.n++;
      s.sum += x;
      s.sumSquares += x * x;
    }
  }

  result(): PhaseSums {
    return this.sums;
  }
}
