import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { regions } from '../../regions/index.ts';
import { deploymentDeps } from '../../src/deps.ts';
import { localConnection } from '../../src/local/bootstrap.ts';
import { useApi } from '../support/api.ts';
import { JWT_SECRET, PRIVACY_KEY } from '../support/app.ts';

const NOW = Date.parse('2026-06-30T12:00:00Z');
const clock = { now: NOW };
const daysAgo = (n: number) => new Date(NOW - n * 86_400_000 - 3_600_000).toISOString();
const t = useApi(() => ({ now: () => clock.now }));
const admin = () => t.stores.adminKey;

const PRODUCTS: [string, string, string, number, boolean][] = [
  ['coffee-beans', 'Coffee beans, medium roast', 'coffee', 18.9, true],
  ['coffee-filters', 'Coffee filters', 'coffee', 3, true],
  ['espresso-beans', 'Espresso beans, dark roast', 'coffee', 16.5, true],
  ['oat-milk', 'Oat milk', 'dairy-alternatives', 11.4, true],
  ['green-tea', 'Green tea bags', 'tea', 6.5, true],
  ['honey', 'Forest honey', 'pantry', 5.5, true],
  ['toilet-paper', 'Toilet paper', 'household', 12.9, true],
  ['french-press', 'French press', 'kitchen', 29, false],
];

/** A customer in `country` buying `products` together every `every` days, `count` times, the last `last` days ago. */
async function shopper(country: string, products: string[], every: number, count: number, last: number) {
  const id = await t.newCustomer({ country, consents: { profiling: true } });
  const orders = Array.from({ length: count }, (_, k) => ({
    orderId: `o${k}`,
    customerId: id,
    purchasedAt: daysAgo(last + k * every),
    lines: products.map((productId) => ({ productId, quantity: 1, unitPrice: PRODUCTS.find((p) => p[0] === productId)![3], currency: country === 'US' ? 'USD' : 'EUR' })),
  }));
  const res = await t.api.call('POST', '/v1/purchases', { key: admin(), body: { orders } });
  if (res.status !== 200) throw new Error(JSON.stringify(res.body));
  return id;
}

const recs = (id: string, query = '', key = admin(), headers: Record<string, string> = {}) => t.api.call('GET', `/v1/customers/${id}/recommendations${query}`, { key, headers });
const ids = (res: { body: { items: { productId: string }[] } }) => res.body.items.map((i) => i.productId);

let due: string;
let justBought: string;
let owner: string;
let objector: string;
let fresh: string;
beforeAll(async () => {
  for (const [id, name, category, price, consumable] of PRODUCTS) {
    await t.api.call('PUT', `/v1/products/${id}`, { key: admin(), body: { name, category, price, currency: 'EUR', packSize: 1, packUnit: 'item', consumable } });
  }
  // EU: coffee people who buy filters with their beans; ROW: tea people who buy honey with their tea.
  for (let i = 0; i < 6; i++) await shopper('DE', ['coffee-beans', 'coffee-filters', 'toilet-paper'], 14, 5, 3 + i);
  for (let i = 0; i < 6; i++) await shopper('US', ['green-tea', 'honey'], 20, 4, 5 + i);
  due = await shopper('FR', ['coffee-beans'], 14, 6, 13);
  justBought = await shopper('FR', ['coffee-beans', 'oat-milk'], 14, 6, 1);
  owner = await shopper('FR', ['french-press', 'oat-milk'], 30, 1, 20);
  objector = await shopper('AT', ['coffee-beans', 'oat-milk'], 14, 6, 13);
  fresh = await t.newCustomer({ country: 'DE' });
  for (const j of ['EU', 'ROW']) {
    const res = await t.api.call('POST', `/v1/ops/recommendations/rebuild?jurisdiction=${j}`, { key: admin() });
    if (res.status !== 200) throw new Error(JSON.stringify(res.body));
  }
}, 120_000);

