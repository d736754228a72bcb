import { beforeAll, describe, expect, it } from 'vitest';
import { mintCustomerToken } from '../../src/auth/customer-tokens.ts';
import { client, JWT_SECRET } from '../support/app.ts';
import { useApi } from '../support/api.ts';

let admin: string;
const t = useApi();
beforeAll(async () => {
  admin = t.stores.adminKey;
});

const create = (body: unknown, headers: Record<string, string> = {}, region = 'us-east-1') =>
  t.api.call('POST', '/v1/customers', { key: admin, body, headers, region });

describe('residency', () => {
  it.each([
    [{ residency: 'EU', country: 'US' }, {}, 'EU'],
    [{ residency: 'ROW', country: 'DE' }, {}, 'ROW'],
    [{ country: 'FR' }, {}, 'EU'],
    [{ country: 'NO' }, {}, 'EU'], // EEA
    [{ country: 'CH' }, {}, 'ROW'],
    [{ country: 'US' }, { 'x-cadence-customer-country': 'DE' }, 'ROW'], // body beats header
    [{}, { 'x-cadence-customer-country': 'de' }, 'EU'],
    [{}, { 'x-cadence-customer-country': 'AU' }, 'ROW'],
  ])('%j with headers %j is %s', async (body, headers, expected) => {
    const res = await create(body, headers);
    expect(res.status).toBe(201);
    expect(res.body.residency).toBe(expected);
    expect(res.body.id).toMatch(expected === 'EU' ? /^cus_eu_/ : /^cus_row_/);
  });

  it('refuses to guess when nothing says where the customer lives', async () => {
    const res = await create({ displayName: 'Nowhere' });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('customers.residencyUnknown');
  });

  it('stores an EU customer created through a ROW region only in the EU store', async () => {
    const res = await create({ country: 'DE', displayName: 'Grete', contact: { email: 'grete@example.com' } }, {}, 'ap-southeast-2');
    expect(res.status).toBe(201);
    const eu = await t.stores.scanAll('EU');
    const row = await t.stores.scanAll('ROW');
    expect(eu.some((i) => i.customerId === res.body.id)).toBe(true);
    expect(JSON.stringify(row)).not.toContain('grete@example.com');
  });

  it('keeps residency when the country changes and refuses to change id or residency', async () => {
    const { body: c } = await create({ country: 'DE' });
    const moved = await t.api.call('PATCH', `/v1/customers/${c.id}`, { key: admin, body: { country: 'US' } });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ country: 'US', residency: 'EU', id: c.id });
    for (const body of [{ residency: 'ROW' }, { id: 'cus_row_00000000000000000000' }]) {
      const res = await t.api.call('PATCH', `/v1/customers/${c.id}`, { key: admin, body });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('customers.immutableField');
    }
    expect((await t.api.call('GET', `/v1/customers/${c.id}`, { key: admin })).body.residency).toBe('EU');
  });
});

