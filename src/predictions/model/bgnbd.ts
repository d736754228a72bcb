/**
 * BG/NBD model (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way"): purchases follow a Poisson
 * process with a gamma(r, alpha)-distributed rate; after each purchase a customer drops out with a
 * beta(a, b)-distributed probability.
 */
import betaln from '@stdlib/math-base-special-betaln';
import gammaln from '@stdlib/math-base-special-gammaln';
import stdlibHyp2f1 from '@stdlib/math-base-special-hyp2f1';
import { nelderMead } from './optimize.ts';

export interface BgNbdParams { r: number; alpha: number; a: number; b: number }
/** One customer's summary in the model's time unit: x = repeat purchases (distinct purchase periods after the first), tx = time of last purchase since first, T = time from first purchase to the end of calibration. */
export interface RfmSummary { x: number; tx: number; T: number }

export type BgNbdFit = BgNbdParams & { logLikelihood: number; iterations: number; converged: boolean };

const validSummary = (x: number, tx: number, T: number): boolean =>
  Number.isInteger(x) && x >= 0 && Number.isFinite(tx) && Number.isFinite(T) && tx >= 0 && T >= tx && (x > 0 || tx === 0);
const isValidSummary = (s: RfmSummary): boolean => validSummary(s.x, s.tx, s.T);
const positive = (v: number) => Number.isFinite(v) && v > 0;

/** Throws unless every parameter is a positive finite number (checked once per customer by the fast path). */
export function assertParams(p: BgNbdParams): void {
  if (!(positive(p.r) && positive(p.alpha) && positive(p.a) && positive(p.b))) {
    throw new Error(`BG/NBD parameters must be positive finite numbers, got ${JSON.stringify(p)}`);
  }
}

/** Throws unless (x, tx, T) is a valid summary. */
export function assertSummaryOf(x: number, tx: number, T: number): void {
  if (!validSummary(x, tx, T)) throw new Error(`Invalid RFM summary ${JSON.stringify({ x, tx, T })}: need integer x >= 0, 0 <= tx <= T, tx = 0 when x = 0`);
}
const assertSummary = (s: RfmSummary) => assertSummaryOf(s.x, s.tx, s.T);

function assertTime(name: string, t: number): void {
  if (!(Number.isFinite(t) && t >= 0)) throw new Error(`${name}: t must be a finite number >= 0, got ${t}`);
}

/** |log parameter| beyond which a fit has left the space of useful answers (parameters past 1e6 or under 1e-6). */
const EDGE = Math.log(1e6);

const logAddExp = (u: number, v: number): number => {
  const m = Math.max(u, v);
  return m === Number.NEGATIVE_INFINITY ? m : m + Math.log(Math.exp(u - m) + Math.exp(v - m));
};

/** Equation (6), in logs: the two terms are "still alive at T" and "dropped out right after the last purchase". */
export function bgnbdLogLikelihood(p: BgNbdParams, s: RfmSummary): number {
  assertParams(p);
  assertSummary(s);
  return logLikelihoodUnchecked(p, s);
}

function logLikelihoodUnchecked({ r, alpha, a, b }: BgNbdParams, { x, tx, T }: RfmSummary): number {
  const base = gammaln(r + x) - gammaln(r) + r * Math.log(alpha) + betaln(a, b + x) - betaln(a, b);
  const alive = -(r + x) * Math.log(alpha + T);
  if (x === 0) return base + alive;
  const dropped = Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx);
  return base + logAddExp(alive, dropped);
}

/**
 * Odds of "dropped out after the last purchase" against "alive"; zero when there was no repeat purchase to
 * drop after. P(alive) is 1 / (1 + odds), and every conditional figure below is divided by it. The *Of
 * functions take the summary as numbers and check nothing: the per-customer path validates once.
 */
export function deadOddsOf({ r, alpha, a, b }: BgNbdParams, x: number, tx: number, T: number): number {
  if (x === 0) return 0;
  return (a / (b + x - 1)) * Math.exp((r + x) * (Math.log(alpha + T) - Math.log(alpha + tx)));
}
const deadOdds = (p: BgNbdParams, s: RfmSummary) => deadOddsOf(p, s.x, s.tx, s.T);

/**
 * Maximum likelihood fit over log-parameters. Identical (x, tx, T) rows are collapsed with weights. The objective is
 * the mean negative log-likelihood (so tolerances do not depend on the population size) plus an optional L2 penalty
 * on the parameters, as in the lifetimes package; a second Nelder-Mead run from the first optimum guards against
 * the simplex stalling on the ridge between alpha and r.
 */
