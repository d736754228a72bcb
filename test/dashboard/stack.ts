import { regions } from '../../regions/index.ts';
import { DynamoCostStore } from '../../src/insights/costs.repository.ts';
import { localConnection } from '../../src/local/bootstrap.ts';
import { DEMO_CATALOG, generateDemoData } from '../../src/local/demo-data.ts';
import { startLocalKinesis, type LocalKinesis } from '../../src/local/kinesis-streams.ts';
import { refitAndSegment } from '../../src/local/refit.ts';
import { loadDemoData } from '../../src/local/seed.ts';
import { serveFetch, type RunningServer } from '../../src/node.ts';
import { edgeRouter } from '../../src/hosting/edge-router.ts';
import { setMetricsSink } from '../../src/ops/metrics.ts';
import { PrometheusSink } from '../../src/ops/prometheus.ts';
import { documentClient } from '../../src/storage/client.ts';
import { client, type Client } from '../support/app.ts';
import { startDynaliteStores, type TestStores } from '../support/stores.ts';
import { homeStreaming, pollerOf } from '../streaming/support.ts';

/** A shop-provided experiment name that tries to end the page's JSON element and inject markup. */
export const HOSTILE_NAME = 'Checkout copy </script><img src=x onerror=alert(1)>';
export const EXPERIMENT_KEY = 'hero-banner';
export const HOSTILE_KEY = 'checkout-copy';

export interface DashboardStack {
  url: string;
  stores: TestStores;
  api: Client;
  /** Customers of each jurisdiction with purchases (demo data). */
  customers: { EU: string[]; ROW: string[] };
  close(): Promise<void>;
}

/**
 * The Node entry on real stores with what the page shows: demo customers refitted and segmented, AI spend
 * in the cost counters (no Bedrock here), a running experiment with exposures and conversions in both
 * jurisdictions, purchases through Kinesis to the live figures, and cache reads in the Prometheus sink.
 */
export async function startDashboardStack(): Promise<DashboardStack> {
  setMetricsSink(new PrometheusSink());
  const stores = await startDynaliteStores();
  let kinesis: LocalKinesis | undefined;
  let server: RunningServer | undefined;
  try {
    kinesis = await startLocalKinesis(regions);
    const k = kinesis;
    const api = client(stores, { streaming: (region) => k.connection(region) });
    server = await serveFetch(edgeRouter(api.regions, 'us-east-1'), 0);
    const now = Date.now();
    const data = generateDemoData({ customers: 120, now });
    await loadDemoData(stores.endpoints, data);
    await refitAndSegment(server.url, stores.adminKey);
    const customers = { EU: [] as string[], ROW: [] as string[] };
    for (const c of data.customers) customers[c.id.startsWith('cus_eu_') ? 'EU' : 'ROW'].push(c.id);

    // AI spend: what the ledger adds per call, for a week of days, in a region of each jurisdiction.
    const costs = new DynamoCostStore(documentClient(localConnection(stores.endpoints.GLOBAL)), regions[0]!.tables.models);
    for (let d = 0; d < 7; d++) {
      for (const [region, usd] of [['eu-central-1', 3 + d], ['us-east-1', 8 + 2 * d]] as const) {
        const call = { modelId: regions[0]!.bedrock.modelId, inputTokens: 500 * usd, outputTokens: 170 * usd, calls: 10 * usd, costUsd: usd, analysed: true };
        for (const period of ['day', 'month'] as const) await costs.record(region, now - d * 86_400_000, call, period);
      }
    }

    const admin = { authorization: `Bearer ${stores.adminKey}`, 'content-type': 'application/json' };
    for (const [key, name, variations] of [
      [EXPERIMENT_KEY, 'Hero banner', [{ key: 'control' }, { key: 'warm', name: 'Warm colours' }]],
      [HOSTILE_KEY, HOSTILE_NAME, [{ key: 'control' }, { key: 'short', name: 'Short <b>copy</b>' }]],
    ] as const) {
      const put = await api.call('PUT', `/v1/experiments/${key}`, { key: stores.adminKey, body: { name, variations, currency: 'EUR', status: 'running' } });
      if (put.status !== 201) throw new Error(`experiment not created: ${put.status} ${JSON.stringify(put.body)}`);
    }
    const exposed = [...customers.EU.slice(0, 24), ...customers.ROW.slice(0, 24)];
    for (const id of exposed) {
      for (const key of [EXPERIMENT_KEY, HOSTILE_KEY]) {
        const r = await api.call('GET', `/v1/customers/${id}/experiments/${key}?expose=true`, { key: stores.adminKey });
        if (r.status !== 200) throw new Error(`lookup failed: ${r.status}`);
      }
    }
    // Orders over the last half hour (the live figures), then orders after the exposures (conversions).
    const line = (i: number) => ({ productId: DEMO_CATALOG[i % DEMO_CATALOG.length]!.id, quantity: 1 + (i % 3), unitPrice: 12.5, currency: 'EUR' });
    const earlier = Date.now() - 30 * 60_000;
    const orders = [
      ...[...customers.EU.slice(24, 54), ...customers.ROW.slice(24, 54)].map((id, i) => ({ orderId: `live-${i}`, customerId: id, purchasedAt: new Date(earlier + ((i * 7919) % 29) * 60_000).toISOString(), lines: [line(i)] })),
      ...exposed.filter((_, i) => i % 3 !== 0).map((id, i) => ({ orderId: `conv-${i}`, customerId: id, purchasedAt: new Date().toISOString(), lines: [line(i)] })),
    ];
    const res = await fetch(`${server.url}/v1/purchases`, { method: 'POST', headers: admin, body: JSON.stringify({ orders }) });
    if (res.status !== 200) throw new Error(`purchases failed: ${res.status} ${await res.text()}`);
    for (const id of ['eu-central-1', 'us-east-1'] as const) {
      await homeStreaming(api, id).producer.drain();
      await pollerOf(homeStreaming(api, id)).pollOnce();
    }
    // Cache reads: the second read of each customer's predictions is a hit.
    for (const id of [...customers.EU.slice(0, 5), ...customers.ROW.slice(0, 5)]) {
      for (let i = 0; i < 2; i++) await fetch(`${server.url}/v1/customers/${id}/predictions`, { headers: admin });
    }
    const running = server;
    return {
      url: server.url,
      stores,
      api,
      customers,
      async close() {
        await running.close();
        await k.close();
        await stores.close();
        setMetricsSink(undefined);
      },
    };
  } catch (err) {
    await server?.close();
    await kinesis?.close();
    await stores.close();
    throw err;
  }
}