describe('a customer\u2019s recommendations', () => {
  it('puts what is due first, explains every item, and answers from cache with ETag, 304, Age and the algorithm', async () => {
    const res = await recs(due);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ customerId: due, algorithm: 'replenish-blend-v1', personalised: true, context: 'home' });
    expect(res.body.items[0]).toMatchObject({ productId: 'coffee-beans', rank: 1, reason: 'replenish_due', category: 'coffee', price: 18.9 });
    expect(res.body.items[0].evidence).toMatch(/^(due|overdue)/);
    const filters = res.body.items.find((i: { productId: string }) => i.productId === 'coffee-filters');
    expect(filters).toMatchObject({ reason: 'bought_together', evidence: expect.stringMatching(/^bought with Coffee beans, medium roast by \d+% of its buyers$/) });
    for (const item of res.body.items) expect(item.evidence.length).toBeGreaterThan(0);
    const first = await t.api.call('GET', `/v1/customers/${due}/recommendations`, { key: admin() });
    expect(first.status).toBe(200);
    const etag = (await t.api.fetch(new Request(`http://cadence.test/v1/customers/${due}/recommendations`, { headers: { authorization: `Bearer ${admin()}`, 'cadence-edge-region': 'eu-central-1' } }))).headers;
    expect(etag.get('etag')).toMatch(/^"[0-9a-f]{24}"$/);
    expect(etag.get('age')).toMatch(/^\d+$/);
    // A warm read: the storefront fast path answers from the bytes the app kept (private, for the view cache's minute).
    expect(etag.get('cache-control')).toMatch(/^private, max-age=60/);
    const again = await recs(due, '', admin(), { 'if-none-match': etag.get('etag')! });
    expect(again.status).toBe(304);
  });

  it("lets the customer's own token read it, and answers another customer's token like a missing customer", async () => {
    const token = (await t.api.call('POST', `/v1/customers/${due}/tokens`, { key: admin(), body: {} })).body.token;
    expect((await recs(due, '', token)).status).toBe(200);
    const other = await recs(justBought, '', token);
    expect([other.status, other.body.code]).toEqual([404, 'customers.notFound']);
  });

  it('never recommends what was just bought, nor a durable already owned, and changes when purchases arrive', async () => {
    expect(ids(await recs(justBought, '?limit=50'))).not.toContain('coffee-beans');
    expect(ids(await recs(owner, '?limit=50'))).not.toContain('french-press');
    // The due customer buys the beans now: they leave the list.
    await t.api.call('POST', '/v1/purchases', { key: admin(), body: { orderId: 'now', customerId: due, purchasedAt: new Date(NOW - 60_000).toISOString(), lines: [{ productId: 'coffee-beans', quantity: 1, unitPrice: 18.9, currency: 'EUR' }] } });
    expect(ids(await recs(due, '?limit=50'))).not.toContain('coffee-beans');
  });

  it('gives a new customer the best sellers, and says the list is not personal', async () => {
    const res = await recs(fresh);
    expect(res.body).toMatchObject({ personalised: false, notPersonalised: 'no_purchases', algorithm: 'popular-v1' });
    expect(res.body.items.length).toBeGreaterThan(0);
    expect(res.body.items.every((i: { reason: string }) => i.reason === 'popular')).toBe(true);
    // EU best sellers: what EU customers buy, never the ROW customers' tea.
    expect(ids(res)).toContain('coffee-beans');
    expect(ids(res)).not.toContain('green-tea');
  });

  it('gives a customer who objected to profiling nothing personal, says so, and keeps nothing personal for them', async () => {
    expect((await recs(objector)).body.personalised).toBe(true);
    expect((await t.api.call('PATCH', `/v1/customers/${objector}`, { key: admin(), body: { consents: { profiling: false } } })).status).toBe(200);
    const res = await recs(objector);
    expect(res.body).toMatchObject({ personalised: false, notPersonalised: 'profiling_objected', algorithm: 'popular-v1' });
    expect(res.body.items.every((i: { reason: string }) => i.reason === 'popular')).toBe(true);
    // Exactly what anyone would get: the same items as a customer Cadence knows nothing about.
    expect(ids(res)).toEqual(ids(await recs(fresh)));
    const product = await recs(objector, '?context=product&productId=coffee-beans');
    expect(product.body.items.every((i: { reason: string }) => ['similar', 'bought_together', 'popular'].includes(i.reason))).toBe(true);
    // The objection deleted their entry (nothing derived from them is kept), and neither a purchase nor a rebuild makes one.
    const entryOf = async () => (await t.stores.scanAll('EU')).filter((i) => i.customerId === objector && String(i._table).endsWith('-recommendations'));
    expect(await entryOf()).toEqual([]);
    await t.api.call('POST', '/v1/purchases', { key: admin(), body: { orderId: 'after-objection', customerId: objector, purchasedAt: new Date(NOW - 120_000).toISOString(), lines: [{ productId: 'honey', quantity: 1, unitPrice: 5.5, currency: 'EUR' }] } });
    await t.api.call('POST', '/v1/ops/recommendations/rebuild?jurisdiction=EU', { key: admin() });
    expect(await entryOf()).toEqual([]);
    expect((await recs(objector)).body.personalised).toBe(false);
    // Consent given again makes the list personal again.
    await t.api.call('PATCH', `/v1/customers/${objector}`, { key: admin(), body: { consents: { profiling: true } } });
    expect((await recs(objector)).body.personalised).toBe(true);
  });

  it.each<[string, string, (items: { productId: string; category?: string; price?: number; reason: string }[]) => boolean]>([
    ['category', '?category=coffee', (items) => items.length > 0 && items.every((i) => i.category === 'coffee')],
    ['exclude', '?exclude=coffee-filters,toilet-paper', (items) => !items.some((i) => ['coffee-filters', 'toilet-paper'].includes(i.productId))],
    ['maxPrice', '?maxPrice=10', (items) => items.length > 0 && items.every((i) => i.price! <= 10)],
    ['limit', '?limit=1', (items) => items.length === 1],
    ['product context: like and bought with the product first', '?context=product&productId=coffee-filters', (items) => items[0]!.reason === 'similar' || items[0]!.reason === 'bought_together'],
    ['cart context: bought with the product added', '?context=cart&productId=coffee-beans', (items) => items[0]!.productId === 'coffee-filters' && items[0]!.reason === 'bought_together'],
  ])('applies %s', async (_name, query, check) => {
    const res = await recs(justBought, query);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(check(res.body.items)).toBe(true);
  });

  it('answers an honest empty list with its reason when the filters leave nothing', async () => {
    const res = await recs(due, '?maxPrice=0.5');
    expect(res.body).toMatchObject({ items: [], empty: { reason: 'nothing_matches' } });
  });
});

