import { describe, expect, it } from 'vitest';
import { netReturns } from '../../../src/cli/returns.ts';
import type { Transaction } from '../../../src/cli/transactions.ts';
import { buildHistory, seriesRfm } from '../../../src/predictions/model/history.ts';
import { customerFlags, isBurst, qualityNorms, seriesFlags } from '../../../src/predictions/model/quality.ts';
import { waitQuantileDays, windowDates } from '../../../src/predictions/model/timing.ts';

const household = (i: number) => buildHistory(Array.from({ length: 6 }, (_, k) => ({ day: 1000 + k * 30 + (i % 7), productId: `p${i % 5}`, quantity: 1 + (i % 3), amount: 10 })));

describe('data-quality flags', () => {
  const population = Array.from({ length: 200 }, (_, i) => household(i));
  const norms = qualityNorms(population);

  it('flags a wholesaler, a burst, a short history, a configured test account and re-sent orders, and not a household', () => {
    expect(customerFlags(population[0]!, norms)).toEqual([]);
    const wholesaler = buildHistory(Array.from({ length: 6 }, (_, k) => ({ day: 1000 + k * 30, productId: 'p1', quantity: 400, amount: 900 })));
    expect(customerFlags(wholesaler, norms)).toContain('wholesale');
    const burst = buildHistory([1000, 1001, 1003, 1005, 1200].map((day) => ({ day, productId: 'p1', quantity: 1, amount: 5 })));
    expect(customerFlags(burst, norms)).toContain('burst');
    expect(customerFlags(buildHistory([{ day: 1000, quantity: 1, amount: 5 }]), norms)).toContain('short_history');
    expect(customerFlags(population[1]!, norms, true)).toContain('test_account');
    const resent = buildHistory([0, 1, 2, 3].flatMap((k) => ['a', 'b'].map((o) => ({ day: 1000 + 40 * k, productId: 'p1', quantity: 1, amount: 5, orderId: `${o}${k}` }))));
    expect(customerFlags(resent, norms)).toContain('irregular_data');
  });

  it('flags a one-off bulk purchase of a product, not a steady buyer of it', () => {
    const steady = [0, 30, 60, 90].map((d) => ({ day: 1000 + d, quantity: 2 }));
    expect(seriesFlags(steady, norms, 'p1')).toEqual([]);
    expect(seriesFlags([...steady, { day: 1120, quantity: 500 }], norms, 'p1')).toContain('bulk');
  });

  it('calls three purchase days in a week a burst only when they are half the series', () => {
    const days = (ds: number[]) => ds.map((day) => ({ day, quantity: 1 }));
    expect(isBurst(days([0, 2, 5, 100]))).toBe(true);
    expect(isBurst(days([0, 2, 5, 100, 200, 300, 400]))).toBe(false);
  });
});

describe('BG/NBD wait given a purchase within the horizon', () => {
  const p = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
  const s = seriesRfm([{ day: 0, quantity: 1 }, { day: 100, quantity: 1 }, { day: 200, quantity: 1 }], 273);
  it('has quantiles inside the horizon, increasing, and the median where the survival halves', () => {
    const q = [0.1, 0.5, 0.9].map((u) => waitQuantileDays(p, s, 90, u));
    expect(q[0]!).toBeGreaterThan(0);
    expect(q[0]!).toBeLessThan(q[1]!);
    expect(q[2]!).toBeLessThan(90);
    const survival = (w: number) => ((p.alpha + s.T) / (p.alpha + s.T + w / 7)) ** (p.r + s.x);
    expect((1 - survival(q[1]!)) / (1 - survival(90))).toBeCloseTo(0.5, 6);
    const d = windowDates(p, s, 273, 90);
    expect(d.lowDay).toBeLessThanOrEqual(d.nextDay);
    expect(d.highDay).toBeLessThanOrEqual(273 + 89);
  });
});

describe('returns netted against purchases (CLI)', () => {
  const t = (day: number, quantity: number, returned = false): Transaction => ({ customerId: 'c', productId: 'p', day, quantity, amount: quantity * 2, ...(returned ? { returned } : {}) });
  it('removes a purchase returned in full, reduces one returned in part, and ignores a return of nothing bought', () => {
    const never: Transaction = { ...t(15, 1, true), productId: 'q' };
    const out = netReturns([t(1, 4), t(10, 2), t(12, 2, true), t(20, 3), t(21, 1, true), never]);
    expect(out.map((x) => [x.day, x.quantity, x.amount])).toEqual([[1, 4, 8], [20, 2, 4]]);
    // A return larger than the latest purchase reaches back to the earlier ones.
    expect(netReturns([t(1, 4), t(10, 2), t(12, 5, true)]).map((x) => [x.day, x.quantity])).toEqual([[1, 1]]);
  });
});
