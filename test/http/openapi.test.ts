import { beforeAll, expect, it } from 'vitest';
import { useApi } from '../support/api.ts';
import { client } from '../support/app.ts';

const t = useApi();

it('publishes an OpenAPI 3.1 document generated from the route schemas, and a docs page', async () => {
  const res = await t.api.call('GET', '/openapi.json');
  expect(res.status).toBe(200);
  const doc = res.body as { openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown> }>>; components: { schemas: Record<string, unknown> } };
  expect(doc.openapi).toBe('3.1.0');
  // Every feature's routes are in the document (features add to this list; none may go missing).
  expect(Object.keys(doc.paths).sort()).toEqual(expect.arrayContaining([
    '/v1/customers',
    '/v1/customers/{id}',
    '/v1/customers/{id}/experiments',
    '/v1/customers/{id}/experiments/{key}',
    '/v1/customers/{id}/insights',
    '/v1/customers/{id}/insights/refresh',
    '/v1/customers/{id}/predictions',
    '/v1/customers/{id}/purchases',
    '/v1/customers/{id}/recommendations',
    '/v1/customers/{id}/segment',
    '/v1/customers/{id}/tokens',
    '/v1/experiments',
    '/v1/experiments/{key}',
    '/v1/experiments/{key}/results',
    '/v1/experiments/{key}/stats',
    '/v1/jobs/{id}',
    '/v1/ops/costs',
    '/v1/ops/insight-batches/{id}',
    '/v1/ops/recommendations/rebuild',
    '/v1/ops/refit',
    '/v1/products',
    '/v1/products/{id}',
    '/v1/products/{id}/bought-together',
    '/v1/products/{id}/similar',
    '/v1/purchases',
    '/v1/segment-runs',
    '/v1/segment-runs/{id}',
    '/v1/segments',
    '/v1/customers/{id}/export',
    '/v1/privacy-requests',
    '/v1/privacy-requests/{id}',
    '/v1/ops/jobs',
    '/v1/ops/jobs/{id}',
    '/v1/ops/jobs/{id}/cancel',
    '/v1/ops/accuracy',
  ]));
  // Every route under /v1 is rate limited: each says so with its 429.
  for (const [path, ops] of Object.entries(doc.paths)) if (path.startsWith('/v1/')) for (const op of Object.values(ops)) expect(op.responses, path).toHaveProperty('429');
  expect(Object.keys(doc.paths['/v1/customers/{id}']!).sort()).toEqual(['delete', 'get', 'patch']);
  expect(doc.paths['/v1/purchases']!.post!.responses).toHaveProperty('422');
  for (const name of ['Customer', 'CreateCustomer', 'Order', 'OrderBatch', 'Product', 'Problem', 'PurchasePage']) expect(doc.components.schemas).toHaveProperty(name);
  const page = await t.api.call('GET', '/docs');
  expect(page.status).toBe(200);
  expect(page.type).toContain('text/html');
  expect(page.body).toContain('/openapi.json');
});

it('answers /health with the region it is served from', async () => {
  const res = await t.api.call('GET', '/health', { region: 'eu-west-1' });
  expect(res.body).toMatchObject({ status: 'ok', region: 'eu-west-1', jurisdiction: 'EU' });
});

it('allows browser calls only from the configured storefront origins', async () => {
  const shop = client(t.stores, { corsOrigins: ['https://shop.example'] });
  const preflight = (origin: string) =>
    shop.fetch(new Request('http://cadence.test/v1/customers/cus_eu_00000000000000000000', {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    }));
  const allowed = await preflight('https://shop.example');
  expect(allowed.status).toBe(204);
  expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.example');
  expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
  const other = await preflight('https://evil.example');
  expect(other.headers.get('access-control-allow-origin')).toBeNull();
  // Without configured origins nothing is allowed.
  const none = await t.api.fetch(new Request('http://cadence.test/v1/products', { headers: { origin: 'https://shop.example' } }));
  expect(none.headers.get('access-control-allow-origin')).toBeNull();
});

it('serves the API reference page with its script from this origin, so it works offline', async () => {
  const page = await t.api.call('GET', '/docs');
  expect(page.status).toBe(200);
  expect(page.body).toContain('/docs/scalar.js');
  expect(page.body).not.toMatch(/https?:\/\/(cdn|unpkg|fastly|jsdelivr)/);
  const script = await t.api.fetch(new Request('http://cadence.test/docs/scalar.js'));
  expect([script.status, script.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
  expect((await script.text()).length).toBeGreaterThan(1_000_000);
});

it('answers a wrong method with 405 and Allow, and an unknown path with 404', async () => {
  const patch = await t.api.fetch(new Request('http://cadence.test/v1/purchases', { method: 'PATCH', headers: { authorization: `Bearer ${t.admin}` } }));
  expect([patch.status, patch.headers.get('allow')]).toEqual([405, 'POST']);
  expect(((await patch.json()) as { code: string }).code).toBe('request.methodNotAllowed');
  const put = await t.api.fetch(new Request('http://cadence.test/v1/customers/cus_eu_zzzzzzzzzzzzzzzzzzzz', { method: 'PUT', headers: { authorization: `Bearer ${t.admin}` } }));
  expect([put.status, put.headers.get('allow')]).toEqual([405, 'GET, PATCH, DELETE, HEAD']);
  expect((await t.api.call('GET', '/v1/nothing-here', { key: t.admin })).status).toBe(404);
});
