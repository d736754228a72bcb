import { beforeAll, describe, expect, it } from 'vitest';
import { regions } from '../../regions/index.ts';
import { deploymentDeps } from '../../src/deps.ts';
import { runExperiment } from '../../src/experiments/model/assignment.ts';
import { localConnection } from '../../src/local/bootstrap.ts';
import { useApi } from '../support/api.ts';
import { JWT_SECRET, PRIVACY_KEY } from '../support/app.ts';

let clock = Date.parse('2026-11-20T09:00:00Z');
const t = useApi(() => ({ now: () => clock }));
const DAY = 86_400_000;

const definition = (over: Record<string, unknown> = {}) => ({
  name: 'Hero banner',
  hypothesis: 'A warmer banner sells more coffee',
  variations: [{ key: 'control' }, { key: 'warm', name: 'Warm', value: { colour: 'orange' } }],
  status: 'running',
  ...over,
});
/** A PUT, then the clock past the definitions' isolate cache (30 s), as other regions see a change. */
const put = async (key: string, body: unknown, auth = t.admin) => {
  const res = await t.api.call('PUT', `/v1/experiments/${key}`, { key: auth, body });
  clock += 31_000;
  return res;
};
const exposuresIn = async (store: 'EU' | 'ROW', id?: string) => (await t.stores.scanAll(store)).filter((i) => String(i._table).endsWith('-exposures') && (!id || i.customerId === id));
const stats = async (key: string, j: 'EU' | 'ROW') => (await t.api.call('GET', `/v1/experiments/${key}/stats?jurisdiction=${j}`, { key: t.admin })).body;

describe('experiment definitions', () => {
  it('creates (201), reads, lists and changes (200) an experiment, with defaults filled in', async () => {
    const created = await put('hero-banner', definition({ status: 'draft' }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ key: 'hero-banner', seed: 'hero-banner', hashVersion: 2, hashAttribute: 'id', weights: [0.5, 0.5], coverage: 1, phase: 1, version: 1, primaryMetric: 'conversion' });
    expect(created.body.metrics.map((m: { key: string }) => m.key)).toEqual(['conversion', 'orders']);
    const changed = await put('hero-banner', definition({ weights: [0.4, 0.6] }));
    expect([changed.status, changed.body.version, changed.body.weights]).toEqual([200, 2, [0.4, 0.6]]);
    expect((await t.api.call('GET', '/v1/experiments/hero-banner', { key: t.admin })).body.status).toBe('running');
    expect((await t.api.call('GET', '/v1/experiments', { key: t.admin })).body.items.map((e: { key: string }) => e.key)).toContain('hero-banner');
  });

  it('refuses to change who sees what once running (409), and starts a new phase when asked', async () => {
    const refused = await put('hero-banner', definition({ weights: [0.5, 0.5] }));
    expect([refused.status, refused.body.code]).toEqual([409, 'experiments.runningImmutable']);
    expect((await put('hero-banner', definition({ weights: [0.4, 0.6], status: 'draft' }))).body.code).toBe('experiments.invalidTransition');
    // Renaming and re-describing is not a change of assignment.
    expect((await put('hero-banner', definition({ weights: [0.4, 0.6], name: 'Hero banner, warm' }))).status).toBe(200);
    const next = await put('hero-banner', definition({ weights: [0.5, 0.5], phase: 2 }));
    expect([next.status, next.body.phase, next.body.phases.map((p: { phase: number }) => p.phase)]).toEqual([200, 2, [1, 2]]);
    expect((await put('hero-banner', definition({ phase: 4 }))).body.code).toBe('experiments.phaseMismatch');
  });
});

