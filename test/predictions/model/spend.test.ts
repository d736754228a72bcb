import { describe, expect, it } from 'vitest';
import { predictCustomer } from '../../../src/predictions/model/customer.ts';
import { buildHistory, repeatSpend } from '../../../src/predictions/model/history.ts';
import { fitPopulation } from '../../../src/predictions/model/population.ts';
import { prng } from '../../../src/shared/random.ts';

const START = 20000;

/** A shop selling in euros and yen: customers of each currency spend alike in their own money. */
function customer(i: number, currency: 'EUR' | 'JPY') {
  const rnd = prng(i + 7);
  // Customers differ in how much they spend (Gamma-Gamma's premise), each in their own currency.
  const scale = (currency === 'EUR' ? 30 : 4500) * Math.exp(0.6 * (rnd.next() + rnd.next() + rnd.next() - 1.5));
  return buildHistory(Array.from({ length: 4 + (i % 5) }, (_, k) => ({ day: START + i + k * (10 + rnd.int(0, 20)), productId: 'p', quantity: 1, amount: scale * (0.5 + rnd.next()), currency })));
}

describe('spend per currency', () => {
  it('fits Gamma-Gamma per currency and predicts each customer in their own currency', () => {
    const histories = [...Array.from({ length: 60 }, (_, i) => customer(i, 'EUR')), ...Array.from({ length: 40 }, (_, i) => customer(100 + i, 'JPY'))];
    const model = fitPopulation(histories, START + 400);
    expect(Object.keys(model.gammaGamma).sort()).toEqual(['EUR', 'JPY']);
    const eur = predictCustomer(histories[0]!, model, START + 400);
    const jpy = predictCustomer(histories[70]!, model, START + 400);
    expect([eur.currency, jpy.currency]).toEqual(['EUR', 'JPY']);
    expect(eur.expectedSpendPerPurchase).toBeGreaterThan(10);
    expect(eur.expectedSpendPerPurchase).toBeLessThan(60);
    expect(jpy.expectedSpendPerPurchase).toBeGreaterThan(1500);
  });

  it("counts only the customer's main currency towards spend, and every purchase day towards cadence", () => {
    const h = buildHistory([
      { day: START, productId: 'p', quantity: 1, amount: 10, currency: 'EUR' },
      { day: START + 10, productId: 'p', quantity: 1, amount: 10000, currency: 'JPY' },
      { day: START + 20, productId: 'p', quantity: 1, amount: 14, currency: 'EUR' },
    ]);
    expect([h.currency, h.totalSpend, h.days.length, h.spendDays]).toEqual(['EUR', 24, 3, 2]);
    expect(repeatSpend(h)).toEqual({ x: 1, meanSpend: 14 });
    expect(h.spendByCurrency).toEqual({ EUR: 24, JPY: 10000 });
  });
});
