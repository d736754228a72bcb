import { beforeAll, describe, expect, it } from 'vitest';
import { split } from '../../../src/cli/backtest.ts';
import { parseDay, readTransactions } from '../../../src/cli/transactions.ts';
import { generateDemoData } from '../../../src/local/demo-data.ts';
import { eventsOf, type CatalogFacts } from '../../../src/predictions/history-source.ts';
import { predictCustomer } from '../../../src/predictions/model/customer.ts';
import { buildHistory, type CustomerHistory } from '../../../src/predictions/model/history.ts';
import { fitPopulation, type PopulationModel } from '../../../src/predictions/model/population.ts';
import { dayOf } from '../../../src/shared/days.ts';
import { predictCustomer as referencePredict } from './reference/customer.ts';
import { probabilityAlive } from '../../../src/predictions/model/bgnbd.ts';
import { fitSeries } from '../../../src/predictions/model/cadence.ts';
import { oddsInputs } from '../../../src/predictions/model/calibration.ts';
import { rfm } from '../../../src/predictions/model/history.ts';
import { stackedProbability } from '../../../src/predictions/model/odds.ts';
import { gapVariation } from '../../../src/predictions/model/regularity.ts';
import { cdnowCsv, onlineRetailCsv } from '../../support/datasets.ts';

/**
 * The per-customer path was rewritten for speed (decision 128): one pass, no intermediate objects. These
 * tests hold it to the implementation it replaced (frozen in ./reference) on the shared research data
 * and on the demo shop (categories, durables, uncatalogued products), field by field and in key order.
 */

/** Every difference between two predictions: keys (in order), strings, and numbers beyond 1e-9 (relative above 1). */
function differences(a: unknown, b: unknown, path = '', out: string[] = []): string[] {
  if (out.length > 10) return out;
  if (typeof a === 'number' && typeof b === 'number') {
    if (!(a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a)) || (Number.isNaN(a) && Number.isNaN(b)))) out.push(`${path}: ${a} vs ${b}`);
  } else if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    if (ka.join() !== kb.join()) out.push(`${path}: keys ${ka.join()} vs ${kb.join()}`);
    for (const k of ka) differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`, out);
  } else if (a !== b) out.push(`${path}: ${String(a)} vs ${String(b)}`);
  return out;
}

/**
 * The reference's answer, with the stacked purchase odds recomputed by the public (slow) functions: decision
 * 136 gave the stack breadth and regularity features the frozen reference does not know. Every other field
 * is still the reference's own.
 */
function expectedPrediction(h: CustomerHistory, model: PopulationModel, asOfWanted: number, horizon: number | undefined, options: { testAccount?: boolean }) {
  const out = referencePredict(h, model, asOfWanted, horizon, options) as unknown as Record<string, unknown>;
  const asOfDay = Math.max(asOfWanted, h.lastDay + 1);
  const s = rfm(h, asOfDay);
  const fit = fitSeries(h.days, model.customerPrior);
  const fields: [string, number | undefined][] = [['probabilityOfPurchase30', 30], ['probabilityOfPurchase90', 90], ['probabilityInHorizon', horizon]];
  for (const [field, days] of fields) {
    const odds = model.odds.find((o) => o.horizonDays === days);
    if (days === undefined || !odds || !(field in out)) continue;
    out[field] = stackedProbability(odds.weights, oddsInputs(fit, s, model.bgnbd, asOfDay, days, probabilityAlive(model.bgnbd, s), h.products.size, gapVariation(h.days)));
  }
  return out;
}

function compareAll(histories: readonly CustomerHistory[], model: PopulationModel, asOfDay: number, horizons: readonly (number | undefined)[]): number {
  let compared = 0;
  for (const horizon of horizons) {
    histories.forEach((h, i) => {
      // Every fifth customer as a test account, and every seventh a little ahead of the clock.
      const options = i % 5 === 0 ? { testAccount: true } : {};
      const asOf = i % 7 === 0 ? asOfDay - 3 : asOfDay;
      const found = differences(predictCustomer(h, model, asOf, horizon, options), expectedPrediction(h, model, asOf, horizon, options));
      expect(found, `customer ${i}, horizon ${horizon}`).toEqual([]);
      compared++;
    });
  }
  return compared;
}

describe('the fast per-customer path gives the outputs of the implementation it replaced', () => {
  let cdnow: { histories: CustomerHistory[]; model: PopulationModel; asOfDay: number };
  let retail: { histories: CustomerHistory[]; model: PopulationModel; asOfDay: number };

  beforeAll(async () => {
    const asOf = parseDay('1997-10-01')!;
    const c = [...split(await readTransactions(await cdnowCsv()), asOf).histories.values()];
    cdnow = { histories: c, model: fitPopulation(c, asOf, { horizons: [273] }), asOfDay: asOf };
    const asOfRetail = parseDay('2011-09-01')!;
    const r = [...split(await readTransactions(await onlineRetailCsv()), asOfRetail).histories.values()];
    retail = { histories: r, model: fitPopulation(r, asOfRetail, { horizons: [100] }), asOfDay: asOfRetail };
  }, 120_000);

  it('on CDNOW (customer level), served and with the backtest horizon', () => {
    expect(compareAll(cdnow.histories, cdnow.model, cdnow.asOfDay, [undefined, 273])).toBe(2 * 2357);
  });

  it('on Online Retail (customers and their products), served and with the backtest horizon', () => {
    const products = retail.histories.reduce((s, h) => s + h.products.size, 0);
    expect(products).toBeGreaterThan(50_000);
    expect(compareAll(retail.histories, retail.model, retail.asOfDay, [undefined, 100])).toBe(2 * retail.histories.length);
  });

  it('on the demo shop (categories, durables, products missing from the catalog, currencies)', () => {
    const now = Date.UTC(2026, 10, 30);
    const data = generateDemoData({ customers: 400, now, seed: 3 });
    // A third of the catalog unknown, so uncatalogued products and rare categories both occur.
    const facts: CatalogFacts = new Map(data.products.filter((_, i) => i % 3 !== 0).map((p) => [p.id, { category: p.category, consumable: p.consumable }]));
    const byCustomer = new Map<string, typeof data.lines>();
    for (const l of data.lines) byCustomer.set(l.customerId, [...(byCustomer.get(l.customerId) ?? []), l]);
    const histories = [...byCustomer.values()].map((lines) => buildHistory(eventsOf(lines, facts)));
    expect(histories.some((h) => h.durables.size > 0 && h.uncatalogued.size > 0)).toBe(true);
    const asOfDay = dayOf(now) + 1;
    const model = fitPopulation(histories, asOfDay);
    expect(compareAll(histories, model, asOfDay, [undefined, 30, 60])).toBe(3 * histories.length);
  });
});
