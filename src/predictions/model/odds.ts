/**
 * The probability that a customer buys within a horizon, stacked: a logistic regression over what the
 * models already say (BG/NBD's probability, the renewal model's, the frequency and the quiet time),
 * whose weights are learned by an inner time split inside the training window (calibration.ts). BG/NBD
 * alone assumes Poisson timing; the stack lets the population say how much regularity and recency add.
 */
export interface OddsInputs {
  /** BG/NBD's probability of a purchase within the horizon. */
  bgnbd: number;
  /** The renewal (cadence) model's probability of a purchase within the horizon. */
  renewal: number;
  /** Repeat purchase days, BG/NBD's x. */
  repeats: number;
  /** Days since the last purchase, and the customer's typical gap. */
  elapsedDays: number;
  typicalGapDays: number;
  /** Weeks from the first purchase to the as-of day (BG/NBD's T). */
  ageWeeks: number;
  /** Distinct products bought (0 where the data has none), and the gaps' coefficient of variation (NaN under two gaps). */
  products: number;
  gapVariation: number;
}

/**
 * Intercept, BG/NBD, renewal, frequency, quiet time against the gap, rate, quiet time, then (decision 136)
 * breadth, breadth per purchase day, timing regularity and whether it is known. A stored model with the
 * first seven weights only (before decision 136) reads the later ones as 0.
 */
export const ODDS_FEATURES = 11;

const logit = (p: number) => {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(q / (1 - q));
};

/** The feature vector, intercept first; the same function serves learning and prediction. */
export function oddsFeatures(i: OddsInputs, out: number[] = new Array<number>(ODDS_FEATURES)): number[] {
  return featuresOf(out, i.bgnbd, i.renewal, i.repeats, i.elapsedDays, i.typicalGapDays, i.ageWeeks, i.products, i.gapVariation);
}

function featuresOf(out: number[], bgnbd: number, renewal: number, repeats: number, elapsedDays: number, typicalGapDays: number, ageWeeks: number, products: number, gapVariation: number): number[] {
  out[0] = 1;
  out[1] = logit(bgnbd);
  out[2] = logit(renewal);
  out[3] = Math.log1p(repeats);
  out[4] = Math.log1p(elapsedDays / Math.max(1, typicalGapDays));
  out[5] = Math.log((repeats + 1) / (ageWeeks + 1));
  out[6] = Math.log1p(elapsedDays);
  out[7] = Math.log1p(products);
  out[8] = Math.log1p(products / (repeats + 1));
  const regular = Number.isFinite(gapVariation);
  out[9] = regular ? gapVariation : 0;
  out[10] = regular ? 1 : 0;
  return out;
}

const scratch = new Array<number>(ODDS_FEATURES).fill(0);

export function stackedProbability(weights: readonly number[], i: OddsInputs): number {
  return stackedProbabilityOf(weights, i.bgnbd, i.renewal, i.repeats, i.elapsedDays, i.typicalGapDays, i.ageWeeks, i.products, i.gapVariation);
}

/** stackedProbability with the inputs as numbers (the per-customer path builds no OddsInputs). */
export function stackedProbabilityOf(weights: readonly number[], bgnbd: number, renewal: number, repeats: number, elapsedDays: number, typicalGapDays: number, ageWeeks: number, products: number, gapVariation: number): number {
  const x = featuresOf(scratch, bgnbd, renewal, repeats, elapsedDays, typicalGapDays, ageWeeks, products, gapVariation);
  const n = Math.min(ODDS_FEATURES, weights.length);
  let z = 0;
  for (let k = 0; k < n; k++) z += weights[k]! * x[k]!;
  return 1 / (1 + Math.exp(-z));
}

/**
 * Ridge-penalised logistic regression by Newton's method (11 weights: a few iterations). The penalty
 * (not on the intercept) keeps the weights finite when a feature separates the classes.
 */
export function fitLogistic(rows: readonly number[][], outcome: readonly boolean[], ridge = 1): number[] | undefined {
  const n = ODDS_FEATURES;
  const positives = outcome.filter(Boolean).length;
  if (positives < 10 || outcome.length - positives < 10) return undefined;
  const w = new Array<number>(n).fill(0);
  for (let iteration = 0; iteration < 50; iteration++) {
    const g = new Array<number>(n).fill(0);
    const h = Array.from({ length: n }, () => new Array<number>(n + 1).fill(0));
    rows.forEach((x, r) => {
      let z = 0;
      for (let k = 0; k < n; k++) z += w[k]! * x[k]!;
      const p = 1 / (1 + Math.exp(-z));
      const d = p - (outcome[r] ? 1 : 0);
      const v = p * (1 - p);
      for (let a = 0; a < n; a++) {
        g[a] = g[a]! + d * x[a]!;
        const row = h[a]!;
        for (let b = 0; b < n; b++) row[b] = row[b]! + v * x[a]! * x[b]!;
      }
    });
    for (let a = 1; a < n; a++) {
      g[a] = g[a]! + ridge * w[a]!;
      h[a]![a] = h[a]![a]! + ridge;
    }
    for (let a = 0; a < n; a++) h[a]![n] = g[a]!;
    const step = solve(h);
    if (!step) return undefined;
    let change = 0;
    for (let a = 0; a < n; a++) {
      w[a] = w[a]! - step[a]!;
      change = Math.max(change, Math.abs(step[a]!));
    }
    if (change < 1e-8) break;
  }
  return w.every(Number.isFinite) ? w : undefined;
}

/** Gauss-Jordan elimination with partial pivoting on an augmented matrix [A | b]. */
function solve(m: number[][]): number[] | undefined {
  const n = m.length;
  for (let i = 0; i < n; i++) {
    let pivot = i;
    for (let k = i + 1; k < n; k++) if (Math.abs(m[k]![i]!) > Math.abs(m[pivot]![i]!)) pivot = k;
    [m[i], m[pivot]] = [m[pivot]!, m[i]!];
    if (Math.abs(m[i]![i]!) < 1e-12) return undefined;
    for (let k = 0; k < n; k++) {
      if (k === i) continue;
      const f = m[k]![i]! / m[i]![i]!;
      const row = m[k]!;
      for (let j = i; j <= n; j++) row[j] = row[j]! - f * m[i]![j]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}
