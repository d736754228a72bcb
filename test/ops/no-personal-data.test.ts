import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { setMetricsSink, type MetricsSink } from '../../src/ops/metrics.ts';
import { LogLinesSink } from '../../src/ops/log-sink.ts';
import { PrometheusSink } from '../../src/ops/prometheus.ts';
import { useApi } from '../support/api.ts';
import { coffeeOrder, drainQueues } from '../support/queues.ts';

/**
 * A workload through the four region apps on real dynalite stores — customers with emails, purchases,
 * storefront reads (warm ones through the fast path), errors, an analysis job and an erasure — with every
 * console line captured and both sinks recording (Prometheus and the Worker's EMF lines). Nothing written
 * may name a customer or an email, and the metrics must still say what happened, by route pattern.
 */
const prom = new PrometheusSink();
const lines = new LogLinesSink({ intervalMs: 60_000 });
const tee: MetricsSink = { record: (m, l, v) => (prom.record(m, l, v), lines.record(m, l, v)), expose: (names) => prom.expose(names) };
const captured: string[] = [];

describe('metrics and logs of a workload', () => {
  const t = useApi();
  beforeAll(() => {
    setMetricsSink(tee);
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void captured.push(args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? `${a.message} ${a.stack}` : JSON.stringify(a))).join(' ')));
    }
  });
  afterAll(() => {
    vi.restoreAllMocks();
    setMetricsSink(undefined);
  });
  const drain = () => drainQueues(t.api.queues);
  const order = coffeeOrder;

  it('names no customer id and no email in any log line or metric, and labels routes by pattern', async () => {
    const people = [
      { country: 'DE', email: 'anna.schmidt@example.com' },
      { country: 'US', email: 'bob.jones@example.org' },
      { country: 'FR', email: 'claire.dupont@example.net' },
    ];
    const ids: string[] = [];
    for (const p of people) ids.push(await t.newCustomer({ country: p.country, displayName: 'Someone', contact: { email: p.email }, consents: { profiling: true } }));
    for (const id of ids) {
      const res = await t.api.call('POST', '/v1/purchases', { key: t.admin, body: { orders: [order(id, `o-${id.slice(-4)}-1`, 40), order(id, `o-${id.slice(-4)}-2`, 20), order(id, `o-${id.slice(-4)}-3`, 2)] } });
      expect(res.status).toBeLessThan(300);
    }
    const token = (await t.api.call('POST', `/v1/customers/${ids[0]}/tokens`, { key: t.admin, body: {} })).body.token as string;
    for (let i = 0; i < 3; i++) {
      expect((await t.api.call('GET', `/v1/customers/${ids[0]}/predictions`, { key: token, region: 'eu-central-1' })).status).toBe(200);
      expect((await t.api.call('GET', `/v1/customers/${ids[1]}/segment`, { key: t.admin })).status).toBeLessThan(500);
    }
    await t.api.call('POST', `/v1/customers/${ids[1]}/insights/refresh`, { key: t.admin });
    await drain();
    await t.api.call('GET', `/v1/customers/${ids[1]}/insights`, { key: t.admin });
    // Errors: a missing customer, another customer's token, a bad body, bad JSON, an unknown path.
    expect((await t.api.call('GET', '/v1/customers/cus_eu_zzzzzzzzzzzzzzzzzzzz', { key: t.admin })).status).toBe(404);
    expect((await t.api.call('GET', `/v1/customers/${ids[2]}/predictions`, { key: token })).status).toBe(404);
    expect((await t.api.call('POST', '/v1/purchases', { key: t.admin, body: { orders: [{ ...order(ids[2]!, 'bad', 1), lines: [] }] } })).status).toBe(400);
    expect((await t.api.call('POST', '/v1/customers', { key: t.admin, raw: `{"contact":{"email":"${people[2]!.email}"` })).status).toBe(400);
    expect((await t.api.call('GET', `/v1/customers/${ids[2]}/no-such-view`, { key: t.admin })).status).toBe(404);
    // An erasure, run by the queue.
    expect((await t.api.call('DELETE', `/v1/customers/${ids[2]}`, { key: t.admin })).status).toBeLessThan(300);
    await drain();
    expect((await t.api.call('GET', `/v1/customers/${ids[2]}`, { key: t.admin })).status).toBeGreaterThanOrEqual(400);

    const ops = await t.stores.key(['ops:read']);
    const scrape = await t.api.call('GET', '/metrics', { key: ops });
    expect(scrape.status).toBe(200);
    const text = scrape.body as string;
    lines.flush();
    const logs = captured.join('\n');

    // The metrics say what happened, by pattern: so the emptiness below is not from recording nothing.
    expect(text).toMatch(/cadence_http_requests_total\{region="eu-central-1",route="\/v1\/customers\/:id\/predictions",method="GET",status="200"\} [1-9]/);
    expect(text).toMatch(/cadence_http_requests_total\{region="us-east-1",route="\/v1\/purchases",method="POST",status="400"\} [1-9]/);
    expect(text).toMatch(/route="unmatched"/);
    expect(text).toMatch(/cadence_storefront_fast_path_hits_total\{region="eu-central-1",view="predictions"\} [1-9]/);
    expect(text).toMatch(/cadence_cache_reads_total\{cache="views",outcome="hit"\} [1-9]/);
    expect(text).toMatch(/cadence_jobs_total\{kind="privacy\.erase",outcome="processed"\} [1-9]/);
    expect(logs).toContain('"_aws"');
    expect(logs).toContain('cadence_http_requests_total');

    for (const haystack of [text, logs]) {
      for (const id of ids) {
        expect(haystack).not.toContain(id);
        // Also the id's random part alone (a log that trims the prefix still names the customer).
        expect(haystack).not.toContain(id.slice(-16));
      }
      for (const { email } of people) {
        expect(haystack.toLowerCase()).not.toContain(email);
        expect(haystack.toLowerCase()).not.toContain(email.split('@')[0]);
      }
      expect(haystack).not.toMatch(/cus_(eu|row)_[a-z0-9]{8,}/i);
    }
  }, 120_000);
});
