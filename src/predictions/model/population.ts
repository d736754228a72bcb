import { fitBgNbd, type BgNbdParams } from './bgnbd.ts';
import { DEFAULT_PRIOR, estimatePrior, type GapPrior, type PurchaseDay } from './cadence.ts';
import { fitGammaGamma, type GammaGammaParams } from './gamma-gamma.ts';
import { learnOdds, type OddsModel } from './calibration.ts';
import { repeatSpend, rfm, seriesRfm, type CustomerHistory } from './history.ts';
import { learnStatusThresholds, type StatusCalibration } from './thresholds.ts';
import { anomalous, customerFlags, DEFAULT_NORMS, qualityNorms, seriesFlags, type QualityNorms } from './quality.ts';

/**
 * Everything the per-customer predictions borrow from the population of one jurisdiction. Aggregates only:
 * no customer can be read back from it, so it may be stored beside non-personal data.
 */
export interface PopulationModel {
  version: string;
  /** The day the model was fitted for (day number); its data ended the day before. */
  asOfDay: number;
  customers: number;
  bgnbd: BgNbdParams;
  /** BG/NBD fitted on customer-product pairs: how likely a pair is still going, and its expected purchases. */
  productBgnbd: BgNbdParams;
  /**
   * Gamma-Gamma spend per currency (amounts of different currencies are never pooled); a currency with too
   * few repeat customers to fit has none, and its customers get no expected spend.
   */
  gammaGamma: Record<string, GammaGammaParams>;
  /** Pace of a customer's purchase days overall (customer-level cadence). */
  customerPrior: GapPrior;
  /** Pace of buying one product, for all products; then per category and per product where data suffices. */
  productPrior: GapPrior;
  categoryPriors: Record<string, GapPrior>;
  productPriors: Record<string, GapPrior>;
  /** The quantities the data-quality flags compare with. */
  quality: QualityNorms;
  /** Stacked purchase odds per horizon (30 and 90 days, and a backtest's window). */
  odds: OddsModel[];
  /**
   * Where due / due soon start on the raw renewal chance, per level, learned by an inner time split (decision
   * 154). Absent (a model stored before, the default model, an inner fit): 0.5, the words' own threshold.
   */
  statusCalibration?: StatusCalibration;
  /** Customers left out of the fits as anomalous (wholesale, bursts, test accounts, irregular data). */
  excluded: number;
  /** Set when the fit was on a sample of the jurisdiction (decision 129): the customers in it; `customers` is then everybody. */
  sampled?: number;
}

export const MODEL_VERSION = 'cadence-2026.12';
/** The horizons the served probabilities are for. */
export const SERVED_HORIZONS = [30, 90] as const;
/** Per-product priors need this many series with two or more gaps; below it the category's (or all products') serve. */
const MIN_SERIES = 8;
/** Fallback BG/NBD parameters when a population is too small to fit (CDNOW's, a typical retail shape). */
const FALLBACK_BGNBD: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

export function fitPopulation(all: readonly CustomerHistory[], asOfDay: number, options: { horizons?: readonly number[]; inner?: boolean } = {}): PopulationModel {
  if (all.length === 0) throw new Error('cannot fit a population model without customers');
  // Anomalous customers are predicted but do not teach the population (unless nobody else is left).
  const quality = qualityNorms(all);
  const typical = all.filter((h) => !anomalous(customerFlags(h, quality)));
  const histories = typical.length >= Math.min(20, all.length) ? typical : all;
  // A purchase on or after the as-of day (clock skew) would make tx > T: such histories sit this fit out.
  const summaries = histories.map((h) => rfm(h, asOfDay)).filter((s) => s.T > 0 && s.tx <= s.T);
  const fitted = summaries.length >= 20 && summaries.some((s) => s.x > 0) ? fitRobust(summaries) : { params: FALLBACK_BGNBD, penalised: false };
  const bgnbd = fitted.params;
  const gammaGamma = fitSpend(histories);

  const customerPrior = estimatePrior(histories.map((h) => h.days));
  const productSeries = new Map<string, PurchaseDay[][]>();
  const categorySeries = new Map<string, PurchaseDay[][]>();
  const productCategory = new Map<string, string>();
  for (const h of histories) {
    for (const [id, days] of h.products) if (!anomalous(seriesFlags(days, quality, id, h.productDuplicates.get(id)))) push(productSeries, id, days);
    for (const [id, days] of h.categories) push(categorySeries, id, days);
    for (const [p, c] of h.productCategory) productCategory.set(p, c);
  }
  const productPrior = estimatePrior([...productSeries.values()].flat(), DEFAULT_PRIOR, 1);
  const pairSummaries = [...productSeries.values()].flat().map((days) => seriesRfm(days, asOfDay)).filter((s) => s.T > 0 && s.tx <= s.T);
  const productBgnbd = pairSummaries.length >= 20 && pairSummaries.some((s) => s.x > 0) ? robustBgNbd(pairSummaries) : FALLBACK_BGNBD;
  const categoryPriors: Record<string, GapPrior> = {};
  for (const [id, series] of categorySeries) categoryPriors[id] = estimatePrior(series, productPrior, MIN_SERIES);
  const productPriors: Record<string, GapPrior> = {};
  for (const [id, series] of productSeries) {
    const category = productCategory.get(id);
    const prior = estimatePrior(series, (category && categoryPriors[category]) || productPrior, MIN_SERIES);
    // Only products with their own data are stored; the rest fall back at prediction time.
    if (prior.series >= MIN_SERIES) productPriors[id] = prior;
  }
  const horizons = [...new Set([...SERVED_HORIZONS, ...(options.horizons ?? [])])];
  const days = histories.map((h) => ({ days: h.days, productFirstDays: [...h.products.values()].map((d) => d[0]!.day) }));
  // An inner fit (the thresholds' own split) needs neither the stacked odds nor thresholds of its own.
  const odds = options.inner ? [] : horizons.flatMap((h) => learnOdds(days, asOfDay, h, innerBgNbdFitter(fitted.penalised)) ?? []);
  const statusCalibration = options.inner ? undefined : learnStatusThresholds(histories, asOfDay, (cut, day) => fitPopulation(cut, day, { inner: true }));
  return {
    version: MODEL_VERSION,
    asOfDay,
    customers: all.length,
    bgnbd,
    productBgnbd,
    gammaGamma,
    customerPrior,
    productPrior,
    categoryPriors,
    productPriors,
    quality,
    odds,
    ...(statusCalibration ? { statusCalibration } : {}),
    excluded: all.length - histories.length,
  };
}

