import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { useApi } from '../support/api.ts';

let eu: string;
let row: string;
let token: string;
const t = useApi();
beforeAll(async () => {
  eu = (await t.api.call('POST', '/v1/customers', { key: t.stores.adminKey, body: { country: 'DE' } })).body.id;
  row = (await t.api.call('POST', '/v1/customers', { key: t.stores.adminKey, body: { country: 'US' } })).body.id;
  token = (await t.api.call('POST', `/v1/customers/${eu}/tokens`, { key: t.stores.adminKey, body: {} })).body.token;
});

const snapshot = async () => JSON.stringify(await Promise.all((['EU', 'ROW', 'GLOBAL'] as const).map((s) => t.stores.scanAll(s))));

const line = { productId: 'coffee', quantity: 1, unitPrice: 9.5, currency: 'EUR' };
// Cases are built before beforeAll creates the customers: bodies name them as "$EU" until sent.
const EU = '$EU';
const withIds = (body: unknown) => {
  const text = JSON.stringify(body);
  return text === undefined ? undefined : JSON.parse(text.replaceAll(`"${EU}"`, JSON.stringify(eu)));
};
const order = (over: Record<string, unknown> = {}, lineOver: Record<string, unknown> = {}) => ({
  orderId: 'O1',
  customerId: EU,
  purchasedAt: '2026-06-01T10:00:00Z',
  lines: [{ ...line, ...lineOver }],
  ...over,
});

type Case = [name: string, method: string, path: () => string, init: { body?: unknown; raw?: string; headers?: Record<string, string>; key?: 'admin' | 'token' | 'none' }, status: number, code: string];

