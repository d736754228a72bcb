import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type BgNbdParams,
  type RfmSummary,
  bgnbdLogLikelihood,
  expectedPurchases,
  expectedPurchasesNewCustomer,
  fitBgNbd,
  medianTimeToNextPurchase,
  probabilityAlive,
  probabilityOfPurchase,
} from '../../../src/predictions/model/bgnbd.ts';
import { cdnowCalibrationSummaries, readDerivedCdnow } from '../../support/cdnow.ts';

// Fader, Hardie & Lee (2005), CDNOW sample, 39-week calibration, time unit = weeks.
const published: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const publishedLogLikelihood = -9582.4;

const derived = readDerivedCdnow();
const summaries: RfmSummary[] = derived.map(({ x, tx, T }) => ({ x, tx, T }));

const relErr = (got: number, want: number): number => Math.abs(got - want) / Math.abs(want);

function maxErrors(p: BgNbdParams): { palive: number; ey39: number } {
  let palive = 0;
  let ey39 = 0;
  for (const row of derived) {
    palive = Math.max(palive, Math.abs(probabilityAlive(p, row) - row.palivePaper));
    ey39 = Math.max(ey39, Math.abs(expectedPurchases(p, row, 39) - row.ey39Paper));
  }
  return { palive, ey39 };
}

describe('CDNOW protocol', () => {
  it('rebuilds x, tx, T (and repeat spend, holdout counts) of the derived file from the raw transactions', () => {
    const built = cdnowCalibrationSummaries();
    expect(built).toHaveLength(2357);
    expect(derived).toHaveLength(2357);
    const byId = new Map(built.map((b) => [b.id, b]));
    for (const row of derived) {
      const b = byId.get(row.id);
      expect(b, `customer ${row.id}`).toBeDefined();
      if (!b) continue;
      expect(b.x, `x of ${row.id}`).toBe(row.x);
      expect(Math.abs(b.tx - row.tx), `tx of ${row.id}`).toBeLessThan(1e-6);
      expect(Math.abs(b.T - row.T), `T of ${row.id}`).toBeLessThan(1e-6);
      expect(Math.abs(b.meanSpend - row.zbarRepeat), `zbar of ${row.id}`).toBeLessThan(5e-5 + 1e-9);
      expect(b.xHoldout, `holdout x of ${row.id}`).toBe(row.xHoldout);
    }
  });
});

describe('BG/NBD at the published parameters', () => {
  it('reproduces the published log-likelihood', () => {
    const ll = summaries.reduce((acc, s) => acc + bgnbdLogLikelihood(published, s), 0);
    // The published parameters are rounded to 3 decimals, which costs a little likelihood.
    expect(Math.abs(ll - publishedLogLikelihood)).toBeLessThan(0.5);
  });

  it("reproduces the paper's example customer (x = 2, tx = 30.43, T = 38.86): 1.226 purchases in 39 weeks", () => {
    expect(Math.abs(expectedPurchases(published, { x: 2, tx: 30.43, T: 38.86 }, 39) - 1.226)).toBeLessThan(0.001);
  });

  it('matches palive_paper and ey39_paper for every customer within 1e-3', () => {
    const err = maxErrors(published);
    expect(err.palive).toBeLessThan(1e-3);
    expect(err.ey39).toBeLessThan(1e-3);
  });
});

describe('fitBgNbd on CDNOW', () => {
  let fit: ReturnType<typeof fitBgNbd>;
  let ms = 0;
  beforeAll(() => {
    const started = performance.now();
    fit = fitBgNbd(summaries);
    ms = performance.now() - started;
    console.info(`fitBgNbd on ${summaries.length} customers: ${ms.toFixed(0)} ms`, fit, maxErrors(fit));
  });

  it('recovers the published parameters within 1% and the log-likelihood within 0.5', () => {
    expect(fit.converged).toBe(true);
    expect(relErr(fit.r, published.r)).toBeLessThan(0.01);
    expect(relErr(fit.alpha, published.alpha)).toBeLessThan(0.01);
    expect(relErr(fit.a, published.a)).toBeLessThan(0.01);
    expect(relErr(fit.b, published.b)).toBeLessThan(0.01);
    expect(Math.abs(fit.logLikelihood - publishedLogLikelihood)).toBeLessThan(0.5);
    // An optimum: no worse than the published (rounded) parameters.
    const atPublished = summaries.reduce((acc, s) => acc + bgnbdLogLikelihood(published, s), 0);
    expect(fit.logLikelihood).toBeGreaterThanOrEqual(atPublished);
    // The fit's grouped likelihood is the per-customer one summed.
    expect(fit.logLikelihood).toBeCloseTo(summaries.reduce((acc, s) => acc + bgnbdLogLikelihood(fit, s), 0), 6);
  });

  it('matches palive_paper and ey39_paper for every customer within 1e-3 at the fitted parameters', () => {
    const err = maxErrors(fit);
    expect(err.palive).toBeLessThan(1e-3);
    expect(err.ey39).toBeLessThan(1e-3);
  });

  it('is stable: refitting from the same data gives the same answer, and junk rows are ignored', () => {
    const junk = [{ x: Number.NaN, tx: 1, T: 2 }, { x: -1, tx: 0, T: 3 }, { x: 1, tx: 5, T: 2 }, { x: 0, tx: 1, T: 2 }];
    const again = fitBgNbd([...summaries, ...junk]);
    expect(relErr(again.r, fit.r)).toBeLessThan(1e-6);
    expect(relErr(again.b, fit.b)).toBeLessThan(1e-6);
    expect(again.logLikelihood).toBeCloseTo(fit.logLikelihood, 6);
  });
});

