import { hc } from 'hono/client';
import { describe, expect, it } from 'vitest';
import type { AppType } from '../../src/app.ts';
import { useApi } from '../support/api.ts';

/** A shop's TypeScript code calls Cadence through Hono's typed client: routes, bodies and answers typed. */
describe('the typed client (hc<AppType>)', () => {
  const t = useApi();
  const client = (key: string) => hc<AppType>('http://cadence.test', { fetch: (input: RequestInfo | URL, init?: RequestInit) => t.api.fetch(new Request(input, init)), headers: { authorization: `Bearer ${key}` } });

  it('creates a customer, records an order and reads the predictions, typed end to end', async () => {
    const api = client(t.admin);
    const created = await api.v1.customers.$post({ json: { country: 'DE', displayName: 'Typed' }, header: {} });
    expect(created.status).toBe(201);
    const customer = await created.json();
    if (!('id' in customer)) throw new Error('no customer');
    const ingest = await api.v1.purchases.$post({
      json: { orderId: 'hc-1', customerId: customer.id, purchasedAt: '2026-11-01T10:00:00Z', lines: [{ productId: 'tea', quantity: 1, unitPrice: 3, currency: 'EUR' }] },
    });
    const result = await ingest.json();
    expect('created' in result && result.created).toBe(1);
    const predictions = await api.v1.customers[':id'].predictions.$get({ param: { id: customer.id } });
    if (predictions.status !== 200) throw new Error(`predictions answered ${predictions.status}`);
    const body = await predictions.json();
    expect(body.data.currency).toBe('EUR');
    expect(body.products.map((p) => p.productId)).toEqual(['tea']);
  });

  it('reports a problem through the same client', async () => {
    const res = await client(t.admin).v1.customers[':id'].$get({ param: { id: 'cus_eu_zzzzzzzzzzzzzzzzzzzz' } });
    expect(res.status).toBe(404);
    expect(((await res.json()) as unknown as { code: string }).code).toBe('customers.notFound');
  });
});
