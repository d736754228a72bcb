import { describe, expect, it } from 'vitest';
import { DEFAULT_PRIOR, estimatePrior, fitSeries, forecast, toPurchaseDays, type PurchaseDay } from '../../../src/predictions/model/cadence.ts';
import { predictCustomer } from '../../../src/predictions/model/customer.ts';
import { buildHistory, type PurchaseEvent } from '../../../src/predictions/model/history.ts';
import { fitPopulation } from '../../../src/predictions/model/population.ts';
import { prng } from '../../../src/local/demo-data.ts';

const regular = (start: number, gap: number, n: number, quantity = 1): PurchaseDay[] => Array.from({ length: n }, (_, i) => ({ day: start + i * gap, quantity }));

describe('cadence of one series', () => {
  it('finds the interval of a regular buyer and dates the next purchase from the last one', () => {
    const fit = fitSeries(regular(20000, 14, 10), DEFAULT_PRIOR);
    const f = forecast(fit, 20000 + 9 * 14 + 3);
    expect(f.typicalGapDays).toBeGreaterThan(12);
    expect(f.typicalGapDays).toBeLessThan(16);
    expect(Math.abs(f.nextDay - (20000 + 10 * 14))).toBeLessThanOrEqual(2);
    expect(f.lowDay).toBeLessThanOrEqual(f.nextDay);
    expect(f.highDay).toBeGreaterThanOrEqual(f.nextDay);
    // Eleven days to a purchase that comes every fourteen: more likely than not within 14 days.
    expect(f.status).toBe('due');
    expect(f.confidence).toBe('high');
    expect(forecast(fit, 20000 + 9 * 14 + 1, undefined, { probabilityActive: 0.4 }).status).not.toBe('due');
  });

  it('moves from not due to due soon, due, overdue and lapsed as time passes without a purchase, each status agreeing with the date shown', () => {
    // A population whose series are regular (a fitted prior's spread, not the weak default's).
    const fit = fitSeries(regular(20000, 60, 8), { ...DEFAULT_PRIOR, sigma: 0.25 });
    const last = 20000 + 7 * 60;
    const order = ['not_due', 'due_soon', 'due', 'overdue', 'lapsed'];
    const seen: string[] = [];
    for (let d = 1; d <= 800; d++) {
      const f = forecast(fit, last + d);
      const ahead = f.nextDay - (last + d);
      if (f.status === 'due') expect(ahead).toBeLessThanOrEqual(14);
      if (f.status === 'due_soon') expect(ahead).toBeLessThanOrEqual(30);
      if (f.status === 'not_due' && !seen.includes('due')) expect(ahead).toBeGreaterThan(14);
      if (f.status === 'lapsed') expect(f.probabilityActive).toBeLessThan(0.2);
      if (seen.at(-1) !== f.status) seen.push(f.status);
    }
    // As the wait passes the usual gap the chance of a purchase within 14 / 30 days falls back (a few
    // days of due_soon / not_due) before the series is overdue, then lapsed.
    expect(seen.slice(0, 3)).toEqual(['not_due', 'due_soon', 'due']);
    expect(seen.slice(-2)).toEqual(['overdue', 'lapsed']);
    expect(seen.length).toBeLessThanOrEqual(7);
    void order;
  });

  it('learns from the population that two packs last about twice as long as one', () => {
    const rnd = prng(3);
    const series = Array.from({ length: 60 }, () => {
      const days: PurchaseDay[] = [];
      let t = 20000;
      for (let i = 0; i < 8; i++) {
        const quantity = rnd.next() < 0.5 ? 1 : 2;
        days.push({ day: Math.round(t), quantity });
        t += quantity * 10 * rnd.gammaNoise(0.1);
      }
      return days;
    });
    const prior = estimatePrior(series);
    expect(prior.beta).toBeGreaterThan(0.8);
    expect(prior.beta).toBeLessThanOrEqual(1.2);
    const one = forecast(fitSeries([...regular(20000, 10, 3), { day: 20030, quantity: 1 }], prior), 20030);
    const two = forecast(fitSeries([...regular(20000, 10, 3), { day: 20030, quantity: 2 }], prior), 20030);
    expect(two.nextDay - 20030).toBeGreaterThan(1.6 * (one.nextDay - 20030));
  });

  it('refuses a series whose days are not distinct and increasing', () => {
    expect(() => fitSeries([{ day: 5, quantity: 1 }, { day: 5, quantity: 1 }], DEFAULT_PRIOR)).toThrow(/increasing/);
    expect(toPurchaseDays([{ day: 7, quantity: 1 }, { day: 5, quantity: 2 }, { day: 7, quantity: 1 }])).toEqual([{ day: 5, quantity: 2 }, { day: 7, quantity: 2 }]);
  });

  it('gives a product bought once an answer from the population, with low confidence', () => {
    const prior = { ...DEFAULT_PRIOR, mu: Math.log(21) };
    const f = forecast(fitSeries([{ day: 20000, quantity: 1 }], prior), 20001);
    expect(Math.abs(f.nextDay - 20021)).toBeLessThanOrEqual(4);
    expect(f.confidence).toBe('low');
    expect(f.highDay - f.lowDay).toBeGreaterThan(20);
  });

  it('pools: a noisy two-gap series is pulled toward the population pace', () => {
    const prior = { ...DEFAULT_PRIOR, mu: Math.log(30), tau: 0.2 };
    const fit = fitSeries(regular(20000, 8, 3), prior);
    expect(Math.exp(fit.theta)).toBeGreaterThan(12);
    expect(Math.exp(fit.theta)).toBeLessThan(30);
  });
});

