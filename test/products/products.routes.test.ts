import { beforeAll, expect, it } from 'vitest';
import { useApi } from '../support/api.ts';

const t = useApi();

const product = (category: string, price = 4.5) => ({ name: 'Oat milk', category, price, currency: 'EUR', packSize: 1, packUnit: 'l', consumable: true });

it('stores catalog products in the global tables, readable from every region, replaced by a second PUT', async () => {
  expect((await t.api.call('PUT', '/v1/products/oat-1l', { key: t.stores.adminKey, body: product('dairy'), region: 'eu-central-1' })).status).toBe(201);
  const again = await t.api.call('PUT', '/v1/products/oat-1l', { key: t.stores.adminKey, body: product('dairy', 4.9), region: 'ap-southeast-2' });
  expect(again.status).toBe(200);
  expect(again.body).toMatchObject({ id: 'oat-1l', price: 4.9, consumable: true });
  for (const region of ['us-east-1', 'eu-west-1']) {
    expect((await t.api.call('GET', '/v1/products/oat-1l', { key: t.stores.adminKey, region })).body.price).toBe(4.9);
  }
  expect((await t.stores.scanAll('GLOBAL')).filter((i) => i.productId === 'oat-1l')).toHaveLength(1);
  expect((await t.stores.scanAll('EU')).concat(await t.stores.scanAll('ROW')).some((i) => i.productId === 'oat-1l')).toBe(false);
});

it('lists a category page by page', async () => {
  for (let i = 0; i < 5; i++) await t.api.call('PUT', `/v1/products/tea-${i}`, { key: t.stores.adminKey, body: product('tea') });
  await t.api.call('PUT', '/v1/products/other', { key: t.stores.adminKey, body: product('coffee') });
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const res = await t.api.call('GET', `/v1/products?category=tea&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { key: t.stores.adminKey });
    ids.push(...res.body.items.map((p: { id: string }) => p.id));
    cursor = res.body.nextCursor;
  } while (cursor);
  expect(ids.sort()).toEqual(['tea-0', 'tea-1', 'tea-2', 'tea-3', 'tea-4']);
  const foreignCursor = await t.api.call('GET', '/v1/products?category=coffee&limit=1', { key: t.stores.adminKey });
  expect(foreignCursor.body.items).toHaveLength(1);
});

it('answers 404 for an unknown product, and lets customer tokens read but not write the catalog', async () => {
  expect((await t.api.call('GET', '/v1/products/nope', { key: t.stores.adminKey })).body.code).toBe('products.notFound');
  const c = (await t.api.call('POST', '/v1/customers', { key: t.stores.adminKey, body: { country: 'DE' } })).body.id;
  const token = (await t.api.call('POST', `/v1/customers/${c}/tokens`, { key: t.stores.adminKey, body: {} })).body.token;
  expect((await t.api.call('GET', '/v1/products/oat-1l', { key: token })).status).toBe(200);
  expect((await t.api.call('PUT', '/v1/products/oat-1l', { key: token, body: product('x') })).status).toBe(403);
});