describe('BG/NBD input guards and properties', () => {
  const params = fc.record({
    r: fc.double({ min: 0.05, max: 5, noNaN: true }),
    alpha: fc.double({ min: 0.5, max: 50, noNaN: true }),
    a: fc.double({ min: 0.1, max: 5, noNaN: true }),
    b: fc.double({ min: 0.1, max: 10, noNaN: true }),
  });
  const summary = fc
    .tuple(fc.integer({ min: 0, max: 30 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0.1, max: 80, noNaN: true }))
    .map(([x, frac, T]): RfmSummary => ({ x, tx: x === 0 ? 0 : frac * T, T }));

  it('throws a clear error for empty or all-invalid fit input', () => {
    expect(() => fitBgNbd([])).toThrow(/no valid/);
    expect(() => fitBgNbd([{ x: Number.NaN, tx: 0, T: 1 }, { x: 1, tx: -1, T: 3 }])).toThrow(/no valid/);
    expect(() => fitBgNbd([{ x: 0, tx: 0, T: 5 }])).toThrow(/repeat purchase/);
  });

  it('rejects invalid parameters and summaries', () => {
    expect(() => probabilityAlive({ ...published, a: -1 }, { x: 1, tx: 1, T: 2 })).toThrow(/positive/);
    expect(() => probabilityAlive(published, { x: 1, tx: 3, T: 2 })).toThrow(/Invalid RFM/);
    expect(() => expectedPurchases(published, { x: 1, tx: 1, T: 2 }, Number.NaN)).toThrow(/t must be/);
    expect(() => bgnbdLogLikelihood(published, { x: 1.5, tx: 1, T: 2 })).toThrow(/Invalid RFM/);
  });

  it('a customer with no repeat purchase is certainly alive', () => {
    fc.assert(fc.property(params, fc.double({ min: 0, max: 100, noNaN: true }), (p, T) => {
      expect(probabilityAlive(p, { x: 0, tx: 0, T })).toBe(1);
    }));
  });

  it('P(alive) is in (0, 1] and falls as the last purchase recedes', () => {
    fc.assert(fc.property(params, summary, (p, s) => {
      const pa = probabilityAlive(p, s);
      expect(pa).toBeGreaterThan(0);
      expect(pa).toBeLessThanOrEqual(1);
      if (s.x > 0 && s.tx > 0.01) expect(probabilityAlive(p, { ...s, tx: s.tx / 2 })).toBeLessThanOrEqual(pa + 1e-12);
    }));
  });

  it('P(purchase in t) is in [0, 1], increasing in t, and bounded by P(alive)', () => {
    fc.assert(fc.property(params, summary, fc.double({ min: 0.01, max: 100, noNaN: true }), (p, s, t) => {
      const p1 = probabilityOfPurchase(p, s, t);
      const p2 = probabilityOfPurchase(p, s, 2 * t);
      expect(p1).toBeGreaterThan(0);
      expect(p2).toBeGreaterThanOrEqual(p1);
      expect(p2).toBeLessThanOrEqual(probabilityAlive(p, s) + 1e-12);
    }));
    expect(probabilityOfPurchase(published, { x: 2, tx: 30, T: 38 }, 0)).toBe(0);
  });

  it('E[Y(t)] is positive and increasing in t', () => {
    fc.assert(fc.property(params, summary, fc.double({ min: 0.01, max: 100, noNaN: true }), (p, s, t) => {
      const e1 = expectedPurchases(p, s, t);
      const e2 = expectedPurchases(p, s, 2 * t);
      expect(e1).toBeGreaterThan(0);
      expect(e2).toBeGreaterThan(e1);
    }));
  });

  it('is smooth through the removable singularity at a = 1 (no 0/0 blow-up)', () => {
    const s = { x: 3, tx: 20, T: 30 };
    const ey = (a: number): number => expectedPurchases({ ...published, a }, s, 39);
    const ex = (a: number): number => expectedPurchasesNewCustomer({ ...published, a }, 39);
    for (const f of [ey, ex]) {
      // A smooth function sits (to second order) midway between its neighbours.
      expect(Math.abs(f(1) - (f(0.999) + f(1.001)) / 2)).toBeLessThan(1e-5);
      // Just outside the guarded window the plain formula takes over without a jump.
      expect(Math.abs(f(1 + 2e-5) - f(1 - 2e-5))).toBeLessThan(1e-4);
    }
  });

  it('a brand-new customer (x = tx = T = 0) follows the population curve', () => {
    for (const t of [1, 10, 39, 78]) {
      expect(expectedPurchases(published, { x: 0, tx: 0, T: 0 }, t)).toBeCloseTo(expectedPurchasesNewCustomer(published, t), 10);
    }
  });

  it('the median waiting time splits an alive customer\'s next-purchase probability in half', () => {
    fc.assert(fc.property(params, summary, (p, s) => {
      const m = medianTimeToNextPurchase(p, s);
      expect(m).toBeGreaterThan(0);
      expect(probabilityOfPurchase(p, s, m) / probabilityAlive(p, s)).toBeCloseTo(0.5, 9);
    }));
  });
});
