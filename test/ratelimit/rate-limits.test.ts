import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { regions } from '../../regions/index.ts';
import { apiKeyRecord, generateApiKey } from '../../src/auth/api-keys.ts';
import { localConnection } from '../../src/local/bootstrap.ts';
import { documentClient } from '../../src/storage/client.ts';
import { mintCustomerToken } from '../../src/auth/customer-tokens.ts';
import { setMetricsSink } from '../../src/ops/metrics.ts';
import { PrometheusSink } from '../../src/ops/prometheus.ts';
import type { MinimalRequest } from '../../src/storefront/fast-path.ts';
import { JWT_SECRET } from '../support/app.ts';
import { useApi } from '../support/api.ts';

/**
 * Per-credential rate limits on the in-process regions (as the Node entry serves them) over dynalite. The
 * limiter's clock is moved by hand (no timed assertions): customer tokens get 1 request/s with a burst of 3.
 */
describe('rate limits', () => {
  let clock = 0;
  const t = useApi(() => ({ rateLimits: { storefront: { perSecond: 1, burst: 3 }, clock: () => clock } }));
  const sink = new PrometheusSink();
  beforeAll(() => setMetricsSink(sink));
  afterAll(() => setMetricsSink(undefined));

  /** A ROW customer (served where the test enters, us-east-1: no forwarding) with a purchase and a token. */
  const shopper = async () => {
    const id = await t.newCustomer({ country: 'US', consents: { profiling: true } });
    const order = { orderId: 'o1', customerId: id, purchasedAt: new Date(Date.now() - 86_400_000).toISOString(), lines: [{ productId: 'coffee', quantity: 1, unitPrice: 8, currency: 'USD' }] };
    expect((await t.api.call('POST', '/v1/purchases', { key: t.admin, body: order })).status).toBe(200);
    const token = (await t.api.call('POST', `/v1/customers/${id}/tokens`, { key: t.admin, body: {} })).body.token as string;
    return { id, token };
  };
  const statuses = async (n: number, path: string, key: string) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await t.api.call('GET', path, { key })).status);
    return out;
  };

  it("answers a token's burst with 429, problem+json and Retry-After, while another token keeps 200", async () => {
    clock += 60_000;
    const a = await shopper();
    const b = await shopper();
    expect(await statuses(3, `/v1/customers/${a.id}`, a.token)).toEqual([200, 200, 200]);
    const refused = await t.api.fetch(new Request(`http://cadence.test/v1/customers/${a.id}`, { headers: { authorization: `Bearer ${a.token}` } }));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toMatchObject({ status: 429, code: 'request.rateLimited', retryAfter: 1 });
    expect(await statuses(3, `/v1/customers/${b.id}`, b.token)).toEqual([200, 200, 200]);
    // One second later A has one request again, and only one.
    clock += 1_000;
    expect(await statuses(2, `/v1/customers/${a.id}`, a.token)).toEqual([200, 429]);
  });

  it('counts per token subject: a second token of the same customer shares the bucket', async () => {
    clock += 60_000;
    const a = await shopper();
    const again = await mintCustomerToken(JWT_SECRET, a.id, 600, Date.now() - 1_000);
    expect(await statuses(3, `/v1/customers/${a.id}`, a.token)).toEqual([200, 200, 200]);
    expect(await statuses(1, `/v1/customers/${a.id}`, again)).toEqual([429]);
  });

  it('applies on the storefront fast path too, with the same answer as the app', async () => {
    clock += 60_000;
    const a = await shopper();
    const b = await shopper();
    const fast = t.api.regions.get('us-east-1')!.fastPath;
    const req = (id: string, token: string): MinimalRequest => ({ method: 'GET', url: `/v1/customers/${id}/predictions`, header: (n) => (n === 'authorization' ? `Bearer ${token}` : undefined) });
    expect(await statuses(1, `/v1/customers/${a.id}/predictions`, a.token)).toEqual([200]); // cold: the app fills the cache
    expect([fast(req(a.id, a.token))?.status, fast(req(a.id, a.token))?.status]).toEqual([200, 200]);
    const limited = fast(req(a.id, a.token))!;
    expect(limited.status).toBe(429);
    expect(limited.headers).toMatchObject({ 'content-type': 'application/problem+json', 'retry-after': '1' });
    expect(JSON.parse(new TextDecoder().decode(limited.body))).toMatchObject({ status: 429, code: 'request.rateLimited', retryAfter: 1 });
    // B's warm reads are not slowed by A's burst.
    expect(await statuses(1, `/v1/customers/${b.id}/predictions`, b.token)).toEqual([200]);
    expect([fast(req(b.id, b.token))?.status, fast(req(b.id, b.token))?.status]).toEqual([200, 200]);
  });

  it("applies a key's own limit from its record, in a bucket of its own; other keys keep theirs", async () => {
    clock += 60_000;
    const slow = await t.stores.key(['customers:read'], { perSecond: 0.5, burst: 2 });
    const twin = await t.stores.key(['customers:read'], { perSecond: 0.5, burst: 2 });
    const orders = await t.stores.key(['purchases:write', 'customers:read']);
    const unlimited = await t.stores.key(['customers:read'], 'unlimited');
    const { id } = await shopper();
    expect(await statuses(3, `/v1/customers/${id}`, slow)).toEqual([200, 200, 429]);
    const refused = await t.api.call('GET', `/v1/customers/${id}`, { key: slow });
    expect([refused.status, refused.type, refused.body.retryAfter]).toEqual([429, 'application/problem+json', 2]);
    expect(await statuses(2, `/v1/customers/${id}`, twin)).toEqual([200, 200]);
    // The orders service's tier (burst 1,000) and an unlimited key are far from refusing.
    expect(await statuses(20, `/v1/customers/${id}`, orders)).toEqual(Array(20).fill(200));
    expect(await statuses(20, `/v1/customers/${id}`, unlimited)).toEqual(Array(20).fill(200));
    clock += 2_000;
    expect(await statuses(2, `/v1/customers/${id}`, slow)).toEqual([200, 429]);
  });

  it('reads a key record whose setting this version does not know as no setting (its scopes\' tier), not as an error', async () => {
    clock += 60_000;
    const key = generateApiKey();
    const item = { ...(await apiKeyRecord(key, 'future', ['customers:read'], new Date().toISOString())), rateLimit: { tokensPerMinute: 5 } };
    await documentClient(localConnection(t.stores.endpoints.GLOBAL)).send(new PutCommand({ TableName: regions[0]!.tables.apiKeys, Item: item }));
    const { id } = await shopper();
    expect(await statuses(5, `/v1/customers/${id}`, key)).toEqual(Array(5).fill(200)); // standard: burst 200
  });

  it('limits before validation and the route, and never answers a 5xx', async () => {
    clock += 60_000;
    const key = await t.stores.key(['customers:write'], { perSecond: 1, burst: 1 });
    expect((await t.api.call('POST', '/v1/customers', { key, body: { country: 'US' } })).status).toBe(201);
    // Over the limit, a bad body is not looked at and nothing is stored.
    const before = (await t.stores.scanAll('ROW')).length;
    const refused = await t.api.call('POST', '/v1/customers', { key, body: { country: 'US', unknown: true } });
    expect([refused.status, refused.body.code]).toEqual([429, 'request.rateLimited']);
    expect((await t.stores.scanAll('ROW')).length).toBe(before);
  });

  it('does not limit health, readiness or the API reference', async () => {
    clock += 60_000;
    const a = await shopper();
    await statuses(4, `/v1/customers/${a.id}`, a.token); // spent
    for (const path of ['/health', '/health/ready', '/openapi.json', '/docs']) {
      expect(await statuses(5, path, a.token), path).toEqual(Array(5).fill(200));
    }
  });

  it('counts refusals in cadence_rate_limited_total, without ids', async () => {
    const text = (await sink.expose(['cadence_rate_limited_total'])).text;
    expect(text).toMatch(/cadence_rate_limited_total\{region="us-east-1",credential="customer_token",tier="storefront",limiter="bucket"\} [1-9]/);
    expect(text).toMatch(/cadence_rate_limited_total\{region="us-east-1",credential="api_key",tier="custom",limiter="bucket"\} [1-9]/);
    expect(text).not.toMatch(/cus_|cad_/);
  });
});