const cases: Case[] = [
  ['malformed JSON', 'POST', () => '/v1/purchases', { raw: '{"orderId": "O1",' }, 400, 'request.invalidJson'],
  ['not JSON at all', 'POST', () => '/v1/customers', { raw: 'country=DE', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415, 'request.unsupportedMediaType'],
  ['wrong type', 'POST', () => '/v1/purchases', { body: order({ lines: [{ ...line, quantity: '2' }] }) }, 400, 'request.invalid'],
  ['unknown field', 'POST', () => '/v1/customers', { body: { country: 'DE', favouriteColour: 'red' } }, 400, 'request.unknownField'],
  ['unknown nested field', 'POST', () => '/v1/purchases', { body: order({}, { discount: 1 }) }, 400, 'request.unknownField'],
  ['oversized body', 'POST', () => '/v1/customers', { raw: JSON.stringify({ displayName: 'x'.repeat(70_000) }) }, 413, 'request.bodyTooLarge'],
  ['oversized purchases body', 'POST', () => '/v1/purchases', { raw: JSON.stringify({ orders: [order({ orderId: 'x'.repeat(1_100_000) })] }) }, 413, 'request.bodyTooLarge'],
  ['batch over 500 orders', 'POST', () => '/v1/purchases', { body: { orders: Array.from({ length: 501 }, (_, i) => order({ orderId: `B${i}` })) } }, 400, 'request.invalid'],
  ['more than 2,000 lines', 'POST', () => '/v1/purchases', { body: { orders: Array.from({ length: 25 }, (_, i) => order({ orderId: `L${i}`, lines: Array.from({ length: 100 }, (_, j) => ({ ...line, lineId: `l${j}` })) })) } }, 400, 'purchases.batchTooLarge'],
  ['zero quantity', 'POST', () => '/v1/purchases', { body: order({}, { quantity: 0 }) }, 400, 'request.invalid'],
  ['negative quantity', 'POST', () => '/v1/purchases', { body: order({}, { quantity: -2 }) }, 400, 'request.invalid'],
  ['negative price', 'POST', () => '/v1/purchases', { body: order({}, { unitPrice: -1 }) }, 400, 'request.invalid'],
  ['unknown currency', 'POST', () => '/v1/purchases', { body: order({}, { currency: 'XXY' }) }, 400, 'request.invalid'],
  ['lower-case currency', 'PUT', () => '/v1/products/p1', { body: { name: 'n', category: 'c', price: 1, currency: 'eur', packSize: 1, packUnit: 'item', consumable: true } }, 400, 'request.invalid'],
  ['timestamp far in the future', 'POST', () => '/v1/purchases', { body: order({ purchasedAt: '2099-01-01T00:00:00Z' }) }, 400, 'purchases.invalidTimestamp'],
  ['timestamp without zone', 'POST', () => '/v1/purchases', { body: order({ purchasedAt: '2026-06-01 10:00:00' }) }, 400, 'request.invalid'],
  ['customer id in the wrong shape (path)', 'GET', () => '/v1/customers/12345', {}, 400, 'request.invalidId'],
  ['customer id in the wrong shape (body)', 'POST', () => '/v1/purchases', { body: order({ customerId: 'cus_us_abc' }) }, 400, 'request.invalid'],
  ['product id in the wrong shape', 'PUT', () => '/v1/products/has%20space', { body: { name: 'n', category: 'c', price: 1, currency: 'EUR', packSize: 1, packUnit: 'item', consumable: true } }, 400, 'request.invalid'],
  ['unknown country', 'POST', () => '/v1/customers', { body: { country: 'XX' } }, 400, 'request.invalid'],
  ['trusted country header not an ISO code', 'POST', () => '/v1/customers', { body: {}, headers: { 'x-cadence-customer-country': 'Germany' } }, 400, 'request.invalid'],
  ['bad email', 'POST', () => '/v1/customers', { body: { country: 'DE', contact: { email: 'not-an-email' } } }, 400, 'request.invalid'],
  ['patching residency', 'PATCH', () => `/v1/customers/${row}`, { body: { residency: 'EU' } }, 400, 'customers.immutableField'],
  ['token for another customer', 'GET', () => `/v1/customers/${row}`, { key: 'token' }, 404, 'customers.notFound'],
  ['token minting beyond a day', 'POST', () => `/v1/customers/${eu}/tokens`, { body: { ttlSeconds: 999_999 } }, 400, 'request.invalid'],
  ['limit out of range', 'GET', () => `/v1/customers/${eu}/purchases?limit=1000`, {}, 400, 'request.invalid'],
  ['category cursor reused for another category', 'GET', () => `/v1/products?category=tea&cursor=${Buffer.from(JSON.stringify({ productId: 'a', category: 'coffee' })).toString('base64url')}`, {}, 400, 'request.invalidCursor'],
  ['no credential', 'POST', () => '/v1/purchases', { body: order(), key: 'none' }, 401, 'auth.missing'],
  ['unknown route', 'GET', () => '/v1/nothing-here', {}, 404, 'request.notFound'],
  ['recommendations: limit over 50', 'GET', () => `/v1/customers/${eu}/recommendations?limit=51`, {}, 400, 'request.invalid'],
  ['recommendations: limit 0', 'GET', () => `/v1/customers/${eu}/recommendations?limit=0`, {}, 400, 'request.invalid'],
  ['recommendations: an unknown context', 'GET', () => `/v1/customers/${eu}/recommendations?context=checkout`, {}, 400, 'request.invalid'],
  ['recommendations: product context without a product', 'GET', () => `/v1/customers/${eu}/recommendations?context=product`, {}, 400, 'request.invalid'],
  ['recommendations: a malformed exclude list', 'GET', () => `/v1/customers/${eu}/recommendations?exclude=a,has%20space`, {}, 400, 'request.invalid'],
  ['recommendations: a negative maxPrice', 'GET', () => `/v1/customers/${eu}/recommendations?maxPrice=-3`, {}, 400, 'request.invalid'],
  ['recommendations: a malformed category', 'GET', () => `/v1/customers/${eu}/recommendations?category=Not%20A%20Category`, {}, 400, 'request.invalid'],
  ['recommendations: an unknown parameter', 'GET', () => `/v1/customers/${eu}/recommendations?colour=red`, {}, 400, 'request.unknownField'],
  ['recommendations: an unknown customer', 'GET', () => '/v1/customers/cus_eu_7k2m9q4x1c8v3b6n0p5r/recommendations', {}, 404, 'customers.notFound'],
  ['recommendations: an unknown product in view', 'GET', () => `/v1/customers/${eu}/recommendations?context=product&productId=no-such-product`, {}, 404, 'products.notFound'],
  ['similar products of an unknown product', 'GET', () => '/v1/products/no-such-product/similar', {}, 404, 'products.notFound'],
  ['bought together: limit over 50', 'GET', () => '/v1/products/coffee/bought-together?limit=100', {}, 400, 'request.invalid'],
  ['bought together: an unknown jurisdiction', 'GET', () => '/v1/products/coffee/bought-together?jurisdiction=US', {}, 400, 'request.invalid'],
];

describe('bad input gets a 4xx problem with a stable code and changes nothing', () => {
  it.each(cases)('%s', async (_name, method, path, init, status, code) => {
    const before = await snapshot();
    const key = init.key === 'token' ? token : init.key === 'none' ? undefined : t.stores.adminKey;
    const res = await t.api.call(method, path(), {
      ...(key ? { key } : {}),
      ...(init.body !== undefined ? { body: withIds(init.body) } : {}),
      ...(init.raw !== undefined ? { raw: init.raw } : {}),
      ...(init.headers ? { headers: init.headers } : {}),
    });
    expect(res.type).toBe('application/problem+json');
    expect([res.status, res.body.code]).toEqual([status, code]);
    expect(res.body.status).toBe(status);
    expect(await snapshot()).toBe(before);
  });
});

describe('generated bodies never cause a 5xx (fast-check)', () => {
  // Near-valid bodies find more than random ones: start from a valid body and replace one part with anything.
  const mutate = (valid: Record<string, unknown>) =>
    fc.oneof(
      fc.anything(),
      fc.jsonValue(),
      fc.constantFrom(...Object.keys(valid)).chain((k) => fc.anything().map((v) => ({ ...valid, [k]: v }))),
      fc.dictionary(fc.string(), fc.jsonValue()).map((extra) => ({ ...valid, ...extra })),
    );
  const validOrder = () => order({ orderId: 'P1' });
  const endpoints: [string, string, () => string, () => Record<string, unknown>][] = [
    ['POST /v1/customers', 'POST', () => '/v1/customers', () => ({ country: 'DE', displayName: 'A', consents: { profiling: true } })],
    ['PATCH /v1/customers/:id', 'PATCH', () => `/v1/customers/${eu}`, () => ({ displayName: 'B', contact: { email: 'b@example.com' } })],
    ['POST /v1/purchases', 'POST', () => '/v1/purchases', validOrder],
    ['POST /v1/purchases (batch)', 'POST', () => '/v1/purchases', () => ({ orders: [validOrder(), { ...validOrder(), customerId: row, orderId: 'P2' }] })],
    ['PUT /v1/products/:id', 'PUT', () => '/v1/products/p-gen', () => ({ name: 'n', category: 'c', price: 1, currency: 'EUR', packSize: 1, packUnit: 'item', consumable: true })],
    ['POST /v1/customers/:id/tokens', 'POST', () => `/v1/customers/${row}/tokens`, () => ({ ttlSeconds: 600 })],
  ];

  it.each(endpoints)('%s', async (_name, method, path, valid) => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutate(valid()), fc.string().map((raw) => ({ __raw: raw }))), async (body) => {
        const raw = body && typeof body === 'object' && '__raw' in body ? String((body as { __raw: string }).__raw) : undefined;
        const res = await t.api.call(method, path(), { key: t.stores.adminKey, ...(raw !== undefined ? { raw } : { body: withIds(body) }) });
        if (res.status >= 500) throw new Error(`${res.status} for ${JSON.stringify(body).slice(0, 300)}: ${JSON.stringify(res.body)}`);
        if (res.status >= 400) expect(res.type).toBe('application/problem+json');
      }),
      { numRuns: 1000 },
    );
  }, 120_000);
});

