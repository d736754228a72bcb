import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { allow } from '../http/auth.ts';
import type { AppEnv } from '../http/context.ts';
import { decodeCursor, encodeCursor } from '../http/cursor.ts';
import { commonErrors, json, jsonBody, notFoundError, security } from '../http/openapi.ts';
import { validationHook } from '../http/validation.ts';
import { Category, ProductId, ProductSchema, PutProductBody } from './products.schemas.ts';
import type { ProductService } from './products.service.ts';

export interface ProductRoutesDeps {
  products: ProductService;
}

const IdParam = z.object({ id: ProductId.openapi({ param: { name: 'id', in: 'path' } }) });

const putProduct = createRoute({
  method: 'put',
  path: '/v1/products/{id}',
  tags: ['catalog'],
  summary: 'Create or replace a catalog product (catalog:write)',
  security,
  middleware: [allow.scope('catalog:write')] as const,
  request: { params: IdParam, body: jsonBody(PutProductBody) },
  responses: { 201: json(ProductSchema, 'Created'), 200: json(ProductSchema, 'Replaced'), ...commonErrors },
});

const getProduct = createRoute({
  method: 'get',
  path: '/v1/products/{id}',
  tags: ['catalog'],
  summary: 'A catalog product',
  security,
  middleware: [allow.scopeOrCustomer('catalog:read')] as const,
  request: { params: IdParam },
  responses: { 200: json(ProductSchema, 'The product'), ...commonErrors, ...notFoundError },
});

const listProducts = createRoute({
  method: 'get',
  path: '/v1/products',
  tags: ['catalog'],
  summary: 'Catalog products, optionally of one category',
  security,
  middleware: [allow.scopeOrCustomer('catalog:read')] as const,
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

export function productRoutes(deps: ProductRoutesDeps) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(putProduct, async (c) => {
      const { product, created } = await deps.products.put(c.req.valid('param').id, c.req.valid('json'));
      return created ? c.json(product, 201, { location: `/v1/products/${product.id}` }) : c.json(product, 200);
    })
    .openapi(getProduct, async (c) => c.json(await deps.products.get(c.req.valid('param').id), 200))
    .openapi(listProducts, async (c) => {
      const { category, limit, cursor } = c.req.valid('query');
      const fields = category ? ['productId', 'category'] : ['productId'];
      const after = cursor ? decodeCursor(cursor, fields, category ? { category } : {}) : undefined;
      const page = await deps.products.list({ limit, ...(category ? { category } : {}), ...(after ? { after } : {}) });
      return c.json({ items: page.items, nextCursor: page.last ? encodeCursor(page.last) : null }, 200);
    });
}