export function fitBgNbd(
  data: readonly RfmSummary[],
  options: { maxIterations?: number; penalizer?: number } = {},
): BgNbdFit {
  // Rows grouped by x, then by (tx, T): the gamma/beta-function part of the likelihood depends only on x, so it is
  // computed once per distinct x per evaluation instead of once per customer.
  const byX = new Map<number, { weight: number; rows: Map<string, { tx: number; T: number; w: number }> }>();
  for (const s of data) {
    if (!isValidSummary(s)) continue;
    let group = byX.get(s.x);
    if (!group) byX.set(s.x, (group = { weight: 0, rows: new Map() }));
    group.weight++;
    const key = `${s.tx}|${s.T}`;
    const row = group.rows.get(key);
    if (row) row.w++;
    else group.rows.set(key, { tx: s.tx, T: s.T, w: 1 });
  }
  if (byX.size === 0) throw new Error('fitBgNbd: no valid (x, tx, T) rows to fit');
  if (![...byX.keys()].some((x) => x > 0)) throw new Error('fitBgNbd: needs at least one customer with a repeat purchase');
  const groups = [...byX.entries()].map(([x, g]) => ({ x, weight: g.weight, rows: [...g.rows.values()] }));
  const total = groups.reduce((acc, g) => acc + g.weight, 0);
  const penalizer = options.penalizer ?? 0;
  const maxIterations = options.maxIterations ?? 2000;

  const toParams = (z: readonly number[]): BgNbdParams => ({
    r: Math.exp(z[0] as number), alpha: Math.exp(z[1] as number), a: Math.exp(z[2] as number), b: Math.exp(z[3] as number),
  });
  const sumLL = ({ r, alpha, a, b }: BgNbdParams): number => {
    let ll = 0;
    const common = -gammaln(r) + r * Math.log(alpha) - betaln(a, b);
    for (const { x, weight, rows } of groups) {
      ll += weight * (common + gammaln(r + x) + betaln(a, b + x));
      const k = r + x;
      if (x === 0) {
        for (const { T, w } of rows) ll -= w * k * Math.log(alpha + T);
        continue;
      }
      const logDropAfter = Math.log(a) - Math.log(b + x - 1);
      for (const { tx, T, w } of rows) {
        // log(e^alive + e^dropped) with alive = -k log(alpha + T), dropped = logDropAfter - k log(alpha + tx).
        const alive = -k * Math.log(alpha + T);
        const d = logDropAfter - k * Math.log(alpha + tx) - alive;
        ll += w * (d > 0 ? alive + d + Math.log1p(Math.exp(-d)) : alive + Math.log1p(Math.exp(d)));
      }
    }
    return ll;
  };
  const objective = (z: readonly number[]): number => {
    const p = toParams(z);
    return -sumLL(p) / total + penalizer * (p.r ** 2 + p.alpha ** 2 + p.a ** 2 + p.b ** 2);
  };

  // A run whose parameters pass 1e6 (or 1e-6) is heading to the edge of the space (nobody dropped out yet,
  // say): nothing there is an answer, so it stops instead of walking on to the iteration cap.
  const abandon = (z: readonly number[]) => z.some((v) => Math.abs(v) > EDGE);
  const first = nelderMead(objective, [0, 0, 0, 0], { maxIterations, initialStep: 0.5, abandon });
  const polish = Math.abs(Math.max(...first.x.map(Math.abs))) > EDGE ? first : nelderMead(objective, first.x, { maxIterations, initialStep: 0.05, abandon });
  const best = polish.fx <= first.fx ? polish : first;
  const params = toParams(best.x);
  return {
    ...params,
    logLikelihood: sumLL(params),
    iterations: first.iterations + polish.iterations,
    converged: first.converged && polish.converged,
  };
}

/** P(alive at T | x, tx, T). */
export function probabilityAlive(p: BgNbdParams, s: RfmSummary): number {
  assertParams(p);
  assertSummary(s);
  return 1 / (1 + deadOdds(p, s));
}

/**
 * Gauss's 2F1(a, b; c; z) for the arguments BG/NBD gives it (a, b, c > 0, 0 <= z < 1): every term of the
 * power series is positive, so summing it is exact to rounding; for z up to 0.6 it converges in tens of
 * terms, 20x cheaper than the general routine, which serves the rest (and any series that has not settled
 * after 300 terms).
 */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  if (!(z >= 0 && z <= 0.6 && a > 0 && b > 0 && c > 0)) return stdlibHyp2f1(a, b, c, z);
  let term = 1;
  let sum = 1;
  for (let n = 0; n < 300; n++) {
    term *= ((a + n) * (b + n) * z) / ((c + n) * (n + 1));
    sum += term;
    if (term < sum * 1e-16) return sum;
  }
  return stdlibHyp2f1(a, b, c, z);
}

