import { beforeAll, describe, expect, it } from 'vitest';
import { split } from '../../../src/cli/backtest.ts';
import { cdnowCsv } from '../../support/datasets.ts';
import { parseDay, readTransactions } from '../../../src/cli/transactions.ts';
import { buildHistory, type CustomerHistory } from '../../../src/predictions/model/history.ts';
import { defaultPopulationModel, fitPopulation, type PopulationModel } from '../../../src/predictions/model/population.ts';
import { chanceWithin, statusOf } from '../../../src/predictions/model/status.ts';
import { survivalOf } from '../../../src/predictions/model/lognormal.ts';
import { cutHistory, learnStatusThresholds, learnThreshold, MIN_EVENTS, THRESHOLD_RANGE } from '../../../src/predictions/model/thresholds.ts';
import { prng } from '../../../src/shared/random.ts';

/** Raw chances spread over [0.25, 0.95] and outcomes drawn with probability f(p): a population whose renewal chance is mis-stated by f. */
function rows(n: number, f: (p: number) => number, seed = 7) {
  const rnd = prng(seed);
  const chance: number[] = [];
  const bought: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const p = 0.25 + 0.7 * rnd.next();
    chance.push(p);
    bought.push(rnd.next() < f(p));
  }
  return { chance, bought };
}

describe('status thresholds learned on an inner time split (decision 154)', () => {
  it('raises the threshold above 0.5 for an over-confident chance, lowers it for an under-confident one', () => {
    // Over-confident: a raw 0.5 buys 35% of the time; the calibrated chance reaches 0.5 near raw 0.71.
    const over = rows(4000, (p) => 0.7 * p);
    const t = learnThreshold(30, over.chance, over.bought);
    expect(t.fallback).toBeUndefined();
    expect(t.threshold).toBeGreaterThan(0.62);
    expect(t.threshold).toBeLessThan(0.8);
    // Under-confident: a raw 0.4 already buys more often than not.
    const under = rows(4000, (p) => Math.min(1, 1.3 * p));
    expect(learnThreshold(30, under.chance, under.bought).threshold).toBeLessThan(0.45);
    // Calibrated: the words' own 0.5, within noise.
    const right = rows(4000, (p) => p);
    expect(Math.abs(learnThreshold(30, right.chance, right.bought).threshold - 0.5)).toBeLessThan(0.04);
  });

  it('keeps the threshold inside its range however far the curve puts it', () => {
    const hopeless = rows(4000, (p) => 0.25 * p);
    expect(learnThreshold(14, hopeless.chance, hopeless.bought).threshold).toBe(THRESHOLD_RANGE[1]);
  });

  it(`falls back to 0.5 with fewer than ${MIN_EVENTS} buyers or non-buyers, or no slope`, () => {
    const few = rows(40, (p) => 0.7 * p);
    const fit = learnThreshold(14, few.chance, few.bought);
    expect(fit).toMatchObject({ threshold: 0.5, fallback: 'few-units' });
    const flat = rows(4000, () => 0.4);
    expect(learnThreshold(14, flat.chance, flat.bought)).toMatchObject({ threshold: 0.5, fallback: 'no-slope' });
    // A population too small for an inner split: 0.5 at both levels, said so.
    const small: CustomerHistory[] = Array.from({ length: 20 }, (_, i) => buildHistory([{ day: 100 + i, quantity: 1, amount: 10 }, { day: 140 + i, quantity: 1, amount: 10 }]));
    const calibration = learnStatusThresholds(small, 200, (h, day) => fitPopulation(h, day, { inner: true }));
    expect(calibration.customer).toMatchObject({ due: 0.5, dueSoon: 0.5 });
    expect(calibration.product.fits.every((f) => f.fallback === 'few-units')).toBe(true);
    expect(defaultPopulationModel(200).statusCalibration).toBeUndefined();
  });

  it('compares the raw chance with the learned threshold, short-cut included', () => {
    // A series quiet for 20 days whose gaps are ~30 days: its chance within 30 days is about 0.6.
    const mu = Math.log(30);
    const sigma = 0.5;
    const e = 20;
    const sE = survivalOf(mu, sigma, e);
    const chance = chanceWithin(mu, sigma, e, sE, 0.9, 30);
    expect(chance).toBeGreaterThan(0.55);
    expect(statusOf(mu, sigma, e, sE, 0.9, 10, 3)).toBe('due_soon');
    expect(statusOf(mu, sigma, e, sE, 0.9, 10, 3, { due: 0.5, dueSoon: chance + 0.01 })).toBe('not_due');
    // probabilityActive under the threshold decides without the tail (decision 146), as the full computation would.
    expect(statusOf(mu, sigma, e, sE, 0.62, 10, 3, { due: 0.65, dueSoon: 0.65 })).toBe('not_due');
  });

  it('cuts a history at a day: purchases, products and categories before it', () => {
    const h = buildHistory([
      { day: 10, quantity: 1, amount: 5, productId: 'a', category: 'c' },
      { day: 20, quantity: 1, amount: 5, productId: 'b', category: 'c' },
      { day: 30, quantity: 1, amount: 5, productId: 'a', category: 'c' },
    ]);
    const c = cutHistory(h, 25)!;
    expect(c.days.map((d) => d.day)).toEqual([10, 20]);
    expect([c.firstDay, c.lastDay]).toEqual([10, 20]);
    expect(c.products.get('a')!.map((d) => d.day)).toEqual([10]);
    expect(c.categories.get('c')!.map((d) => d.day)).toEqual([10, 20]);
    expect(cutHistory(h, 10)).toBeUndefined();
  });

  describe('on CDNOW (over-confident inside its training data)', () => {
    let model: PopulationModel;
    beforeAll(async () => {
      const asOf = parseDay('1997-10-01')!;
      model = fitPopulation([...split(await readTransactions(await cdnowCsv()), asOf).histories.values()], asOf);
    });
    it('learns a due-soon threshold above 0.5 for customers and falls back for products (CDNOW has none)', () => {
      const c = model.statusCalibration!;
      expect(c.innerAsOfDay).toBe(model.asOfDay - 30);
      const dueSoon = c.customer.fits.find((f) => f.days === 30)!;
      expect(dueSoon.fallback).toBeUndefined();
      expect(c.customer.dueSoon).toBeGreaterThan(0.55);
      expect(c.product).toMatchObject({ due: 0.5, dueSoon: 0.5 });
      expect(c.product.fits.every((f) => f.fallback === 'few-units')).toBe(true);
      // Stored as JSON beside the rest of the model: nothing that does not survive it.
      expect(JSON.parse(JSON.stringify(c))).toEqual(c);
    });
  });
});
