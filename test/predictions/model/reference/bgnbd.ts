/**
 * BG/NBD model (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way"): purchases follow a Poisson
 * process with a gamma(r, alpha)-distributed rate; after each purchase a customer drops out with a
 * beta(a, b)-distributed probability.
 */
import betaln from '@stdlib/math-base-special-betaln';
import gammaln from '@stdlib/math-base-special-gammaln';
import stdlibHyp2f1 from '@stdlib/math-base-special-hyp2f1';
import { nelderMead } from '../../../../src/predictions/model/optimize.ts';

export interface BgNbdParams { r: number; alpha: number; a: number; b: number }
/** One customer's summary in the model's time unit: x = repeat purchases (distinct purchase periods after the first), tx = time of last purchase since first, T = time from first purchase to the end of calibration. */
export interface RfmSummary { x: number; tx: number; T: number }

export type BgNbdFit = BgNbdParams & { logLikelihood: number; iterations: number; converged: boolean };

const isValidSummary = (s: RfmSummary): boolean =>
  Number.isInteger(s.x) && s.x >= 0 && Number.isFinite(s.tx) && Number.isFinite(s.T) &&
  s.tx >= 0 && s.T >= s.tx && (s.x > 0 || s.tx === 0);

function assertParams(p: BgNbdParams): void {
  if (![p.r, p.alpha, p.a, p.b].every((v) => Number.isFinite(v) && v > 0)) {
    throw new Error(`BG/NBD parameters must be positive finite numbers, got ${JSON.stringify(p)}`);
  }
}

function assertSummary(s: RfmSummary): void {
  if (!isValidSummary(s)) throw new Error(`Invalid RFM summary ${JSON.stringify(s)}: need integer x >= 0, 0 <= tx <= T, tx = 0 when x = 0`);
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

/** Odds of "dropped out after the last purchase" against "alive"; zero when there was no repeat purchase to drop after. */
function deadOdds({ r, alpha, a, b }: BgNbdParams, { x, tx, T }: RfmSummary): number {
  if (x === 0) return 0;
  return (a / (b + x - 1)) * Math.exp((r + x) * (Math.log(alpha + T) - Math.log(alpha + tx)));
}

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

/** 1 - ((alpha+T)/(alpha+T+t))^(r+x) * 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t)); divided by (a-1), which is singular at a = 1. */
function conditionalBracket({ r, alpha, a, b }: BgNbdParams, { x, T }: RfmSummary, t: number): number {
  const z = t / (alpha + T + t);
  return 1 - Math.exp((r + x) * Math.log1p(-z)) * hyp2f1(r + x, b + x, a + b + x - 1, z);
}

/**
 * Evaluates f(a) for an expression with a removable singularity at a = 1 (the 1/(a-1) factor times a bracket that
 * vanishes there): near 1 the cancellation loses all digits, so average points symmetrically either side, which is
 * exact to O(h^2).
 */
function aroundSingularity(a: number, f: (a: number) => number): number {
  const h = 1e-5;
  return Math.abs(a - 1) < h ? (f(1 - h) + f(1 + h)) / 2 : f(a);
}

/** E[Y(t) | x, tx, T]: expected purchases in the next t time units, equation (10). */
export function expectedPurchases(p: BgNbdParams, s: RfmSummary, t: number): number {
  assertParams(p);
  assertSummary(s);
  if (!(Number.isFinite(t) && t >= 0)) throw new Error(`expectedPurchases: t must be a finite number >= 0, got ${t}`);
  if (t === 0) return 0;
  const at = (a: number): number => ((a + p.b + s.x - 1) / (a - 1)) * conditionalBracket({ ...p, a }, s, t);
  return aroundSingularity(p.a, at) / (1 + deadOdds(p, s));
}

/** P(at least one purchase in the next t units | x, tx, T). Dropout only happens right after a purchase, so a customer alive at T stays alive until the next one, which is then a gamma-mixed exponential wait. */
export function probabilityOfPurchase(p: BgNbdParams, s: RfmSummary, t: number): number {
  assertParams(p);
  assertSummary(s);
  if (!(Number.isFinite(t) && t >= 0)) throw new Error(`probabilityOfPurchase: t must be a finite number >= 0, got ${t}`);
  const noPurchaseIfAlive = Math.exp((p.r + s.x) * (Math.log(p.alpha + s.T) - Math.log(p.alpha + s.T + t)));
  return (1 - noPurchaseIfAlive) / (1 + deadOdds(p, s));
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
  if (!(Number.isFinite(t) && t >= 0)) throw new Error(`expectedPurchasesNewCustomer: t must be a finite number >= 0, got ${t}`);
  if (t === 0) return 0;
  const { r, alpha, b } = p;
  const z = t / (alpha + t);
  return aroundSingularity(p.a, (a) => ((a + b - 1) / (a - 1)) * (1 - Math.exp(r * Math.log1p(-z)) * hyp2f1(r, b, a + b - 1, z)));
}
