import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATE_HORIZON_DAYS, isoWeekOf, WINDOW_DAYS } from '../../src/accuracy/model/score.ts';
import { generateDemoData, type DemoData } from '../../src/local/demo-data.ts';
import { loadDemoData } from '../../src/local/seed.ts';
import { simulate } from '../../src/local/simulate.ts';
import { eventsOf, type CatalogFacts } from '../../src/predictions/history-source.ts';
import { predictCustomer } from '../../src/predictions/model/customer.ts';
import { buildHistory } from '../../src/predictions/model/history.ts';
import { fitPopulation } from '../../src/predictions/model/population.ts';
import type { PurchaseLine } from '../../src/purchases/purchases.model.ts';
import { dayOf, formatDay } from '../../src/shared/days.ts';
import { client, JWT_SECRET, PRIVACY_KEY, type Client } from '../support/app.ts';
import { startDynaliteStores, type TestStores } from '../support/stores.ts';

const END = Date.UTC(2026, 10, 30, 12);
const DAYS = 35;
const lastDay = dayOf(END) - 1;
const firstDay = lastDay - DAYS + 1;

/** The same figures computed directly from the generated lines with the pure model, by ISO week. */
function direct(data: DemoData, jurisdiction: 'eu' | 'row') {
  const facts: CatalogFacts = new Map(data.products.map((p) => [p.id, { category: p.category, consumable: p.consumable }]));
  const byCustomer = new Map<string, PurchaseLine[]>();
  for (const l of data.lines.filter((x) => x.customerId.startsWith(`cus_${jurisdiction}_`))) byCustomer.set(l.customerId, [...(byCustomer.get(l.customerId) ?? []), l]);
  const weeks = new Map<string, { customers: number; dateScored: number; absError: number; oddsScored: number; brier: number }>();
  for (let d = firstDay; d <= lastDay; d++) {
    const known = [...byCustomer.values()].map((ls) => ls.filter((l) => dayOf(l.purchasedAt) <= d)).filter((ls) => ls.length > 0);
    const histories = known.map((ls) => buildHistory(eventsOf(ls, facts)));
    const model = fitPopulation(histories, d + 1);
    const w = weeks.get(isoWeekOf(d)) ?? { customers: 0, dateScored: 0, absError: 0, oddsScored: 0, brier: 0 };
    known.forEach((ls, i) => {
      const p = predictCustomer(histories[i]!, model, d + 1);
      const later = byCustomer.get(ls[0]!.customerId)!.map((l) => dayOf(l.purchasedAt)).filter((x) => x > d);
      const first = later.length > 0 ? Math.min(...later) : undefined;
      w.customers++;
      if (first !== undefined && first < d + 1 + DATE_HORIZON_DAYS) {
        w.dateScored++;
        w.absError += Math.abs(first - p.next.nextDay);
      }
      const bought = first !== undefined && first < d + 1 + WINDOW_DAYS;
      if (bought || lastDay + 1 >= d + 1 + WINDOW_DAYS) {
        w.oddsScored++;
        w.brier += (p.probabilityOfPurchase30 - (bought ? 1 : 0)) ** 2;
      }
    });
    weeks.set(isoWeekOf(d), w);
  }
  return weeks;
}

describe('a simulated month on a small demo shop', () => {
  let stores: TestStores;
  let api: Client;
  let data: DemoData;

  beforeAll(async () => {
    stores = await startDynaliteStores();
    data = generateDemoData({ customers: 16, now: END, seed: 7 });
    await loadDemoData(stores.endpoints, data);
    await simulate({ endpoints: stores.endpoints, jwtSecret: JWT_SECRET, privacyKey: PRIVACY_KEY, days: DAYS, end: END });
    api = client(stores, { now: () => END });
  }, 240_000);
  afterAll(async () => stores?.close());

  it('leaves the stores with every line they held before the replay', async () => {
    const res = await api.call('GET', `/v1/customers/${data.customers[0]!.id}/purchases?limit=100`, { key: stores.adminKey });
    expect(res.status).toBe(200);
    expect(res.body.purchases ?? res.body.items ?? res.body.lines).toHaveLength(data.lines.filter((l) => l.customerId === data.customers[0]!.id).length);
  });

  for (const jurisdiction of ['EU', 'ROW'] as const) {
    it(`serves ${jurisdiction}'s weeks, with the MAE a direct computation on the same data gives`, async () => {
      const res = await api.call('GET', `/v1/ops/accuracy?jurisdiction=${jurisdiction}&from=${formatDay(firstDay)}&to=${formatDay(lastDay)}`, { key: stores.adminKey });
      expect(res.status).toBe(200);
      expect(res.body.jurisdiction).toBe(jurisdiction);
      const expected = direct(data, jurisdiction === 'EU' ? 'eu' : 'row');
      expect(res.body.weeks.map((w: { week: string }) => w.week)).toEqual([...expected.keys()]);
      expect(res.body.weeks.length).toBeGreaterThanOrEqual(5);
      expect(res.body.weeks.reduce((s: number, w: { snapshots: number }) => s + w.snapshots, 0)).toBe(DAYS);
      let scoredWeeks = 0;
      for (const w of res.body.weeks) {
        const e = expected.get(w.week)!;
        expect(w.customers).toBe(e.customers);
        expect(w.nextDate.scored).toBe(e.dateScored);
        if (e.dateScored > 0) {
          scoredWeeks++;
          expect(w.nextDate.maeDays).toBeCloseTo(e.absError / e.dateScored, 9);
          expect(w.nextDate.coverage80).toBeGreaterThanOrEqual(0);
          expect(w.nextDate.coverage80).toBeLessThanOrEqual(1);
        }
        expect(w.buysWithin30.scored).toBe(e.oddsScored);
        if (e.oddsScored > 0) expect(w.buysWithin30.brier).toBeCloseTo(e.brier / e.oddsScored, 3);
        if (w.buysWithin30.auc !== undefined) expect(w.buysWithin30.auc).toBeGreaterThanOrEqual(0);
        if (w.buysWithin30.auc !== undefined) expect(w.buysWithin30.auc).toBeLessThanOrEqual(1);
        expect(w.settled).toBe(false);
      }
      expect(scoredWeeks).toBeGreaterThanOrEqual(4);
      // The first week's 30-day windows have passed: its counts are scored.
      expect(res.body.weeks[0].counts30.scored).toBeGreaterThan(0);
      expect(res.body.weeks[0].counts30.mae).toBeGreaterThanOrEqual(0);
    }, 120_000);
  }

  it('keeps no customer id in what it stores for accuracy', async () => {
    for (const store of ['EU', 'ROW'] as const) {
      const items = (await stores.scanAll(store)).filter((i) => String(i.customerId).startsWith('accuracy#'));
      expect(items.length).toBeGreaterThan(DAYS);
      expect(JSON.stringify(items)).not.toMatch(/cus_(eu|row)_/);
    }
  });
});