describe('storefront lookups', () => {
  let eu: string;
  let row: string;
  beforeAll(async () => {
    eu = await t.newCustomer({ country: 'DE' });
    row = await t.newCustomer({ country: 'US' });
    await put('lookup-test', definition({ seed: 'lk' }));
  });

  it("answers EU and ROW customers through any edge with GrowthBook's Result fields, as GrowthBook would bucket them", async () => {
    for (const [id, edge] of [[eu, 'us-east-1'], [row, 'eu-central-1'], [eu, 'ap-southeast-2']] as const) {
      const res = await t.api.call('GET', `/v1/customers/${id}/experiments/lookup-test?expose=false`, { key: t.admin, region: edge });
      expect(res.status).toBe(200);
      const expected = runExperiment({ key: 'lookup-test', seed: 'lk', hashVersion: 2, variations: [null, { colour: 'orange' }], meta: [{ key: 'control' }, { key: 'warm', name: 'Warm' }] }, { attributes: { id } });
      expect(res.body).toEqual({ experimentKey: 'lookup-test', phase: 1, ...expected });
    }
  });

  it('buckets an anonymous device by its id, the same for the same id', async () => {
    const a = await t.api.call('GET', `/v1/customers/${eu}/experiments/lookup-test?unit=device:d-123&expose=false`, { key: t.admin });
    const b = await t.api.call('GET', `/v1/customers/${row}/experiments/lookup-test?unit=device:d-123&expose=false`, { key: t.admin });
    expect(a.body).toMatchObject({ hashAttribute: 'deviceId', hashValue: 'd-123' });
    expect([a.body.variationId, a.body.bucket]).toEqual([b.body.variationId, b.body.bucket]);
  });

  it("lets a customer's own token look, and no one else's", async () => {
    const token = (await t.api.call('POST', `/v1/customers/${eu}/tokens`, { key: t.admin, body: {} })).body.token;
    expect((await t.api.call('GET', `/v1/customers/${eu}/experiments?expose=false`, { key: token })).status).toBe(200);
    expect((await t.api.call('GET', `/v1/customers/${row}/experiments/lookup-test`, { key: token })).body.code).toBe('customers.notFound');
  });

  it('records one exposure for 20 parallel lookups of one customer, only in the EU for an EU customer', async () => {
    const id = await t.newCustomer({ country: 'FR' });
    const answers = await Promise.all(Array.from({ length: 20 }, () => t.api.call('GET', `/v1/customers/${id}/experiments/lookup-test`, { key: t.admin, region: 'us-east-1' })));
    expect(new Set(answers.map((a) => a.body.variationId)).size).toBe(1);
    expect((await exposuresIn('EU', id)).length).toBe(1);
    const all = (await t.api.call('GET', `/v1/customers/${id}/experiments`, { key: t.admin })).body.experiments;
    expect(all.map((e: { experimentKey: string }) => e.experimentKey)).toContain('lookup-test');
    expect((await exposuresIn('EU', id)).filter((e) => e.experimentKey === 'lookup-test').length).toBe(1);
    // Scans of the other stores: nothing names the customer.
    for (const store of ['ROW', 'GLOBAL'] as const) expect((await t.stores.scanAll(store)).filter((i) => JSON.stringify(i).includes(id))).toEqual([]);
  });

  it('looks without recording when asked, and answers a stopped experiment with inExperiment false', async () => {
    const id = await t.newCustomer({ country: 'US' });
    await t.api.call('GET', `/v1/customers/${id}/experiments/lookup-test?expose=false`, { key: t.admin });
    expect(await exposuresIn('ROW', id)).toEqual([]);
    await put('lookup-stopped', definition({ status: 'stopped' }));
    const stopped = await t.api.call('GET', `/v1/customers/${id}/experiments/lookup-stopped`, { key: t.admin });
    expect(stopped.body).toMatchObject({ inExperiment: false, variationId: 0, key: 'control', hashUsed: false });
    expect(await exposuresIn('ROW', id)).toEqual([]);
  });

  it('keeps customers outside targeting and coverage out, with variation 0, and forces QA units unexposed', async () => {
    await put('targeted', definition({ targeting: { countries: ['FR'] }, forcedVariations: { [row]: 'warm' } }));
    const out = await t.api.call('GET', `/v1/customers/${eu}/experiments/targeted`, { key: t.admin });
    expect(out.body).toMatchObject({ inExperiment: false, variationId: 0 });
    const qa = await t.api.call('GET', `/v1/customers/${row}/experiments/targeted`, { key: t.admin });
    expect(qa.body).toMatchObject({ inExperiment: true, hashUsed: false, key: 'warm' });
    expect((await exposuresIn('EU', eu)).filter((e) => e.experimentKey === 'targeted')).toEqual([]);
    expect((await exposuresIn('ROW', row)).filter((e) => e.experimentKey === 'targeted')).toEqual([]);
  });
});

