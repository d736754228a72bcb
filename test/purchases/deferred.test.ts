import { describe, expect, it } from 'vitest';
import { regions } from '../../regions/index.ts';
import { deploymentDeps } from '../../src/deps.ts';
import { localConnection } from '../../src/local/bootstrap.ts';
import { BackgroundWork } from '../../src/shared/defer.ts';
import { useApi } from '../support/api.ts';
import { JWT_SECRET, PRIVACY_KEY } from '../support/app.ts';

const t = useApi();
const euHome = regions.find((r) => r.jurisdiction === 'EU' && r.home)!;
const connect = (endpoint: string) => localConnection(endpoint, euHome.awsRegion);
const deployment = () => deploymentDeps({ region: euHome, personal: connect(t.stores.endpoints.EU), global: connect(t.stores.endpoints.GLOBAL), peers: {}, jwtSecret: JWT_SECRET, privacyKey: PRIVACY_KEY });
const order = (customerId: string, orderId: string, daysAgo: number) => ({
  orderId,
  customerId,
  purchasedAt: new Date(Date.now() - daysAgo * 86_400_000).toISOString(),
  lines: [{ lineId: 'a', productId: 'coffee-beans', quantity: 1, unitPrice: 12.5, currency: 'EUR' }],
});

describe('a checkout answers once its lines, events and predictions are stored (decision 134)', () => {
  it('answers before the work that follows a recompute, which the request defers and which then lands', async () => {
    const { services } = deployment();
    const customerId = await t.newCustomer({ country: 'DE' });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const heard: string[] = [];
    // The last of the recompute's listeners (after segment, insights and recommendations): it waits on the gate.
    services.predictions.onComputed(async (id) => {
      await gate;
      heard.push(id);
    });
    const deferred: Promise<unknown>[] = [];
    for (const [i, daysAgo] of [40, 25, 10].entries()) await services.purchases.ingest({ orders: [order(customerId, `o${i}`, daysAgo)] }, { defer: (p) => void deferred.push(p) });
    const last = await services.purchases.ingest({ orders: [order(customerId, 'o3', 1)] }, { defer: (p) => void deferred.push(p) });

    // Answered with the predictions updated, while the listeners' work is still held at the gate.
    expect(last).toMatchObject({ created: 1, predictionsUpdated: 1 });
    expect(heard).toEqual([]);
    expect(deferred).toHaveLength(4);
    const stored = await services.predictions.read(customerId);
    expect(stored?.stored.lineCount).toBe(4);

    open();
    await Promise.all(deferred);
    expect(heard).toEqual([customerId, customerId, customerId, customerId]);
    // The recommendations entry the deferred work wrote is served (the bought product is its evidence).
    const recs = await t.api.call('GET', `/v1/customers/${customerId}/recommendations?limit=5`, { key: t.admin });
    expect(recs.status).toBe(200);
  });

  it('without a request context the same work is awaited inline', async () => {
    const { services } = deployment();
    const customerId = await t.newCustomer({ country: 'DE' });
    const heard: string[] = [];
    services.predictions.onComputed(async (id) => void heard.push(id));
    await services.purchases.ingest({ orders: [order(customerId, 'x1', 3)] });
    expect(heard).toEqual([customerId]);
  });
});

describe('BackgroundWork (the Node entry\'s waitUntil)', () => {
  it('settles only when work handed over meanwhile has finished too, and a failure is logged, not thrown', async () => {
    const work = new BackgroundWork();
    const done: string[] = [];
    work.defer(
      (async () => {
        await new Promise((r) => setTimeout(r, 20));
        done.push('first');
        work.defer((async () => void done.push('second'))());
      })(),
    );
    work.defer(Promise.reject(new Error('boom')));
    await work.settled();
    expect(done).toEqual(['first', 'second']);
  });
});