describe('free text is normalised and refused when it hides characters', () => {
  it.each([
    ['a NUL', 'Anna\u0000'],
    ['a lone surrogate', 'Anna\ud800'],
    ['a right-to-left override', 'gro.elpmaxe\u202eanna'],
    ['a zero-width space', 'An\u200bna'],
    ['a stray zero-width joiner', '\u200dAnna'],
    ['an escape', '\u001b[31mAnna'],
  ])('refuses a display name with %s, and stores nothing', async (_name, displayName) => {
    const before = (await t.stores.scanAll('EU')).length;
    const res = await t.api.call('POST', '/v1/customers', { key: t.stores.adminKey, body: { country: 'DE', displayName } });
    expect([res.status, res.body.code]).toEqual([400, 'request.invalid']);
    expect((await t.stores.scanAll('EU')).length).toBe(before);
  });

  it('stores a name in NFC, and keeps the joiners Persian names and emoji need', async () => {
    const decomposed = 'Zoe\u0308'; // e + combining diaeresis
    const created = await t.api.call('POST', '/v1/customers', { key: t.stores.adminKey, body: { country: 'DE', displayName: decomposed } });
    expect(created.body.displayName).toBe('Zoë');
    for (const name of ['می\u200cخواهم', '👩\u200d👩\u200d👧']) {
      expect((await t.api.call('POST', '/v1/customers', { key: t.stores.adminKey, body: { country: 'DE', displayName: name } })).status).toBe(201);
    }
    const product = await t.api.call('PUT', '/v1/products/p-text', { key: t.stores.adminKey, body: { name: 'Tea\u202e', category: 'tea', price: 1, currency: 'EUR', packSize: 1, packUnit: 'item', consumable: true } });
    expect(product.status).toBe(400);
  });
});
