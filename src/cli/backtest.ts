import { expectedPurchases, medianTimeToNextPurchase, probabilityOfPurchase } from '../predictions/model/bgnbd.ts';
import type { PurchaseDay } from '../predictions/model/cadence.ts';
import { predictCustomer, type SeriesPrediction } from '../predictions/model/customer.ts';
import { buildHistory, rfm, type CustomerHistory, type PurchaseEvent } from '../predictions/model/history.ts';
import { fitPopulation, type PopulationModel } from '../predictions/model/population.ts';
import { auc, brier, mae, median, rmse, sum } from './metrics.ts';
import type { Transaction } from './transactions.ts';

export type Level = 'customer' | 'product';

export interface Split {
  histories: Map<string, CustomerHistory>;
  /** Per unit (customer, or customer + product): distinct purchase days inside the window. */
  windowDays: Map<string, number[]>;
}

export const unitKey = (customerId: string, productId?: string) => (productId === undefined ? customerId : `${customerId}\u0000${productId}`);

/** Calibration histories (days before `asOf`) and what each customer and pair did in [asOf, end]. */
export function split(transactions: readonly Transaction[], asOfDay: number, endDay = Number.POSITIVE_INFINITY): Split {
  const calibration = new Map<string, PurchaseEvent[]>();
  const windowDays = new Map<string, Set<number>>();
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
  /** BG/NBD's own next date (customer level). */
  bgnbdDay?: number;
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
}

export interface BacktestResult {
  level: Level;
  units: number;
  buyers: number;
  horizonDays: number;
  population: PopulationModel;
  methods: MethodResult[];
}

/** Fits on the calibration period, predicts the window, and scores the model beside simple baselines. */
export function backtest(transactions: readonly Transaction[], options: { asOfDay: number; endDay: number; level: Level; minPurchases?: number }): BacktestResult {
  const { asOfDay, endDay, level } = options;
  const horizon = endDay - asOfDay + 1;
  const data = split(transactions, asOfDay, endDay);
  const histories = [...data.histories.values()];
  const population = fitPopulation(histories, asOfDay);
  const units: Unit[] = [];
  for (const [customerId, h] of data.histories) {
    const p = predictCustomer(h, population, asOfDay, horizon);
    if (level === 'customer') {
      if (h.days.length < (options.minPurchases ?? 1)) continue;
      const s = rfm(h, asOfDay);
      const bgnbdDay = Math.max(asOfDay, Math.round(asOfDay - 1 + medianTimeToNextPurchase(population.bgnbd, s) * 7));
      units.push({ key: unitKey(customerId), series: h.days, model: p.next, expected: expectedDays(population, h, asOfDay, horizon), probability: probabilityDays(population, h, asOfDay, horizon), bgnbdDay });
    } else {
      for (const product of p.products) {
        const series = h.products.get(product.productId)!;
        if (series.length < (options.minPurchases ?? 1)) continue;
        units.push({ key: unitKey(customerId, product.productId), series, model: product, expected: product.expectedInHorizon ?? 0, probability: product.probabilityInHorizonBgnbd ?? 0 });
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

  const methods = [
    score('Cadence', units.map((u) => u.expected), units.map((u) => u.probability), units.map((u) => u.model.nextDay)),
    ...(level === 'customer' ? [score('BG/NBD (median wait if alive)', units.map((u) => u.expected), units.map((u) => u.probability), units.map((u) => u.bgnbdDay))] : []),
    score('last purchase + median gap', grid.map((g) => g.count), grid.map((g) => (g.count > 0 ? 1 : 0)), grid.map((g) => g.last)),
    score('median gap rolled forward past the cutoff', grid.map((g) => g.count), grid.map((g) => (g.count > 0 ? 1 : 0)), grid.map((g) => g.rolled)),
    score('calibration rate × horizon', grid.map((g) => g.rate), grid.map((g) => 1 - Math.exp(-g.rate)), grid.map(() => undefined)),
  ];
  return { level, units: units.length, buyers: bought.filter(Boolean).length, horizonDays: horizon, population, methods };
}

function gaps(series: readonly PurchaseDay[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < series.length; i++) out.push(series[i]!.day - series[i - 1]!.day);
  return out;
}

const mean = (v: readonly number[]) => (v.length === 0 ? Number.NaN : sum(v) / v.length);

const expectedDays = (m: PopulationModel, h: CustomerHistory, asOf: number, horizon: number) => expectedPurchases(m.bgnbd, rfm(h, asOf), horizon / 7);
const probabilityDays = (m: PopulationModel, h: CustomerHistory, asOf: number, horizon: number) => probabilityOfPurchase(m.bgnbd, rfm(h, asOf), horizon / 7);