describe('customer predictions', () => {
  const events = (): PurchaseEvent[] => {
    const rnd = prng(11);
    const out: PurchaseEvent[] = [];
    for (let i = 0; i < 12; i++) out.push({ day: 20000 + i * 14 + rnd.int(-1, 1), productId: 'coffee', category: 'coffee', quantity: 1, amount: 9 });
    for (let i = 0; i < 4; i++) out.push({ day: 20003 + i * 45, productId: 'filters', category: 'kitchen', quantity: 1, amount: 4 });
    out.push({ day: 20100, productId: 'mug', category: 'kitchen', quantity: 1, amount: 12 });
    return out;
  };
  const population = () => {
    const rnd = prng(5);
    const hs = Array.from({ length: 40 }, (_, c) =>
      buildHistory([
        ...Array.from({ length: 6 }, (_, i) => ({ day: 19990 + c + i * (12 + rnd.int(0, 4)), productId: 'coffee', category: 'coffee', quantity: 1, amount: 9 })),
        ...Array.from({ length: 4 }, (_, i) => ({ day: 19995 + c + i * (40 + rnd.int(0, 10)), productId: 'filters', category: 'kitchen', quantity: 1, amount: 4 })),
      ]),
    );
    return fitPopulation(hs, 20200);
  };

  it('are the same whatever the order of the purchases', () => {
    const model = population();
    const a = predictCustomer(buildHistory(events()), model, 20200);
    const shuffled = prng(1).shuffle(events());
    expect(shuffled).not.toEqual(events());
    expect(predictCustomer(buildHistory(shuffled), model, 20200)).toEqual(a);
  });

  it('list products most urgent first, and a category for a product bought too rarely alone', () => {
    const model = population();
    const p = predictCustomer(buildHistory(events()), model, 20000 + 11 * 14 + 13);
    expect(p.products[0]!.productId).toBe('coffee');
    expect(['due', 'overdue', 'due_soon']).toContain(p.products[0]!.status);
    expect(p.categories.map((c) => c.category)).toEqual(['kitchen']);
    expect(p.probabilityAlive).toBeGreaterThan(0.5);
    expect(p.expectedPurchases90).toBeGreaterThan(p.expectedPurchases30);
  });
});

describe('robustness of the population fit and predictions', () => {
  const history = (productId: string, category: string, start: number) =>
    buildHistory(Array.from({ length: 5 }, (_, i) => ({ day: start + i * 20, productId, category, quantity: 1, amount: 10 * Math.exp(3 * prng(start + i).normal()) })));

  it('leaves spend out rather than keep a Gamma-Gamma fit without a finite mean (q <= 1)', () => {
    const rnd = prng(8);
    // Heavy-tailed spends: log-normal with sigma 2.
    const hs = Array.from({ length: 300 }, (_, c) =>
      buildHistory(Array.from({ length: 4 }, (_, i) => ({ day: 20000 + c % 30 + i * (5 + rnd.int(0, 40)), productId: 'p', quantity: 1, amount: Math.exp(3 + 2 * rnd.normal()) }))),
    );
    const model = fitPopulation(hs, 20400);
    for (const gg of Object.values(model.gammaGamma)) expect(gg.q).toBeGreaterThan(1);
    expect(() => hs.map((h) => predictCustomer(h, model, 20400))).not.toThrow();
  });

  it('predicts products and categories whose names are Object.prototype properties', () => {
    // Too few series of their own: their priors are looked up, and must fall back, not hit the prototype.
    const odd = ['constructor', 'toString', 'valueOf', '__proto__', 'hasOwnProperty'].map((id, k) => history(id, id, 20000 + k));
    const hs = [...Array.from({ length: 10 }, (_, c) => history('coffee', 'coffee', 20000 + c)), ...odd];
    const model = fitPopulation(hs, 20200);
    for (const h of odd) {
      const p = predictCustomer(h, model, 20200);
      expect(Number.isFinite(p.products[0]!.nextDay)).toBe(true);
    }
  });

  it('accepts a purchase on or after the as-of day (an order stamped a little ahead of our clock)', () => {
    const h = history('coffee', 'coffee', 20000);
    const model = fitPopulation([h, history('coffee', 'coffee', 20003)], 20050);
    expect(() => predictCustomer(h, model, h.lastDay)).not.toThrow();
    expect(predictCustomer(h, model, h.lastDay - 3).asOfDay).toBe(h.lastDay + 1);
  });
});
