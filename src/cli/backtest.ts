import { expectedPurchases, medianTimeToNextPurchase, probabilityOfPurchase } from '../predictions/model/bgnbd.ts';
import type { PurchaseDay } from '../predictions/model/cadence.ts';
import { fitSeries, forecast } from '../predictions/model/cadence.ts';
import { predictCustomer, type SeriesPrediction } from '../predictions/model/customer.ts';
import { buildHistory, rfm, type CustomerHistory, type PurchaseEvent } from '../predictions/model/history.ts';
import { fitPopulation, robustBgNbd, type PopulationModel } from '../predictions/model/population.ts';
import { auc, brier, mae, median, rmse, sum } from './metrics.ts';
import { netReturns } from './returns.ts';
import { compare, coverage, statusPrecision, type Comparison, type Interval, type StatusPrecision, type UnitScores } from './scoring.ts';
import type { Transaction } from './transactions.ts';

export type Level = 'customer' | 'product';

export interface Split {
  histories: Map<string, CustomerHistory>;
  /** Per unit (customer, or customer + product): distinct purchase days inside the window. */
  windowDays: Map<string, number[]>;
}

export const unitKey = (customerId: string, productId?: string) => (productId === undefined ? customerId : `${customerId}\u0000${productId}`);

/** Calibration histories (days before `asOf`) and what each customer and pair did in [asOf, end]. */
export function split(all: readonly Transaction[], asOfDay: number, endDay = Number.POSITIVE_INFINITY): Split {
  const calibration = new Map<string, PurchaseEvent[]>();
  const windowDays = new Map<string, Set<number>>();
  // Returns known at the as-of day net the calibration; the window's outcome nets every return up to its end.
  const known = netReturns(all.filter((t) => t.day < asOfDay));
  const transactions = [...known, ...netReturns(all.filter((t) => t.day <= endDay)).filter((t) => t.day >= asOfDay)];
  for (const t of transactions) {
    if (t.day < asOfDay) {
      const list = calibration.get(t.customerId) ?? [];
      list.push({ day: t.day, quantity: t.quantity, amount: t.amount, ...(t.productId !== undefined ? { productId: t.productId } : {}) });
      calibration.set(t.customerId, list);
    } else if (t.day <= endDay) {
      for (const key of t.productId === undefined ? [unitKey(t.customerId)] : [unitKey(t.customerId), unitKey(t.customerId, t.productId)]) {
        const set = windowDays.get(key) ?? new Set<number>();
        set.add(t.day);
        windowDays.set(key, set);
      }
    }
  }
  const histories = new Map([...calibration].map(([id, events]) => [id, buildHistory(events)]));
  return { histories, windowDays: new Map([...windowDays].map(([k, s]) => [k, [...s].sort((a, b) => a - b)])) };
}

interface Unit {
  key: string;
  series: PurchaseDay[];
  model: SeriesPrediction;
  /** Model's expected count and probability of any purchase in the window. */
  expected: number;
  probability: number;
  /** BG/NBD's own next date and count, fitted on everybody (customer level). */
  bgnbdDay?: number;
  bgnbdExpected?: number;
  /** The served prediction's status (status precision). */
  servedStatus: string;
  /** The renewal model's date (what the customer-level date was before BG/NBD's window-conditional wait). */
  renewalDay?: number;
}

export interface MethodResult {
  method: string;
  countRmse: number;
  countMae: number;
  predictedTotal: number;
  actualTotal: number;
  auc: number;
  brier: number;
  dateMae: number;
  /** Date error over units with at least three calibration purchases. */
  dateMae3: number;
  /** Share of buyers whose first window purchase is inside the 80% range (methods with a range). */
  coverage?: number;
}

export interface BacktestResult {
  level: Level;
  units: number;
  buyers: number;
  horizonDays: number;
  population: PopulationModel;
  methods: MethodResult[];
  /** Cadence against the method it must beat at this level, by paired bootstrap. */
  comparisons: { against: string; result: Comparison }[];
  statuses: StatusPrecision[];
  /** Cadence's 80% range coverage on the holdout (Wilson 95% interval). */
  coverage: Interval;
  /** The same measured inside the training data only (option `inner`): a time split ending at the as-of day. */
  innerCoverage?: { asOfDay: number; horizonDays: number; coverage: Interval; statuses: StatusPrecision[]; statusCalibration?: PopulationModel['statusCalibration'] };
}

