import { bayesianTest } from './bayesian.ts';
import { sequentialTest } from './sequential.ts';
import { addStats, difference, emptyStats, holm, momentsOf, sampleRatioMismatch, welchTest, type MetricKind, type SufficientStats } from './statistics.ts';

/**
 * An experiment phase's results from per-variation sufficient statistics: per metric, each variation's mean
 * and spread, and against the control (variation 0) the relative and absolute lift by the chosen engine;
 * the sample-ratio check against the weights; Holm-adjusted p-values when more than one variation is
 * compared with the control.
 */
export type EngineName = 'frequentist' | 'bayesian' | 'sequential';
export type MetricTypeName = 'conversion' | 'orders' | 'revenue';

export interface VariationSums {
  units: number;
  metrics: Record<string, SufficientStats>;
}

export interface PhaseSums {
  variations: VariationSums[];
  multipleExposures: number;
  otherCurrencyLines: number;
}

export interface Inference {
  estimate: number;
  ci: [number, number];
  pValue?: number;
  pValueAdjusted?: number;
  chanceToWin?: number;
  risk?: number;
  riskOfControl?: number;
}

export interface MetricOutcome {
  type: MetricTypeName;
  windowDays: number;
  units: number;
  mean: number;
  sd: number;
  total: number;
  relativeLift?: Inference;
  absoluteLift?: Inference;
  note?: string;
}

export const kindOf = (type: MetricTypeName): MetricKind => (type === 'conversion' ? 'proportion' : 'mean');

export function emptyPhaseSums(variations: number, metricKeys: readonly string[]): PhaseSums {
  return {
    variations: Array.from({ length: variations }, () => ({ units: 0, metrics: Object.fromEntries(metricKeys.map((k) => [k, emptyStats()])) })),
    multipleExposures: 0,
    otherCurrencyLines: 0,
  };
}

/** Two jurisdictions' sums are the sums of both: what each region computes on its own data adds up. */
export function combinePhaseSums(a: PhaseSums, b: PhaseSums): PhaseSums {
  return {
    variations: a.variations.map((v, i) => {
      const w = b.variations[i];
      if (!w) return v;
      const keys = new Set([...Object.keys(v.metrics), ...Object.keys(w.metrics)]);
      return { units: v.units + w.units, metrics: Object.fromEntries([...keys].map((k) => [k, addStats(v.metrics[k] ?? emptyStats(), w.metrics[k] ?? emptyStats())])) };
    }),
    multipleExposures: a.multipleExposures + b.multipleExposures,
    otherCurrencyLines: a.otherCurrencyLines + b.otherCurrencyLines,
  };
}

function infer(engine: EngineName, a: SufficientStats, b: SufficientStats, kind: MetricKind, relative: boolean): Inference | undefined {
  const d = difference(momentsOf(a, kind), momentsOf(b, kind), relative);
  if (!d) return undefined;
  if (engine === 'bayesian') return bayesianTest(d);
  return engine === 'sequential' ? sequentialTest(d, a.n + b.n) : welchTest(d);
}

export interface AnalysisInput {
  sums: PhaseSums;
  weights: readonly number[];
  metrics: readonly { key: string; type: MetricTypeName; windowDays: number }[];
  engine: EngineName;
}

export interface Analysis {
  variations: { units: number; metrics: Record<string, MetricOutcome> }[];
  srm: { pValue: number; flagged: boolean };
}

export function analyse({ sums, weights, metrics, engine }: AnalysisInput): Analysis {
  const control = sums.variations[0];
  const variations = sums.variations.map((v) => ({ units: v.units, metrics: {} as Record<string, MetricOutcome> }));
  for (const metric of metrics) {
    const kind = kindOf(metric.type);
    const base = control?.metrics[metric.key] ?? emptyStats();
    sums.variations.forEach((v, i) => {
      const s = v.metrics[metric.key] ?? emptyStats();
      const m = momentsOf(s, kind);
      const outcome: MetricOutcome = { type: metric.type, windowDays: metric.windowDays, units: s.n, mean: m.mean, sd: Math.sqrt(m.variance), total: s.sum };
      if (i > 0) {
        const relative = infer(engine, base, s, kind, true);
        const absolute = infer(engine, base, s, kind, false);
        if (relative) outcome.relativeLift = relative;
        if (absolute) outcome.absoluteLift = absolute;
        if (!relative || !absolute) outcome.note = noteFor(base, s, kind);
      }
      variations[i]!.metrics[metric.key] = outcome;
    });
    if (engine !== 'bayesian' && sums.variations.length > 2) adjust(variations.slice(1).map((v) => v.metrics[metric.key]!));
  }
  return { variations, srm: sampleRatioMismatch(sums.variations.map((v) => v.units), weights) };
}

function noteFor(a: SufficientStats, b: SufficientStats, kind: MetricKind): string {
  if (a.n < 2 || b.n < 2) return 'fewer than two units in an arm';
  if (momentsOf(a, kind).mean === 0) return 'the control mean is zero: no relative lift';
  return 'no variance yet';
}

/** Holm's adjustment of each lift's p-values across the variations compared with the control. */
function adjust(outcomes: MetricOutcome[]): void {
  for (const which of ['relativeLift', 'absoluteLift'] as const) {
    const tested = outcomes.filter((o) => o[which]?.pValue !== undefined);
    const adjusted = holm(tested.map((o) => o[which]!.pValue!));
    tested.forEach((o, i) => (o[which]!.pValueAdjusted = adjusted[i]!));
  }
}
