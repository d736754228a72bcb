import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { CustomerId } from '../customers/customers.schemas.ts';
import { allow } from '../http/auth.ts';
import type { AppEnv } from '../http/context.ts';
import { decodeCursor, encodeCursor } from '../http/cursor.ts';
import { commonErrors, json, jsonBody, notFoundError, security, unprocessableError } from '../http/openapi.ts';
import { Problem } from '../http/problem.ts';
import { validationHook } from '../http/validation.ts';
import { publicLineId } from './purchases.model.ts';
import { PurchasePage, PurchasesBody, PurchasesResult } from './purchases.schemas.ts';
import type { PurchaseService } from './purchases.service.ts';
import { deferOf } from '../shared/defer.ts';

export interface PurchaseRoutesDeps {
  purchases: PurchaseService;
}

const postPurchases = createRoute({
  method: 'post',
  path: '/v1/purchases',
  tags: ['purchases'],
  summary: 'Record one order or a batch; idempotent per order line',
  description:
    'Each line is stored once however often it is sent. Lines of EU and ROW customers may be mixed: each part is stored in its own jurisdiction. ' +
    'If any customer does not exist, or any line is invalid, nothing is stored.',
  security,
  middleware: [allow.scope('purchases:write')] as const,
  request: { body: jsonBody(PurchasesBody) },
  responses: { 200: json(PurchasesResult, 'Per-line outcome, in request order'), ...commonErrors, ...unprocessableError },
});

const TIME_KEY = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z#[^#]+#[^#]+$/;

const listPurchases = createRoute({
  method: 'get',
  path: '/v1/customers/{id}/purchases',
  tags: ['purchases'],
  summary: "A customer's purchase lines, newest first",
  security,
  middleware: [allow.scopeOrSelf('purchases:read')] as const,
  request: {
    params: z.object({ id: CustomerId.openapi({ param: { name: 'id', in: 'path' } }) }),
    query: z
      .object({
        limit: z.coerce.number().int().min(1).max(100).default(20),
        cursor: z.string().max(1024).optional(),
      })
      .strict(),
  },
  responses: { 200: json(PurchasePage, 'A page of purchases'), ...commonErrors, ...notFoundError },
});

export function purchaseRoutes(deps: PurchaseRoutesDeps) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(postPurchases, async (c) => c.json(await deps.purchases.ingest(c.req.valid('json'), { defer: deferOf(c) }), 200))
    .openapi(listPurchases, async (c) => {
      const { id } = c.req.valid('param');
      const { limit, cursor } = c.req.valid('query');
      let before: string | undefined;
      if (cursor) {
        before = decodeCursor(cursor, ['t']).t!;
        if (!TIME_KEY.test(before)) throw new Problem(400, 'request.invalidCursor', 'The cursor is not one this endpoint returned');
      }
      const page = await deps.purchases.list(id, limit, before);
      return c.json({ items: page.items.map((p) => (p.type === 'cancellation' ? { ...p, lineId: publicLineId(p) } : p)), nextCursor: page.lastTimeKey ? encodeCursor({ t: page.lastTimeKey }) : null }, 200);
    });
}
