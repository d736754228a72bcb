import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppDeps } from '../app.ts';
import { requireScope, requireScopeOrCustomer } from '../http/auth.ts';
import type { AppEnv } from '../http/context.ts';
import { decodeCursor, encodeCursor } from '../http/cursor.ts';
import { commonErrors, json, jsonBody, notFoundError, security } from '../http/openapi.ts';
import { notFound, Problem } from '../http/problem.ts';
import { validationHook } from '../http/validation.ts';
import { Category, ProductId, ProductSchema, PutProductBody } from './products.schemas.ts';

const IdParam = z.object({ id: ProductId.openapi({ param: { name: 'id', in: 'path' } }) });

const putProduct = createRoute({
  method: 'put',
  path: '/v1/products/{id}',
  tags: ['catalog'],
  summary: 'Create or replace a catalog product (catalog:write)',
  security,
  request: { params: IdParam, body: jsonBody(PutProductBody) },
  responses: { 200: json(ProductSchema, 'Stored'), ...commonErrors },
});

const getProduct = createRoute({
  method: 'get',
  path: '/v1/products/{id}',
  tags: ['catalog'],
  summary: 'A catalog product',
  security,
  request: { params: IdParam },
  responses: { 200: json(ProductSchema, 'The product'), ...commonErrors, ...notFoundError },
});

const listProducts = createRoute({
  method: 'get',
  path: '/v1/products',
  tags: ['catalog'],
  summary: 'Catalog products, optionally of one category',
  security,
  request: {
    query: z
      .object({
        category: Category.optional(),
        limit: z.coerce.number().int().min(1).max(100).default(50),
        cursor: z.string().max(1024).optional(),
      })
      .strict(),
  },
  responses: {
    200: json(z.object({ items: z.array(ProductSchema), nextCursor: z.string().nullable() }).openapi('ProductPage'), 'A page'),
    ...commonErrors,
  },
});

export function productRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  return app
    .openapi(putProduct, async (c) => {
      requireScope(c, 'catalog:write');
      const product = { ...c.req.valid('json'), id: c.req.valid('param').id, updatedAt: new Date(deps.now()).toISOString() };
      await deps.catalog.put(product);
      return c.json(product, 200);
    })
    .openapi(getProduct, async (c) => {
      requireScopeOrCustomer(c, 'catalog:read');
      const product = await deps.catalog.get(c.req.valid('param').id);
      if (!product) throw notFound('product');
      return c.json(product, 200);
    })
    .openapi(listProducts, async (c) => {
      requireScopeOrCustomer(c, 'catalog:read');
      const { category, limit, cursor } = c.req.valid('query');
      const fields = category ? ['productId', 'category'] : ['productId'];
      const after = cursor ? decodeCursor(cursor, fields, category ? { category } : {}) : undefined;
      const page = await deps.catalog.list({ limit, ...(category ? { category } : {}), ...(after ? { after } : {}) });
      return c.json({ items: page.items, nextCursor: page.last ? encodeCursor(page.last) : null }, 200);
    });
}
