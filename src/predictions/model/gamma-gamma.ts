/**
 * Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"; Fader & Hardie's note on the gamma-gamma
 * model): a transaction's value is gamma(p, nu) distributed and nu varies across customers as gamma(q, gamma).
 * It assumes spend is independent of purchase frequency, so it pairs with BG/NBD for customer value.
 */
import gammaln from '@stdlib/math-base-special-gammaln';
import { nelderMead } from './optimize.ts';

export interface GammaGammaParams { p: number; q: number; gamma: number }
/** x = number of repeat transactions (> 0 to be used in the fit), meanSpend = average value of those transactions. */
export interface SpendSummary { x: number; meanSpend: number }

export type GammaGammaFit = GammaGammaParams & { logLikelihood: number; converged: boolean };

// The model only says something about customers who have spend observations, and a mean of zero or less has
// zero density under a gamma distribution (returns/refunds must be handled before this point).
const usableForFit = (s: SpendSummary): boolean =>
  Number.isInteger(s.x) && s.x > 0 && Number.isFinite(s.meanSpend) && s.meanSpend > 0;

const positive = (v: number) => Number.isFinite(v) && v > 0;

function assertParams(g: GammaGammaParams): void {
  if (!(positive(g.p) && positive(g.q) && positive(g.gamma))) {
    throw new Error(`Gamma-Gamma parameters must be positive finite numbers, got ${JSON.stringify(g)}`);
  }
}

/** Log density of the observed mean spend given x transactions, with the customer's nu integrated out. */
export function gammaGammaLogLikelihood(g: GammaGammaParams, s: SpendSummary): number {
  assertParams(g);
  if (!usableForFit(s)) throw new Error(`gammaGammaLogLikelihood: needs integer x > 0 and meanSpend > 0, got ${JSON.stringify(s)}`);
  const { p, q, gamma } = g;
  const { x, meanSpend } = s;
  const px = p * x;
  return (
    gammaln(px + q) - gammaln(px) - gammaln(q) + q * Math.log(gamma) +
    (px - 1) * Math.log(meanSpend) + px * Math.log(x) - (px + q) * Math.log(gamma + x * meanSpend)
  );
}

/**
 * Maximum likelihood fit over log-parameters; rows with x = 0 or an invalid mean are ignored. The likelihood has a
 * long shallow ridge along which p and gamma trade off, so the tolerances are tight and the simplex is restarted
 * from the first optimum.
 */
export function fitGammaGamma(data: readonly SpendSummary[], options: { maxIterations?: number } = {}): GammaGammaFit {
  // Grouped by x: the gamma functions depend only on p*x and q, so they are computed once per distinct x.
  const byX = new Map<number, { x: number; weight: number; sumLogMean: number; means: number[] }>();
  for (const s of data) {
    if (!usableForFit(s)) continue;
    let g = byX.get(s.x);
    if (!g) byX.set(s.x, (g = { x: s.x, weight: 0, sumLogMean: 0, means: [] }));
    g.weight++;
    g.sumLogMean += Math.log(s.meanSpend);
    g.means.push(s.meanSpend);
  }
  const groups = [...byX.values()];
  if (groups.length === 0) throw new Error('fitGammaGamma: no rows with x > 0 and a positive finite meanSpend');
  const total = groups.reduce((acc, g) => acc + g.weight, 0);
  const maxIterations = options.maxIterations ?? 3000;

  const toParams = (z: readonly number[]): GammaGammaParams => ({
    p: Math.exp(z[0] as number), q: Math.exp(z[1] as number), gamma: Math.exp(z[2] as number),
  });
  // Same sum as gammaGammaLogLikelihood() over every row, rearranged so only the last term is per row.
  const sumLL = ({ p, q, gamma }: GammaGammaParams): number => {
    let ll = 0;
    for (const { x, weight, sumLogMean, means } of groups) {
      const px = p * x;
      ll += weight * (gammaln(px + q) - gammaln(px) - gammaln(q) + q * Math.log(gamma) + px * Math.log(x));
      ll += (px - 1) * sumLogMean;
      for (const m of means) ll -= (px + q) * Math.log(gamma + x * m);
    }
    return ll;
  };
  const objective = (z: readonly number[]): number => -sumLL(toParams(z)) / total;

  const first = nelderMead(objective, [0, 0, 0], { maxIterations, initialStep: 0.5 });
  const polish = nelderMead(objective, first.x, { maxIterations, initialStep: 0.05 });
  const best = polish.fx <= first.fx ? polish : first;
  const params = toParams(best.x);
  return { ...params, logLikelihood: sumLL(params), converged: first.converged && polish.converged };
}

/**
 * E[M | p, q, gamma, meanSpend, x]: a credibility-weighted average of the population mean p*gamma/(q-1) and the
 * customer's observed mean, with weight p*x/(p*x + q - 1) on the latter. For x = 0 it is the population mean.
 * The population mean only exists for q > 1, so q <= 1 is an error rather than a negative or infinite value.
 */
export function expectedSpendPerTransaction(g: GammaGammaParams, s: SpendSummary): number {
  assertParams(g);
  if (!(g.q > 1)) throw new Error(`expectedSpendPerTransaction: needs q > 1 for a finite mean spend, got q = ${g.q}`);
  if (!(Number.isInteger(s.x) && s.x >= 0)) throw new Error(`expectedSpendPerTransaction: x must be an integer >= 0, got ${s.x}`);
  if (s.x === 0) return (g.p * g.gamma) / (g.q - 1);
  if (!(Number.isFinite(s.meanSpend) && s.meanSpend >= 0)) {
    throw new Error(`expectedSpendPerTransaction: meanSpend must be a finite number >= 0, got ${s.meanSpend}`);
  }
  return ((g.gamma + s.meanSpend * s.x) * g.p) / (g.p * s.x + g.q - 1);
}
