import { describe, expect, it } from 'vitest';
import { statusPrecision } from '../../src/cli/scoring.ts';

describe('status precision: each status checked against what it promises (decision 137)', () => {
  it('counts due within 14 days, due soon within 30, overdue and lapsed as no purchase within 90, each beside its base rate', () => {
    const asOf = 1000;
    // First purchase after the as-of day per unit (undefined: none in the window).
    const actual = [asOf + 3, asOf + 20, asOf + 10, asOf + 40, undefined, asOf + 95, asOf + 5, undefined];
    const statuses = ['due', 'due', 'due_soon', 'due_soon', 'overdue', 'overdue', 'lapsed', 'not_due'];
    const by = Object.fromEntries(statusPrecision(statuses, asOf, actual).map((s) => [s.status, s]));
    expect(by.due).toMatchObject({ units: 2, precision: 0.5, baseRate: 3 / 8 });
    expect(by.due_soon).toMatchObject({ units: 2, precision: 0.5, baseRate: 4 / 8 });
    // A purchase on day 95 is not within 90: the churn reading held for both overdue units.
    expect(by.overdue).toMatchObject({ units: 2, precision: 1, baseRate: 3 / 8 });
    expect(by.lapsed).toMatchObject({ units: 1, precision: 0 });
    expect(by.due!.interval.low).toBeLessThan(0.5);
    expect(by.due!.interval.high).toBeGreaterThan(0.5);
  });
});
