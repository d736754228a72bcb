import { describe, expect, it } from 'vitest';
import { expectedSpendPerTransaction, fitGammaGamma, gammaGammaLogLikelihood } from '../../../src/predictions/model/gamma-gamma.ts';
import { cdnowCalibrationSummaries, readDerivedCdnow } from '../../support/cdnow.ts';

// Fader & Hardie's gamma-gamma note, CDNOW sample, mean spend of the repeat transactions in calibration.
const published = { p: 6.25, q: 3.74, gamma: 15.44 };
const relErr = (got: number, want: number): number => Math.abs(got - want) / Math.abs(want);

describe('fitGammaGamma on CDNOW', () => {
  it('recovers the published p, q, gamma within 1% from the derived zbar_repeat column', () => {
    const data = readDerivedCdnow().map((row) => ({ x: row.x, meanSpend: row.zbarRepeat }));
    const started = performance.now();
    const fit = fitGammaGamma(data); // x = 0 rows are ignored by the fit
    console.info(`fitGammaGamma on ${data.filter((d) => d.x > 0).length} customers: ${(performance.now() - started).toFixed(0)} ms`, fit);
    expect(fit.converged).toBe(true);
    expect(relErr(fit.p, published.p)).toBeLessThan(0.01);
    expect(relErr(fit.q, published.q)).toBeLessThan(0.01);
    expect(relErr(fit.gamma, published.gamma)).toBeLessThan(0.01);
    // The fit's grouped likelihood is the per-customer one summed, and it is at least as good as the published point.
    const usable = data.filter((d) => d.x > 0);
    const sum = (g: typeof published): number => usable.reduce((acc, d) => acc + gammaGammaLogLikelihood(g, d), 0);
    expect(fit.logLikelihood).toBeCloseTo(sum(fit), 6);
    expect(fit.logLikelihood).toBeGreaterThanOrEqual(sum(published));
  });

  it('gives the same answer from the raw-transaction protocol (unrounded means)', () => {
    const fit = fitGammaGamma(cdnowCalibrationSummaries());
    expect(relErr(fit.p, published.p)).toBeLessThan(0.01);
    expect(relErr(fit.q, published.q)).toBeLessThan(0.01);
    expect(relErr(fit.gamma, published.gamma)).toBeLessThan(0.01);
  });
});

describe('Gamma-Gamma guards and properties', () => {
  it('throws a clear error when nothing is usable', () => {
    expect(() => fitGammaGamma([])).toThrow(/no rows/);
    expect(() =>
      fitGammaGamma([
        { x: 0, meanSpend: 10 },
        { x: 2, meanSpend: Number.NaN },
        { x: 3, meanSpend: -4 },
        { x: -1, meanSpend: 5 },
      ]),
    ).toThrow(/no rows/);
  });

  it('ignores invalid rows instead of letting them poison the fit', () => {
    const data = readDerivedCdnow().map((row) => ({ x: row.x, meanSpend: row.zbarRepeat }));
    const clean = fitGammaGamma(data);
    const dirty = fitGammaGamma([...data, { x: 2, meanSpend: Number.NaN }, { x: 1, meanSpend: -3 }, { x: Number.POSITIVE_INFINITY, meanSpend: 4 }]);
    expect(dirty.p).toBeCloseTo(clean.p, 6);
    expect(dirty.logLikelihood).toBeCloseTo(clean.logLikelihood, 6);
  });

  it('shrinks the observed mean toward the population mean, less so with more transactions', () => {
    const popMean = (published.p * published.gamma) / (published.q - 1);
    expect(expectedSpendPerTransaction(published, { x: 0, meanSpend: 0 })).toBeCloseTo(popMean, 12);
    let previousGap = Number.POSITIVE_INFINITY;
    for (const x of [1, 2, 5, 20, 100]) {
      const high = expectedSpendPerTransaction(published, { x, meanSpend: 100 });
      expect(high).toBeGreaterThan(popMean);
      expect(high).toBeLessThan(100);
      expect(100 - high).toBeLessThan(previousGap);
      previousGap = 100 - high;
    }
    // Worked value: (15.44 + 2*22.345) * 6.25 / (6.25*2 + 3.74 - 1)
    expect(expectedSpendPerTransaction(published, { x: 2, meanSpend: 22.345 })).toBeCloseTo(((15.44 + 44.69) * 6.25) / 15.24, 12);
  });

  it('rejects parameters without a finite mean and invalid summaries', () => {
    expect(() => expectedSpendPerTransaction({ ...published, q: 0.9 }, { x: 1, meanSpend: 10 })).toThrow(/q > 1/);
    expect(() => expectedSpendPerTransaction({ ...published, p: Number.NaN }, { x: 1, meanSpend: 10 })).toThrow(/positive/);
    expect(() => expectedSpendPerTransaction(published, { x: -1, meanSpend: 10 })).toThrow(/x must be/);
    expect(() => expectedSpendPerTransaction(published, { x: 1, meanSpend: Number.NaN })).toThrow(/meanSpend/);
  });
});