describe('profile', () => {
  it('records when consent was given and withdrawn, and removes fields set to null', async () => {
    let clock = Date.parse('2026-03-01T10:00:00Z');
    const timed = client(t.stores, { now: () => clock });
    const { body: c } = await timed.call('POST', '/v1/customers', {
      key: admin,
      body: { country: 'IE', displayName: 'Aoife', consents: { profiling: true }, attributes: { householdSize: { value: 3, source: 'self_declared' } } },
    });
    expect(c.consents.profiling).toEqual({ granted: true, updatedAt: '2026-03-01T10:00:00.000Z' });
    expect(c.consents.marketing).toEqual({ granted: false, updatedAt: '2026-03-01T10:00:00.000Z' });
    clock = Date.parse('2026-04-02T08:00:00Z');
    const { body: u } = await timed.call('PATCH', `/v1/customers/${c.id}`, {
      key: admin,
      body: { consents: { profiling: false, marketing: false }, displayName: null, attributes: { ageBand: { value: '35_44', source: 'shop_entered' } } },
    });
    expect(u.consents.profiling).toEqual({ granted: false, updatedAt: '2026-04-02T08:00:00.000Z' });
    expect(u.consents.marketing.updatedAt).toBe('2026-03-01T10:00:00.000Z'); // unchanged value keeps its time
    expect(u.displayName).toBeUndefined();
    expect(u.attributes).toEqual({ householdSize: { value: 3, source: 'self_declared' }, ageBand: { value: '35_44', source: 'shop_entered' } });
    expect(u.createdAt).toBe('2026-03-01T10:00:00.000Z');
    expect(u.updatedAt).toBe('2026-04-02T08:00:00.000Z');
  });

  it('serialises concurrent updates: none is lost', async () => {
    const { body: c } = await create({ country: 'US' });
    const results = await Promise.all([
      t.api.call('PATCH', `/v1/customers/${c.id}`, { key: admin, body: { displayName: 'X' } }),
      t.api.call('PATCH', `/v1/customers/${c.id}`, { key: admin, body: { contact: { email: 'x@example.com' } } }),
      t.api.call('PATCH', `/v1/customers/${c.id}`, { key: admin, body: { consents: { marketing: true } } }),
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const final = (await t.api.call('GET', `/v1/customers/${c.id}`, { key: admin })).body;
    expect(final).toMatchObject({ displayName: 'X', contact: { email: 'x@example.com' }, consents: { marketing: { granted: true } } });
  });
});

describe('access', () => {
  it('needs a credential, a valid one, and the right scope', async () => {
    expect((await t.api.call('GET', '/v1/customers/cus_eu_00000000000000000000')).body.code).toBe('auth.missing');
    const wrongSecret = `${admin.slice(0, -4)}AAAA`;
    const bad = await t.api.call('GET', '/v1/customers/cus_eu_00000000000000000000', { key: wrongSecret });
    expect([bad.status, bad.body.code]).toEqual([401, 'auth.invalid']);
    const readOnly = await t.stores.key(['customers:read']);
    const res = await create({ country: 'DE' });
    expect((await t.api.call('GET', `/v1/customers/${res.body.id}`, { key: readOnly })).status).toBe(200);
    const denied = await t.api.call('POST', '/v1/customers', { key: readOnly, body: { country: 'DE' } });
    expect([denied.status, denied.body.code, denied.type]).toEqual([403, 'auth.forbidden', 'application/problem+json']);
  });

  it("lets a customer token read its own profile only; another customer's answers 404 like a missing one", async () => {
    const { body: mine } = await create({ country: 'DE' });
    const { body: other } = await create({ country: 'DE' });
    const { body: foreign } = await create({ country: 'US' });
    const minted = await t.api.call('POST', `/v1/customers/${mine.id}/tokens`, { key: admin, body: { ttlSeconds: 600 } });
    expect(minted.status).toBe(201);
    const token = minted.body.token as string;
    expect((await t.api.call('GET', `/v1/customers/${mine.id}`, { key: token })).body.id).toBe(mine.id);
    for (const id of [other.id, foreign.id, 'cus_eu_00000000000000000000']) {
      const res = await t.api.call('GET', `/v1/customers/${id}`, { key: token });
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('customers.notFound');
      expect(JSON.stringify(res.body)).not.toContain(id.slice(7));
    }
    // Tokens read; they do not write.
    expect((await t.api.call('PATCH', `/v1/customers/${mine.id}`, { key: token, body: { displayName: 'x' } })).status).toBe(403);
    // An expired token or one signed with another secret is refused.
    const expired = await mintCustomerToken(JWT_SECRET, mine.id, 60, Date.now() - 3_600_000);
    expect((await t.api.call('GET', `/v1/customers/${mine.id}`, { key: expired })).status).toBe(401);
    const forged = await mintCustomerToken('another-secret-that-is-long-enough-000000', mine.id, 600);
    expect((await t.api.call('GET', `/v1/customers/${mine.id}`, { key: forged })).status).toBe(401);
  });
});

describe('idempotent creation', () => {
  it('returns the customer created the first time when a create is retried with the same Idempotency-Key', async () => {
    const headers = { 'idempotency-key': 'signup-8f14e45f' };
    const first = await create({ country: 'DE', displayName: 'Retry' }, headers, 'us-east-1');
    const again = await create({ country: 'DE', displayName: 'Retry' }, headers, 'eu-central-1');
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.createdAt).toBe(first.body.createdAt);
    const stored = (await t.stores.scanAll('EU')).filter((i) => String(i._table).endsWith('-customers') && i.customerId === first.body.id);
    expect(stored).toHaveLength(1);
    // The same key with another body is a client bug, not a retry.
    const other = await create({ country: 'DE', displayName: 'Someone else' }, headers);
    expect([other.status, other.body.code]).toEqual([409, 'customers.idempotencyConflict']);
    // Another API key's idempotency keys are its own.
    const otherKey = await t.stores.key(['customers:write']);
    const theirs = await t.api.call('POST', '/v1/customers', { key: otherKey, body: { country: 'DE', displayName: 'Retry' }, headers });
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(first.body.id);
  });

  it('never creates a second customer in the other jurisdiction under the same key', async () => {
    const headers = { 'idempotency-key': 'signup-cross-border' };
    const eu = await create({ country: 'DE', displayName: 'Anna' }, headers);
    expect(eu.status).toBe(201);
    const row = await create({ country: 'US', displayName: 'Anna' }, headers);
    expect([row.status, row.body.code]).toEqual([409, 'customers.idempotencyConflict']);
    const suffix = (eu.body.id as string).slice('cus_eu_'.length);
    expect((await t.stores.scanAll('ROW')).filter((i) => String(i.customerId ?? '').endsWith(suffix))).toEqual([]);
    // Nothing personal goes to the global table: only the key's hash and the jurisdiction.
    const bound = (await t.stores.scanAll('GLOBAL')).filter((i) => String(i.modelKey ?? '').startsWith('idem#'));
    expect(bound.length).toBeGreaterThan(0);
    expect(JSON.stringify(bound)).not.toMatch(/Anna|signup-cross-border|cus_/);
  });
});

describe('authorisation comes before validation', () => {
  it('answers 403 (or 404 for another customer) to a caller without the right, whatever the body', async () => {
    const reader = await t.stores.key(['customers:read']);
    const garbage = { nonsense: true };
    expect((await t.api.call('POST', '/v1/purchases', { key: reader, body: garbage })).body.code).toBe('auth.forbidden');
    expect((await t.api.call('POST', '/v1/customers', { key: reader, body: garbage })).body.code).toBe('auth.forbidden');
    const id = (await create({ country: 'DE' })).body.id as string;
    const token = (await t.api.call('POST', `/v1/customers/${id}/tokens`, { key: admin, body: {} })).body.token as string;
    expect((await t.api.call('POST', '/v1/purchases', { key: token, body: garbage })).body.code).toBe('auth.forbidden');
    expect((await t.api.call('PATCH', `/v1/customers/${id}`, { key: token, body: garbage })).body.code).toBe('auth.forbidden');
  });
});