/** Fits on the calibration period, predicts the window, and scores the model beside simple baselines. */
export function backtest(transactions: readonly Transaction[], options: { asOfDay: number; endDay: number; level: Level; minPurchases?: number; inner?: boolean }): BacktestResult {
  const { asOfDay, endDay, level } = options;
  const horizon = endDay - asOfDay + 1;
  const data = split(transactions, asOfDay, endDay);
  const histories = [...data.histories.values()];
  const population = fitPopulation(histories, asOfDay, { horizons: [horizon] });
  // The BG/NBD row is the published reference: fitted on everybody, anomalous customers included.
  const reference = level === 'customer' ? robustBgNbd(histories.map((h) => rfm(h, asOfDay)).filter((s) => s.T > 0 && s.tx <= s.T)) : population.bgnbd;
  const units: Unit[] = [];
  for (const [customerId, h] of data.histories) {
    const p = predictCustomer(h, population, asOfDay, horizon);
    // Statuses are scored as served (no horizon): what the storefront would have shown that day.
    const served = predictCustomer(h, population, asOfDay);
    if (level === 'customer') {
      if (h.days.length < (options.minPurchases ?? 1)) continue;
      const s = rfm(h, asOfDay);
      const bgnbdDay = Math.max(asOfDay, Math.round(asOfDay - 1 + medianTimeToNextPurchase(reference, s) * 7));
      const status = { servedStatus: served.next.status };
      units.push({ key: unitKey(customerId), series: h.days, model: p.next, expected: expectedPurchases(population.bgnbd, s, horizon / 7), bgnbdExpected: expectedPurchases(reference, s, horizon / 7), probability: p.probabilityInHorizon ?? probabilityOfPurchase(population.bgnbd, s, horizon / 7), bgnbdDay, renewalDay: forecast(fitSeries(h.days, population.customerPrior), asOfDay, horizon).nextDay, ...status });
    } else {
      const servedProducts = new Map(served.products.map((x) => [x.productId, x]));
      for (const product of p.products) {
        const series = h.products.get(product.productId)!;
        if (series.length < (options.minPurchases ?? 1)) continue;
        const sp = servedProducts.get(product.productId)!;
        units.push({ key: unitKey(customerId, product.productId), series, model: product, expected: product.expectedInHorizon ?? 0, probability: product.probabilityInHorizonBgnbd ?? 0, servedStatus: sp.status });
      }
    }
  }
  if (units.length === 0) throw new Error('no customer or pair has calibration data that meets --min-purchases');

  const actualDays = units.map((u) => data.windowDays.get(u.key) ?? []);
  const actualCount = actualDays.map((d) => d.length);
  const bought = actualCount.map((c) => c > 0);
  const allGaps = units.flatMap((u) => gaps(u.series));
  const populationGap = allGaps.length > 0 ? median(allGaps) : 30;

  const score = (method: string, count: number[], probability: number[], day: (number | undefined)[]): MethodResult => {
    const dated = units.map((_, i) => i).filter((i) => bought[i] && day[i] !== undefined);
    const err = (idx: number[]) => mean(idx.map((i) => Math.abs(day[i]! - actualDays[i]![0]!)));
    return {
      method,
      countRmse: rmse(count, actualCount),
      countMae: mae(count, actualCount),
      predictedTotal: sum(count),
      actualTotal: sum(actualCount),
      auc: auc(probability, bought),
      brier: brier(probability, bought),
      dateMae: err(dated),
      dateMae3: err(dated.filter((i) => units[i]!.series.length >= 3)),
    };
  };

  const grid = units.map((u) => {
    const g = gaps(u.series);
    const gap = g.length > 0 ? median(g) : populationGap;
    const last = u.series[u.series.length - 1]!.day;
    const k = Math.max(1, Math.ceil((asOfDay - last) / gap));
    const rolled = last + k * gap;
    const inWindow = rolled <= endDay ? Math.floor((endDay - rolled) / gap) + 1 : 0;
    const rate = u.series.length / Math.max(1, asOfDay - u.series[0]!.day);
    // A date before the window cannot be the first purchase in it: clip to the window's first day.
    return { last: Math.max(asOfDay, Math.round(last + gap)), rolled: Math.round(rolled), count: inWindow, rate: rate * horizon };
  });

  const bgProbability = units.map((u) => (level === 'customer' ? probabilityOfPurchase(reference, rfm(data.histories.get(u.key)!, asOfDay), horizon / 7) : u.probability));
  const bgExpected = units.map((u) => u.bgnbdExpected ?? u.expected);
  const covered = coverage(units.map((u) => u.model.lowDay), units.map((u) => u.model.highDay), actualDays.map((d) => d[0]));
  const cadence = { ...score('Cadence', units.map((u) => u.expected), units.map((u) => u.probability), units.map((u) => u.model.nextDay)), coverage: covered.share };
  const methods = [
    cadence,
    ...(level === 'customer'
      ? [
          score('BG/NBD (median wait if alive)', bgExpected, bgProbability, units.map((u) => u.bgnbdDay)),
          score('renewal model alone (regularity-aware)', bgExpected, bgProbability, units.map((u) => u.renewalDay)),
        ]
      : []),
    score('last purchase + median gap', grid.map((g) => g.count), grid.map((g) => (g.count > 0 ? 1 : 0)), grid.map((g) => g.last)),
    score('median gap rolled forward past the cutoff', grid.map((g) => g.count), grid.map((g) => (g.count > 0 ? 1 : 0)), grid.map((g) => g.rolled)),
    score('calibration rate × horizon', grid.map((g) => g.rate), grid.map((g) => 1 - Math.exp(-g.rate)), grid.map(() => undefined)),
  ];
  const scores = (probability: number[], day: (number | undefined)[]): UnitScores => ({ probability, day, actual: actualDays.map((d) => d[0]), seasoned: units.map((u) => u.series.length >= 3) });
  const ours = scores(units.map((u) => u.probability), units.map((u) => u.model.nextDay));
  const comparisons =
    level === 'customer'
      ? [{ against: 'BG/NBD (median wait if alive)', result: compare(ours, scores(bgProbability, units.map((u) => u.bgnbdDay))) }]
      : [{ against: 'median gap rolled forward past the cutoff', result: compare(ours, scores(grid.map((g) => (g.count > 0 ? 1 : 0)), grid.map((g) => g.rolled))) }];
  const statuses = statusPrecision(units.map((u) => u.servedStatus), asOfDay, actualDays.map((d) => d[0]));
  return { level, units: units.length, buyers: bought.filter(Boolean).length, horizonDays: horizon, population, methods, comparisons, statuses, coverage: covered.interval, ...(options.inner ? { innerCoverage: innerCoverage(transactions, options) } : {}) };
}

/**
 * The range's coverage measured without the holdout: the same backtest on the data before the as-of day,
 * its window the last h' days of it (h' = the horizon, or half the history when it is shorter).
 */
function innerCoverage(transactions: readonly Transaction[], options: { asOfDay: number; endDay: number; level: Level; minPurchases?: number }) {
  const before = transactions.filter((t) => t.day < options.asOfDay);
  const first = before.reduce((m, t) => Math.min(m, t.day), Number.POSITIVE_INFINITY);
  const h = Math.min(options.endDay - options.asOfDay + 1, Math.floor((options.asOfDay - first) / 2));
  const inner = backtest(before, { asOfDay: options.asOfDay - h, endDay: options.asOfDay - 1, level: options.level, ...(options.minPurchases ? { minPurchases: options.minPurchases } : {}) });
  return { asOfDay: options.asOfDay - h, horizonDays: h, coverage: inner.coverage, statuses: inner.statuses, statusCalibration: inner.population.statusCalibration };
}

function gaps(series: readonly PurchaseDay[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < series.length; i++) out.push(series[i]!.day - series[i - 1]!.day);
  return out;
}

const mean = (v: readonly number[]) => (v.length === 0 ? Number.NaN : sum(v) / v.length);

