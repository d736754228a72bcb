/** The load suite's arithmetic, kept pure so that test/load/ can check it: percentiles, steps, verdicts. */

export interface Template {
  /** Which part of the mix (predictions, segment, recommendations, variant, purchase). */
  kind: string;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  /** `{n}` is replaced by a number unique in the run (order ids). */
  body?: string;
}

export interface GeneratorSpec {
  url: string;
  runId: string;
  rate: number;
  seconds: number;
  /** Sent at the same rate first, not counted. */
  warmSeconds: number;
  connections: number;
  timeoutMs: number;
  /** Per-window figures over time (soak), in windows of this many seconds. */
  windowSeconds: number;
  requests: Template[];
}

export interface Figures {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Answers that were not 2xx, and requests that got no answer. */
  errors: number;
  fiveXX: number;
}

export interface GeneratorResult extends Figures {
  rate: number;
  seconds: number;
  /** Answers per second actually completed in the measured part. */
  achieved: number;
  statuses: Record<string, number>;
  /** Requests with no answer, by cause (ECONNRESET, timeout, …). */
  failures: Record<string, number>;
  byKind: Record<string, Figures>;
  /** Everything but the writes (WRITE_KINDS): the storefront's own reads. */
  reads: Figures;
  windows: ({ t: number } & Figures)[];
}

/** The parts of the mix that are writes (the shop's purchase feed). */
export const WRITE_KINDS: readonly string[] = ['purchase'];

export interface Sample {
  /** When it was due, ms after the run started. */
  due: number;
  kind: string;
  latencyMs: number;
  /** 0: no answer (connection error or timeout). */
  status: number;
  /** Why there was no answer (the error's code or message). */
  cause?: string;
}

/** Nearest-rank percentile of an ascending list (0 for an empty one). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function figures(samples: readonly Sample[]): Figures {
  const sorted = samples.map((s) => s.latencyMs).sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    count: samples.length,
    p50Ms: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted.at(-1) ?? 0),
    errors: samples.filter((s) => s.status < 200 || s.status > 299).length,
    fiveXX: samples.filter((s) => s.status >= 500).length,
  };
}

export function summarize(spec: Pick<GeneratorSpec, 'rate' | 'seconds' | 'windowSeconds'>, samples: readonly Sample[]): GeneratorResult {
  const statuses: Record<string, number> = {};
  const failures: Record<string, number> = {};
  const kinds = new Map<string, Sample[]>();
  const windows = new Map<number, Sample[]>();
  for (const s of samples) {
    statuses[String(s.status)] = (statuses[String(s.status)] ?? 0) + 1;
    if (s.cause) failures[s.cause] = (failures[s.cause] ?? 0) + 1;
    if (!kinds.has(s.kind)) kinds.set(s.kind, []);
    kinds.get(s.kind)!.push(s);
    const w = Math.floor(s.due / 1000 / spec.windowSeconds) * spec.windowSeconds;
    if (!windows.has(w)) windows.set(w, []);
    windows.get(w)!.push(s);
  }
  const ok = samples.filter((s) => s.status >= 200 && s.status < 300).length;
  return {
    rate: spec.rate,
    seconds: spec.seconds,
    achieved: Math.round(ok / spec.seconds),
    ...figures(samples),
    statuses,
    failures,
    byKind: Object.fromEntries([...kinds].map(([k, v]) => [k, figures(v)])),
    reads: figures(samples.filter((s) => !WRITE_KINDS.includes(s.kind))),
    windows: [...windows].sort((a, b) => a[0] - b[0]).map(([t, v]) => ({ t, ...figures(v) })),
  };
}

/** The rising rates of the capacity run: `start`, then each `factor` times the last, up to `max`. */
export function rateSteps(start: number, factor: number, max: number): number[] {
  const out: number[] = [];
  for (let r = start; r <= max; r = Math.round(r * factor)) out.push(r);
  return out;
}

/** A step passes when its p99 is under the goal and nothing failed. */
export const passes = (step: Figures, p99GoalMs: number) => step.count > 0 && step.errors === 0 && step.p99Ms < p99GoalMs;

/** The capacity: the highest passing rate below the first failing one (0 when the first fails). */
export function capacity(steps: readonly (Figures & { rate: number })[], p99GoalMs: number): number {
  let best = 0;
  for (const s of steps) {
    if (!passes(s, p99GoalMs)) break;
    best = s.rate;
  }
  return best;
}

/**
 * RSS growth over a soak: the median of the last third of the samples taken after the warm-up against the
 * median of the first third, as a fraction. Thirds and medians, not single samples: V8's heap grows in a
 * sawtooth (a major GC drops it by a third), and comparing a trough with a peak would read as growth or
 * shrinkage that is not there; a leak moves the whole last third up.
 */
export function rssGrowth(samples: readonly { t: number; rssKb: number }[], warmupS: number): number {
  const kept = samples.filter((s) => s.t >= warmupS).map((s) => s.rssKb);
  if (kept.length < 3) return 0;
  const third = Math.floor(kept.length / 3);
  const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
  return median(kept.slice(-third)) / median(kept.slice(0, third)) - 1;
}
