import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { predictCustomer } from '../../../src/predictions/model/customer.ts';
import { buildHistory, type PurchaseEvent } from '../../../src/predictions/model/history.ts';
import { defaultPopulationModel, fitPopulation } from '../../../src/predictions/model/population.ts';
import { toView } from '../../../src/predictions/view.ts';

const START = 20000;

/** A customer: a few products, each bought every so often with some noise, some stopping early. */
const history = fc.array(
  fc.record({
    product: fc.constantFrom('coffee', 'milk', 'nappies', 'tea', 'soap'),
    every: fc.integer({ min: 3, max: 90 }),
    noise: fc.double({ min: 0, max: 0.8, noNaN: true }),
    count: fc.integer({ min: 1, max: 12 }),
    start: fc.integer({ min: 0, max: 300 }),
    quantity: fc.constantFrom(0.5, 1, 1, 2, 3),
    seed: fc.integer(),
  }),
  { minLength: 1, maxLength: 4 },
).map((series) => {
  const events: PurchaseEvent[] = [];
  for (const s of series) {
    let day = START + s.start;
    let r = s.seed;
    for (let i = 0; i < s.count; i++) {
      events.push({ day, productId: s.product, category: s.product, quantity: s.quantity, amount: 4 * s.quantity, currency: 'EUR' });
      r = (r * 1103515245 + 12345) | 0;
      day += Math.max(1, Math.round(s.every * (1 + s.noise * ((r >>> 16) / 32768 - 1))));
    }
  }
  return events;
});

describe('statuses and evidence agree with the numbers shown (generated histories)', () => {
  const population = fitPopulation(
    Array.from({ length: 60 }, (_, c) => buildHistory(Array.from({ length: 6 }, (_, i) => ({ day: START + c + i * (20 + (c % 15)), productId: 'coffee', category: 'coffee', quantity: 1, amount: 8, currency: 'EUR' })))),
    START + 400,
  );

  it.each([
    ['the default population', defaultPopulationModel(START + 400)],
    ['a fitted population', population],
  ])('with %s', (_name, model) => {
    fc.assert(
      fc.property(history, fc.integer({ min: 0, max: 400 }), (events, wait) => {
        const last = Math.max(...events.map((e) => e.day));
        const asOf = last + 1 + wait;
        const p = predictCustomer(buildHistory(events), model, asOf);
        const view = toView('cus_eu_0000000000000000000a', p, { model }, events.length, '2026-01-01T00:00:00.000Z');
        for (const s of [...p.products, ...p.categories, p.next]) {
          expect(s.lowDay).toBeLessThanOrEqual(s.nextDay);
          expect(s.nextDay).toBeLessThanOrEqual(s.highDay);
          expect(s.nextDay).toBeGreaterThanOrEqual(asOf);
          const ahead = s.nextDay - asOf;
          // Decision 137: each status is a chance the shown numbers carry, and never contradicts the date.
          if (s.status === 'lapsed') expect(s.probabilityActive).toBeLessThan(0.2);
          if (s.status === 'due') expect(ahead).toBeLessThanOrEqual(14);
          if (s.status === 'due_soon') expect(ahead).toBeLessThanOrEqual(30);
          if (s.status === 'due' || s.status === 'due_soon') expect(s.probabilityActive).toBeGreaterThanOrEqual(0.5);
          if (s.status === 'overdue') expect(s.elapsedDays).toBeGreaterThan(s.typicalGapDays * 0.5);
        }
        // The customer's series is alive exactly as BG/NBD says.
        expect(p.next.probabilityActive).toBe(p.probabilityAlive);
        const c = view.customer;
        if (c.churnRisk === 'high') expect(p.probabilityAlive < 0.3 || p.next.status === 'lapsed').toBe(true);
        if (c.churnRisk === 'low') expect(p.probabilityAlive >= 0.7 && !['overdue', 'lapsed'].includes(p.next.status)).toBe(true);
        const says = (word: string) => c.churnEvidence.some((e) => e.includes(word));
        expect(says('the next purchase is lapsed')).toBe(p.next.status === 'lapsed');
        expect(says('the next purchase is overdue')).toBe(p.next.status === 'overdue');
        expect(c.churnEvidence[0]).toContain(`${(p.probabilityAlive * 100).toFixed(0)}%`);
      }),
      { numRuns: 300, seed: 20261201 },
    );
  });
});