describe('product lists (non-personal)', () => {
  it('lists similar catalog products', async () => {
    const res = await t.api.call('GET', '/v1/products/coffee-beans/similar?limit=2', { key: admin() });
    expect(res.body).toMatchObject({ productId: 'coffee-beans', algorithm: 'content-v1' });
    expect(res.body.items[0]).toMatchObject({ productId: 'espresso-beans', category: 'coffee' });
    expect(res.body.items[0].evidence).toMatch(/^like Coffee beans, medium roast \(same category/);
  });

  it("serves bought-together from the named jurisdiction's aggregates, forwarded there", async () => {
    const eu = await t.api.call('GET', '/v1/products/coffee-beans/bought-together?jurisdiction=EU', { key: admin() });
    expect(eu.body).toMatchObject({ productId: 'coffee-beans', jurisdiction: 'EU' });
    expect(eu.body.items.map((i: { productId: string }) => i.productId)).toContain('coffee-filters');
    expect(eu.body.items[0].customers).toBeGreaterThanOrEqual(5);
    const row = await t.api.call('GET', '/v1/products/green-tea/bought-together?jurisdiction=ROW', { key: admin() });
    expect(row.body.items.map((i: { productId: string }) => i.productId)).toEqual(['honey']);
    // ROW has no coffee pairs: those are the EU's.
    const none = await t.api.call('GET', '/v1/products/coffee-beans/bought-together?jurisdiction=ROW', { key: admin() });
    expect(none.body).toMatchObject({ jurisdiction: 'ROW', items: [], empty: { reason: 'no_candidates' } });
  });

  it('keeps EU co-purchase aggregates in the EU store only', async () => {
    const [eu, row, global] = [await t.stores.scanAll('EU'), await t.stores.scanAll('ROW'), await t.stores.scanAll('GLOBAL')];
    const aggregates = (items: Record<string, unknown>[]) => items.filter((i) => String(i.customerId ?? '').startsWith('agg#'));
    expect(aggregates(eu).length).toBeGreaterThan(1);
    expect(aggregates(eu).every((i) => String(i._table) === 'cadence-eu-recommendations')).toBe(true);
    expect(JSON.stringify(aggregates(eu))).toContain('coffee-filters');
    expect(JSON.stringify(row)).not.toContain('coffee-filters');
    expect(JSON.stringify(row)).not.toMatch(/agg#eu-|cus_eu_/);
    expect(JSON.stringify(global)).not.toMatch(/agg#|coffee-filters","score/);
  });
});

describe('the A/B seam: a running recommendations experiment picks the algorithm', () => {
  // All of a phase's weight on one variation: every customer in the experiment gets it (by hash, so exposed).
  const run = (key: string, only: number, status = 'running') =>
    t.api.call('PUT', `/v1/experiments/${key}`, {
      key: admin(),
      region: 'eu-central-1', // where the EU customers' lookups are cached
      body: {
        name: 'Recommendation algorithm',
        surface: 'recommendations',
        status,
        variations: [{ key: 'blend', value: { algorithm: 'replenish-blend-v1' } }, { key: 'together', value: { algorithm: 'bought-together-v1' } }, { key: 'unknown', value: { algorithm: 'magic-v9' } }, { key: 'best', value: { algorithm: 'popular-v1' } }],
        weights: [0, 1, 2, 3].map((i) => (i === only ? 1 : 0)),
      },
    });
  const exposed = async (id: string) =>
    (await t.stores.scanAll('EU')).filter((i) => String(i._table).endsWith('-exposures') && i.customerId === id && String(i.itemKey).startsWith('exp#')).map((i) => [i.experimentKey, i.variationKey]);

  it("serves the variant's algorithm, says which experiment served, records the exposure once, and serves the default again when it stops", async () => {
    const before = await recs(justBought);
    expect(before.body.algorithm).toBe('replenish-blend-v1');
    expect(before.body.experiment).toBeUndefined();
    expect((await run('recs-together', 1)).status).toBe(201);
    const variant = await recs(justBought);
    expect(variant.body).toMatchObject({ algorithm: 'bought-together-v1', experiment: { experimentKey: 'recs-together', phase: 1, variationKey: 'together' }, personalised: true });
    expect(variant.body.items[0].reason).toBe('bought_together');
    await recs(justBought, '?limit=5');
    expect(await exposed(justBought)).toEqual([['recs-together', 'together']]);
    // A personal algorithm cannot serve a customer with no purchases: best sellers do, no experiment, no exposure.
    const newcomer = await recs(fresh);
    expect(newcomer.body).toMatchObject({ algorithm: 'popular-v1', personalised: false });
    expect(newcomer.body.experiment).toBeUndefined();
    expect(await exposed(fresh)).toEqual([]);
    expect((await run('recs-together', 1, 'stopped')).status).toBe(200);
    const after = await recs(justBought);
    expect(after.body.algorithm).toBe('replenish-blend-v1');
    expect(after.body.experiment).toBeUndefined();
  });

  it('serves the default for a variant naming an unknown algorithm (no exposure), and a non-personal variant to anyone', async () => {
    expect((await run('recs-unknown', 2)).status).toBe(201);
    const unknown = await recs(due);
    expect(unknown.body.algorithm).toBe('replenish-blend-v1');
    expect(unknown.body.experiment).toBeUndefined();
    expect(await exposed(due)).toEqual([]);
    expect((await run('recs-unknown', 2, 'stopped')).status).toBe(200);
    expect((await run('recs-popular', 3)).status).toBe(201);
    const best = await recs(fresh);
    expect(best.body).toMatchObject({ algorithm: 'popular-v1', experiment: { experimentKey: 'recs-popular', variationKey: 'best' } });
    expect(await exposed(fresh)).toEqual([['recs-popular', 'best']]);
    expect((await run('recs-popular', 3, 'stopped')).status).toBe(200);
  });
});

describe('generated queries never cause a 5xx (fast-check)', () => {
  it('GET /v1/customers/:id/recommendations', async () => {
    const value = fc.oneof(fc.string(), fc.constantFrom('0', '1', '50', '51', '-1', '1e9', 'NaN', 'home', 'cart', 'product', 'coffee-beans', 'coffee', ''), fc.integer().map(String));
    const query = fc.dictionary(fc.constantFrom('limit', 'context', 'productId', 'category', 'exclude', 'maxPrice', 'jurisdiction', 'x'), value, { maxKeys: 4 });
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        const res = await recs(due, `?${new URLSearchParams(q).toString()}`);
        if (res.status >= 500) throw new Error(`${res.status} for ${JSON.stringify(q)}: ${JSON.stringify(res.body)}`);
        if (res.status >= 400) expect(res.type).toBe('application/problem+json');
      }),
      { numRuns: 300 },
    );
  }, 60_000);
});