describe('conversions come from purchases after the first exposure, within the window', () => {
  it('counts an order after exposure, not one before, and not one beyond 14 days (but within a 30-day metric)', async () => {
    await put('window', definition({ coverage: 1, metrics: [{ key: 'conversion', type: 'conversion' }, { key: 'orders30', type: 'orders', windowDays: 30 }, { key: 'spend', type: 'revenue' }], currency: 'EUR' }));
    const id = await t.newCustomer({ country: 'DE' });
    const order = (orderId: string, at: number, currency = 'EUR') => ({ orderId, customerId: id, purchasedAt: new Date(at).toISOString(), lines: [{ productId: 'coffee', quantity: 2, unitPrice: 4.5, currency }] });
    await t.api.call('POST', '/v1/purchases', { key: t.admin, body: order('before', clock - DAY) });
    const seen = (await t.api.call('GET', `/v1/customers/${id}/experiments/window`, { key: t.admin })).body;
    expect(seen.inExperiment).toBe(true);
    const exposedAt = clock;
    clock += 60_000;
    await t.api.call('POST', '/v1/purchases', { key: t.admin, body: { orders: [order('after', clock), order('after-usd', clock + 1000, 'USD')] } });
    // Sent again: stored once, attributed once.
    await t.api.call('POST', '/v1/purchases', { key: t.admin, body: order('after', clock) });
    clock = exposedAt + 20 * DAY;
    await t.api.call('POST', '/v1/purchases', { key: t.admin, body: order('late', clock) });
    const s = await stats('window', 'EU');
    const v = s.variations[seen.variationId];
    expect(v.units).toBe(1);
    expect(v.metrics.conversion).toEqual({ n: 1, sum: 1, sumSquares: 1 });
    expect(v.metrics.orders30.sum).toBe(3); // after, after-usd, late
    expect(v.metrics.spend.sum).toBe(9); // EUR only; the USD line is not converted
    expect(s.otherCurrencyLines).toBe(1);
    const attributed = (await exposuresIn('EU', id)).filter((i) => i.kind === 'conversion').map((i) => i.orderId).sort();
    expect(attributed).toEqual(['after', 'after-usd', 'late']);
  });
});

describe('the recommendations seam', () => {
  it('serves the running recommendations experiment\'s variant, records the exposure, and allows one per surface', async () => {
    const euHome = regions.find((r) => r.jurisdiction === 'EU' && r.home)!;
    const { services } = deploymentDeps({
      region: euHome,
      personal: localConnection(t.stores.endpoints.EU, euHome.awsRegion),
      global: localConnection(t.stores.endpoints.GLOBAL, euHome.awsRegion),
      peers: {},
      jwtSecret: JWT_SECRET,
      privacyKey: PRIVACY_KEY,
      now: () => clock,
    });
    const id = await t.newCustomer({ country: 'IT' });
    expect(await services.experiments.variantFor(id, 'recommendations')).toBeUndefined();
    const algorithms = { name: 'Recommendation algorithm', surface: 'recommendations', variations: [{ key: 'popular', value: { algorithm: 'popular-v1' } }, { key: 'stand-in', value: { algorithm: 'stand-in-v2' } }] };
    expect((await put('reco-algo', { ...algorithms, status: 'running' })).status).toBe(201);
    const looked = await services.experiments.variantFor(id, 'recommendations', { expose: false });
    expect(await exposuresIn('EU', id)).toEqual([]);
    const variant = await services.experiments.variantFor(id, 'recommendations');
    expect(variant).toEqual(looked);
    expect(variant).toMatchObject({ experimentKey: 'reco-algo', phase: 1 });
    expect([{ algorithm: 'popular-v1' }, { algorithm: 'stand-in-v2' }]).toContainEqual(variant!.value);
    expect((await exposuresIn('EU', id)).map((e) => e.variationKey)).toEqual([variant!.variationKey]);

    const second = await put('reco-other', { ...algorithms, status: 'running' });
    expect([second.status, second.body.code]).toEqual([409, 'experiments.surfaceTaken']);
    expect((await put('reco-algo', { ...algorithms, status: 'stopped' })).status).toBe(200);
    expect((await put('reco-other', { ...algorithms, status: 'running' })).status).toBe(201);
  });
});
