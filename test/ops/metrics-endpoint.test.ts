import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setMetricsSink } from '../../src/ops/metrics.ts';
import { PrometheusSink } from '../../src/ops/prometheus.ts';
import { useApi } from '../support/api.ts';

/** `GET /metrics` on the in-process regions (as the Node entry serves them), on real dynalite stores. */
describe('GET /metrics', () => {
  const t = useApi();
  beforeAll(() => setMetricsSink(new PrometheusSink()));
  afterAll(() => setMetricsSink(undefined));

  it('is for operators only: no credential 401, a key without ops:read or a customer token 403, problem+json', async () => {
    const none = await t.api.call('GET', '/metrics');
    expect(none.status).toBe(401);
    expect(none.type).toContain('application/problem+json');
    const reader = await t.stores.key(['customers:read']);
    expect((await t.api.call('GET', '/metrics', { key: reader })).body.code).toBe('auth.forbidden');
    const id = await t.newCustomer();
    const token = (await t.api.call('POST', `/v1/customers/${id}/tokens`, { key: t.admin, body: {} })).body.token as string;
    expect((await t.api.call('GET', '/metrics', { key: token })).status).toBe(403);
  });

  it('answers Prometheus text with every metric of the module, and filters by name (validated)', async () => {
    const ops = await t.stores.key(['ops:read']);
    await t.api.call('GET', '/health');
    const res = await t.api.call('GET', '/metrics', { key: ops });
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.body).toContain('# TYPE cadence_http_request_duration_seconds histogram');
    expect(res.body).toMatch(/cadence_http_requests_total\{region="us-east-1",route="\/health",method="GET",status="200"\} [1-9]/);
    // The admin key reads it too (admin holds every scope).
    expect((await t.api.call('GET', '/metrics', { key: t.admin })).status).toBe(200);

    const one = await t.api.call('GET', '/metrics?name=cadence_http_requests_total,cadence_jobs_total', { key: ops });
    expect(one.status).toBe(200);
    expect(one.body).toContain('# TYPE cadence_jobs_total counter');
    expect(one.body).not.toContain('cadence_cache_reads_total');

    for (const query of ['?name=process_cpu_seconds_total', '?name=', '?other=1']) {
      const bad = await t.api.call('GET', `/metrics${query}`, { key: ops });
      expect(bad.status, query).toBe(400);
      expect(bad.type).toContain('application/problem+json');
    }
  });

  it('answers 404 (problem+json) where the sink cannot be scraped, as on the Worker', async () => {
    setMetricsSink(undefined);
    try {
      const res = await t.api.call('GET', '/metrics', { key: t.admin });
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('metrics.notExposed');
    } finally {
      setMetricsSink(new PrometheusSink());
    }
  });
});