describe('the daily rebuild', () => {
  it('runs once per jurisdiction and day: a repeated trigger finds the day\'s job', async () => {
    const euHome = regions.find((r) => r.jurisdiction === 'EU' && r.home)!;
    const connect = (endpoint: string) => localConnection(endpoint, euHome.awsRegion);
    const { services } = deploymentDeps({ region: euHome, personal: connect(t.stores.endpoints.EU), global: connect(t.stores.endpoints.GLOBAL), peers: {}, jwtSecret: JWT_SECRET, privacyKey: PRIVACY_KEY, now: () => clock.now });
    const builds = async () => (await t.stores.scanAll('EU')).filter((i) => i.customerId === 'agg#current').map((i) => i.buildId);
    const before = await builds();
    clock.now += 86_400_000; // the next day: the build of beforeAll is yesterday's (last in the file: entries move a day on)
    try {
      // The daily trigger's job: one id per jurisdiction and day.
      const day = new Date(clock.now).toISOString().slice(0, 10);
      const first = await services.jobs.run('recommendations.rebuild', { suffix: day });
      expect(first).toMatchObject({ status: 'succeeded', jurisdiction: 'EU' });
      expect(await builds()).not.toEqual(before);
      const again = await services.jobs.run('recommendations.rebuild', { suffix: day });
      expect(again.id).toBe(first.id);
      expect(await builds()).toEqual([first.result.buildId]);
    } finally {
      clock.now -= 86_400_000;
    }
  });
});
