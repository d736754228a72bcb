import { beforeAll, describe, expect, it } from 'vitest';
import { prng } from '../../src/shared/random.ts';
import { useApi } from '../support/api.ts';

/**
 * A generated experiment end to end: EU and ROW customers looked up through the edge, purchases from the
 * orders service with a planted lift (variation "warm" converts at twice the control's rate), and the
 * results page, whose figures come from both jurisdictions' sums.
 */
let clock = Date.parse('2026-11-10T09:00:00Z');
const t = useApi(() => ({ now: () => clock }));
const rnd = prng(11);
const CUSTOMERS = 160;
const RATES = [0.25, 0.5];

beforeAll(async () => {
  await t.api.call('PUT', '/v1/experiments/planted', {
    key: t.admin,
    body: { name: 'Planted lift', variations: [{ key: 'control' }, { key: 'warm' }], status: 'running', currency: 'EUR' },
  });
  const ids = await Promise.all(Array.from({ length: CUSTOMERS }, (_, i) => t.newCustomer({ country: i % 2 === 0 ? 'DE' : 'US' })));
  const orders = [];
  // Customer ids are random, so which variation a customer gets is too; the conversions are planted
  // exactly (every fourth control unit, every second warm one) so the test does not depend on chance.
  const seen = [0, 0];
  for (const id of ids) {
    const r = await t.api.call('GET', `/v1/customers/${id}/experiments/planted`, { key: t.admin, region: id.startsWith('cus_eu_') ? 'us-east-1' : 'eu-west-1' });
    const v = r.body.variationId as 0 | 1;
    if (seen[v]!++ % Math.round(1 / RATES[v]!) === 0) {
      orders.push({ orderId: `o-${id}`, customerId: id, purchasedAt: new Date(clock + 60_000).toISOString(), lines: [{ productId: 'coffee', quantity: 1, unitPrice: 10 + rnd.int(0, 10), currency: 'EUR' }] });
    }
  }
  clock += 5 * 60_000;
  expect((await t.api.call('POST', '/v1/purchases', { key: t.admin, body: { orders } })).status).toBe(200);
}, 60_000);

const results = (engine: string) => t.api.call('GET', `/v1/experiments/planted/results?engine=${engine}`, { key: t.admin, region: 'ap-southeast-2' });

describe('results of a generated experiment with a planted lift', () => {
  it('combines both jurisdictions and recovers the lift (frequentist)', async () => {
    const res = await results('frequentist');
    expect(res.status).toBe(200);
    const { body } = res;
    expect(body.jurisdictions).toEqual(['EU', 'ROW']);
    expect(body.variations.reduce((s: number, v: { units: number }) => s + v.units, 0)).toBe(CUSTOMERS);
    expect(body.srm.flagged).toBe(false);
    const [control, warm] = body.variations;
    expect(Math.abs(control.conversionRate - RATES[0]!)).toBeLessThan(0.1);
    const lift = warm.metrics.conversion.relativeLift;
    // Planted: 0.5 / 0.25 − 1 = 1.
    expect(lift.ci[0]).toBeLessThan(1);
    expect(lift.ci[1]).toBeGreaterThan(1);
    expect(lift.pValue).toBeLessThan(0.05);
    expect(warm.revenuePerUnit.mean).toBeGreaterThan(control.revenuePerUnit.mean);
  });

  it('answers with the Bayesian engine by default (chance to win, risk) and with the sequential one', async () => {
    const bayes = (await t.api.call('GET', '/v1/experiments/planted/results', { key: t.admin })).body;
    expect(bayes.engine).toBe('bayesian');
    const b = bayes.variations[1].metrics.conversion.relativeLift;
    expect(b.chanceToWin).toBeGreaterThan(0.95);
    expect(b.risk).toBeLessThan(0.01);
    const sequential = (await results('sequential')).body.variations[1].metrics.conversion.relativeLift;
    const fixed = (await results('frequentist')).body.variations[1].metrics.conversion.relativeLift;
    expect(sequential.ci[1] - sequential.ci[0]).toBeGreaterThan(fixed.ci[1] - fixed.ci[0]);
  });

  it("serves a jurisdiction's sums only as sums: no customer id crosses in them", async () => {
    const eu = await t.api.call('GET', '/v1/experiments/planted/stats?jurisdiction=EU', { key: t.admin, region: 'us-east-1' });
    expect(eu.status).toBe(200);
    expect(eu.body.jurisdiction).toBe('EU');
    expect(JSON.stringify(eu.body)).not.toMatch(/cus_/);
  });
});
