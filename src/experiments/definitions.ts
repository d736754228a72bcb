import { Problem } from '../http/problem.ts';
import { equalWeights } from './model/assignment.ts';
import { DEFAULT_WINDOW_DAYS, type Experiment, type ExperimentInput, type MetricSpec } from './experiments.schemas.ts';

/**
 * What a PUT may do to an experiment. Definitions are checked beyond their schema (weights, unique keys,
 * metrics), and once an experiment has run in a phase, what decides who sees what (variations, weights,
 * seed, coverage, namespace) changes only by starting the next phase: results are per phase.
 */
const WEIGHT_TOLERANCE = 1e-6;

const bad = (code: string, title: string, extra: Record<string, unknown> = {}) => new Problem(400, code, title, extra);

function checkInput(input: ExperimentInput): void {
  const keys = input.variations.map((v) => v.key);
  const duplicate = keys.find((k, i) => keys.indexOf(k) !== i);
  if (duplicate) throw bad('experiments.duplicateVariationKey', `Variation key "${duplicate}" is used twice`, { key: duplicate });
  if (input.weights) {
    const total = input.weights.reduce((s, w) => s + w, 0);
    if (input.weights.length !== input.variations.length) throw bad('experiments.invalidWeights', 'Give one weight per variation', { weights: input.weights.length, variations: input.variations.length });
    if (Math.abs(total - 1) > WEIGHT_TOLERANCE) throw bad('experiments.invalidWeights', 'Weights must sum to 1', { sum: total });
  }
  const metricKeys = (input.metrics ?? []).map((m) => m.key);
  const dupMetric = metricKeys.find((k, i) => metricKeys.indexOf(k) !== i);
  if (dupMetric) throw bad('experiments.duplicateMetricKey', `Metric key "${dupMetric}" is used twice`, { key: dupMetric });
  if (input.primaryMetric && input.metrics && !metricKeys.includes(input.primaryMetric)) throw bad('experiments.unknownMetric', `No metric "${input.primaryMetric}"`);
  if ((input.metrics ?? []).some((m) => m.type === 'revenue') && !input.currency) throw bad('experiments.currencyRequired', 'A revenue metric needs the experiment\'s reporting currency (`currency`)');
  for (const [unit, variation] of Object.entries(input.forcedVariations ?? {})) {
    if (!keys.includes(variation)) throw bad('experiments.unknownVariation', `forcedVariations names no variation "${variation}"`, { unit });
  }
}

export function defaultMetrics(currency: string | undefined): MetricSpec[] {
  return [
    { key: 'conversion', type: 'conversion', windowDays: DEFAULT_WINDOW_DAYS },
    { key: 'orders', type: 'orders', windowDays: DEFAULT_WINDOW_DAYS },
    ...(currency ? [{ key: 'revenue', type: 'revenue' as const, windowDays: DEFAULT_WINDOW_DAYS }] : []),
  ];
}

/** The fields that decide which unit gets which variation. */
const assignmentOf = (e: Pick<Experiment, 'variations' | 'weights' | 'seed' | 'coverage' | 'namespace'>) =>
  JSON.stringify([e.variations.map((v) => [v.key, v.value ?? null]), e.weights, e.seed, e.coverage, e.namespace ?? null]);

const conflict = (code: string, title: string, extra: Record<string, unknown> = {}) => new Problem(409, code, title, extra);

/** The definition a PUT stores, from the request and what is stored (or a 400/409 that changes nothing). */
export function nextDefinition(key: string, input: ExperimentInput, existing: Experiment | undefined, now: string): Experiment {
  checkInput(input);
  const current = existing?.phase ?? 1;
  const phase = input.phase ?? current;
  if (phase !== current && phase !== current + 1) throw conflict('experiments.phaseMismatch', `The experiment is in phase ${current}: send ${current} or ${current + 1}`, { phase: current });
  const newPhase = existing !== undefined && phase === current + 1;
  const metrics = input.metrics ? input.metrics.map((m) => ({ ...m })) : defaultMetrics(input.currency);
  const next: Experiment = {
    key,
    name: input.name,
    ...(input.hypothesis ? { hypothesis: input.hypothesis } : {}),
    variations: input.variations,
    weights: input.weights ?? equalWeights(input.variations.length),
    coverage: input.coverage,
    seed: input.seed ?? key,
    hashAttribute: 'id',
    hashVersion: 2,
    ...(input.namespace ? { namespace: input.namespace } : {}),
    status: input.status,
    ...(input.targeting ? { targeting: input.targeting } : {}),
    metrics,
    primaryMetric: input.primaryMetric ?? metrics[0]!.key,
    ...(input.currency ? { currency: input.currency } : {}),
    ...(input.surface ? { surface: input.surface } : {}),
    ...(input.forcedVariations ? { forcedVariations: input.forcedVariations } : {}),
    phase,
    phases: existing?.phases.filter((p) => p.phase < phase) ?? [],
    version: (existing?.version ?? 0) + 1,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  const hasRun = existing !== undefined && !newPhase && existing.status !== 'draft';
  if (hasRun && assignmentOf(existing) !== assignmentOf(next)) {
    throw conflict('experiments.runningImmutable', `Variations, weights, seed, coverage and namespace cannot change once phase ${current} has run; send "phase": ${current + 1} to start a new phase`, { phase: current });
  }
  if (hasRun && next.status === 'draft') throw conflict('experiments.invalidTransition', 'An experiment that has run cannot go back to draft; start a new phase instead');
  const before = newPhase ? undefined : existing?.phases.find((p) => p.phase === phase);
  const startedAt = before?.startedAt ?? (next.status === 'draft' ? undefined : now);
  next.phases.push({ phase, variations: next.variations.map((v) => ({ key: v.key, ...(v.name ? { name: v.name } : {}) })), weights: next.weights, coverage: next.coverage, ...(startedAt ? { startedAt } : {}) });
  return next;
}