/** Customers a currency needs with repeat purchases before its spend is fitted. */
const MIN_SPEND_CUSTOMERS = 20;

/** Gamma-Gamma per currency, on the customers whose own currency it is. */
function fitSpend(histories: readonly CustomerHistory[]): Record<string, GammaGammaParams> {
  const byCurrency = new Map<string, ReturnType<typeof repeatSpend>[]>();
  for (const h of histories) {
    const s = repeatSpend(h);
    if (s.x > 0 && s.meanSpend > 0) push(byCurrency, h.currency, s);
  }
  const out: Record<string, GammaGammaParams> = {};
  for (const [currency, spend] of byCurrency) {
    if (spend.length < MIN_SPEND_CUSTOMERS) continue;
    const gg = fitGammaGamma(spend);
    // q <= 1 has no finite mean spend (heavy-tailed spends do this): leave that currency's spend out.
    if (gg.converged && gg.q > 1 && [gg.p, gg.q, gg.gamma].every(Number.isFinite)) out[currency] = { p: gg.p, q: gg.q, gamma: gg.gamma };
  }
  return out;
}

/** Before the first fit of a jurisdiction: CDNOW's BG/NBD shape and weakly informative cadence priors. */
export function defaultPopulationModel(asOfDay: number): PopulationModel {
  return {
    version: MODEL_VERSION,
    asOfDay,
    customers: 0,
    bgnbd: FALLBACK_BGNBD,
    productBgnbd: FALLBACK_BGNBD,
    gammaGamma: {},
    customerPrior: DEFAULT_PRIOR,
    productPrior: DEFAULT_PRIOR,
    categoryPriors: {},
    productPriors: {},
    quality: DEFAULT_NORMS,
    odds: [],
    excluded: 0,
  };
}

/** Own properties only: a product called "constructor" must not find Object.prototype's. */
export const own = <V>(record: Record<string, V>, key: string | undefined): V | undefined =>
  key !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;

export function priorFor(model: PopulationModel, productId: string, category?: string): GapPrior {
  return own(model.productPriors, productId) ?? own(model.categoryPriors, category) ?? model.productPrior;
}

const pick = (p: BgNbdParams): BgNbdParams => ({ r: p.r, alpha: p.alpha, a: p.a, b: p.b });
const sane = (p: BgNbdParams) => [p.r, p.alpha, p.a, p.b].every((v) => Number.isFinite(v) && v > 1e-4 && v < 1e4);

/**
 * A small or unusual population (nobody has dropped out yet, everybody buys alike) drives the maximum
 * likelihood to the edge (a -> 0, r and alpha -> infinity) where the formulas overflow. Then a light L2
 * penalty, as lifetimes' penalizer, keeps the parameters finite; failing that, a typical retail shape.
 */
export function robustBgNbd(summaries: Parameters<typeof fitBgNbd>[0]): BgNbdParams {
  return fitRobust(summaries).params;
}

function fitRobust(summaries: Parameters<typeof fitBgNbd>[0], penalisedFirst = false, maxIterations?: number): { params: BgNbdParams; penalised: boolean } {
  const options = maxIterations !== undefined ? { maxIterations } : {};
  if (!penalisedFirst) {
    const plain = pick(fitBgNbd(summaries, options));
    if (sane(plain)) return { params: plain, penalised: false };
  }
  const penalised = pick(fitBgNbd(summaries, { ...options, penalizer: 0.01 }));
  if (sane(penalised)) return { params: penalised, penalised: true };
  return penalisedFirst ? fitRobust(summaries, false, maxIterations) : { params: FALLBACK_BGNBD, penalised: true };
}

/**
 * The fitter for the inner time splits: a population whose own fit needed the penalty needs it on a
 * shorter window too, so the plain attempt (up to 2,000 iterations to the edge) is skipped there.
 */
export const innerBgNbdFitter = (outerPenalised: boolean) => (summaries: Parameters<typeof fitBgNbd>[0]) => fitRobust(summaries, outerPenalised, INNER_FIT_ITERATIONS).params;
/** The inner fits only feed the stack's features: a few hundred iterations are enough, and a refit in a Worker must stay cheap. */
const INNER_FIT_ITERATIONS = 200;

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