/** ((a+b+x-1)/(a-1)) (1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))), singular at a = 1. */
function bracketAt(a: number, r: number, alpha: number, b: number, x: number, T: number, t: number): number {
  const z = t / (alpha + T + t);
  return ((a + b + x - 1) / (a - 1)) * (1 - Math.exp((r + x) * Math.log1p(-z)) * hyp2f1(r + x, b + x, a + b + x - 1, z));
}

/**
 * bracketAt by Euler's transformation (decision 140): (1-z)^(r+x) 2F1(r+x, b+x; c; z) = (1-z)^(a-1) 2F1(a+b-1-r, a-1; c; z),
 * c = a+b+x-1. Past its first term the new series carries a-1, which cancels the 1/(a-1): what is left, G, is
 * all-positive for a+b-1-r > 0 and settles in a few terms, not tens. Elsewhere (and for z > 0.6) the original.
 */
function bracketOf(p: BgNbdParams, x: number, T: number, t: number): number {
  const { r, alpha, a, b } = p;
  const z = t / (alpha + T + t);
  const c = a + b + x - 1;
  const e = a + b - 1 - r;
  if (!(e > 0 && c > 0 && z > 0 && z <= 0.6)) return bracketAt(a, r, alpha, b, x, T, t);
  // G = sum over n >= 1 of (e)_n (a)_(n-1) z^n / ((c)_n n!).
  let term = (e * z) / c;
  let g = term;
  for (let n = 1; term >= g * 1e-16; n++) {
    if (n === 300) return bracketAt(a, r, alpha, b, x, T, t);
    term *= ((e + n) * (a + n - 1) * z) / ((c + n) * (n + 1));
    g += term;
  }
  const log1mz = Math.log1p(-z);
  return c * (-Math.expm1((a - 1) * log1mz) / (a - 1) - Math.exp((a - 1) * log1mz) * g);
}

/** Half-width of the step around a = 1, where the 1/(a-1) factor times a vanishing bracket loses all digits. */
const SINGULAR = 1e-5;

/**
 * E[Y(t) | x, tx, T] given the dead odds: expected purchases in the next t time units, equation (10). Near
 * a = 1 (a removable singularity) it averages points symmetrically either side, which is exact to O(h^2).
 */
export function expectedPurchasesOf(p: BgNbdParams, x: number, T: number, t: number, deadOdds: number): number {
  assertTime('expectedPurchases', t);
  if (t === 0) return 0;
  const { r, alpha, a, b } = p;
  const e = Math.abs(a - 1) < SINGULAR ? (bracketAt(1 - SINGULAR, r, alpha, b, x, T, t) + bracketAt(1 + SINGULAR, r, alpha, b, x, T, t)) / 2 : bracketOf(p, x, T, t);
  return e / (1 + deadOdds);
}

/** E[Y(t) | x, tx, T]: expected purchases in the next t time units, equation (10). */
export function expectedPurchases(p: BgNbdParams, s: RfmSummary, t: number): number {
  assertParams(p);
  assertSummary(s);
  return expectedPurchasesOf(p, s.x, s.T, t, deadOdds(p, s));
}

/** P(at least one purchase in the next t units) given the dead odds (see probabilityOfPurchase). */
export function probabilityOfPurchaseOf(p: BgNbdParams, x: number, T: number, t: number, deadOdds: number): number {
  assertTime('probabilityOfPurchase', t);
  const noPurchaseIfAlive = Math.exp((p.r + x) * (Math.log(p.alpha + T) - Math.log(p.alpha + T + t)));
  return (1 - noPurchaseIfAlive) / (1 + deadOdds);
}

/** P(at least one purchase in the next t units | x, tx, T). Dropout only happens right after a purchase, so a customer alive at T stays alive until the next one, which is then a gamma-mixed exponential wait. */
export function probabilityOfPurchase(p: BgNbdParams, s: RfmSummary, t: number): number {
  assertParams(p);
  assertSummary(s);
  return probabilityOfPurchaseOf(p, s.x, s.T, t, deadOdds(p, s));
}

/** Median waiting time from T to the next purchase for a customer who is alive (median of the Lomax posterior predictive). */
export function medianTimeToNextPurchase(p: BgNbdParams, s: RfmSummary): number {
  assertParams(p);
  assertSummary(s);
  return (p.alpha + s.T) * Math.expm1(Math.LN2 / (p.r + s.x));
}

/** Unconditional E[X(t)] for a customer who just made a first purchase: the population curve. */
export function expectedPurchasesNewCustomer(p: BgNbdParams, t: number): number {
  assertParams(p);
  assertTime('expectedPurchasesNewCustomer', t);
  // A new customer is one with x = 0 at T = 0, alive for sure.
  return expectedPurchasesOf(p, 0, 0, t, 0);
}
