import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppDeps } from '../app.ts';
import { CustomerId } from '../customers/customers.schemas.ts';
import { requireScope, requireScopeOrSelf } from '../http/auth.ts';
import type { AppEnv } from '../http/context.ts';
import { decodeCursor, encodeCursor } from '../http/cursor.ts';
import { commonErrors, json, jsonBody, notFoundError, security, unprocessableError } from '../http/openapi.ts';
import { forwardToJurisdiction, peerAnswer } from '../residency/peers.ts';
import { notFound, Problem } from '../http/problem.ts';
import { validationHook } from '../http/validation.ts';
import { jurisdictionOfCustomerId } from '../shared/ids.ts';
import { linesOf, ordersOf, summarize, type PurchaseLine } from './purchases.model.ts';
import {
  EARLIEST_PURCHASE,
  MAX_CLOCK_SKEW_MS,
  MAX_LINES_PER_REQUEST,
  PurchasePage,
  PurchasesBody,
  PurchasesResult,
  type LineResult,
} from './purchases.schemas.ts';
import { ingestLines, unknownCustomers, unknownCustomersProblem } from './purchases.service.ts';

const postPurchases = createRoute({
  method: 'post',
  path: '/v1/purchases',
  tags: ['purchases'],
  summary: 'Record one order or a batch; idempotent per order line',
  description:
    'Each line is stored once however often it is sent. Lines of EU and ROW customers may be mixed: each part is stored in its own jurisdiction. ' +
    'If any customer does not exist, or any line is invalid, nothing is stored.',
  security,
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

export function purchaseRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  return app
    .openapi(postPurchases, async (c) => {
      requireScope(c, 'purchases:write');
      const orders = ordersOf(c.req.valid('json'));
      const lines = linesOf(orders);
      checkLines(lines, deps.now());

      const local: PurchaseLine[] = [];
      const foreignOrders = orders.filter((o) => jurisdictionOfCustomerId(o.customerId) !== deps.region.jurisdiction);
      for (const line of lines) if (jurisdictionOfCustomerId(line.customerId) === deps.region.jurisdiction) local.push(line);

      // Read-only checks first, then the other jurisdiction's part (which validates there), then ours:
      // a request refused anywhere stores nothing anywhere.
      const unknown = await unknownCustomers(deps.customers, local);
      if (unknown.length > 0) throw unknownCustomersProblem(unknown);
      let foreignResults: LineResult[] = [];
      let foreignUpdated = 0;
      if (foreignOrders.length > 0) {
        const other = deps.region.jurisdiction === 'EU' ? 'ROW' : 'EU';
        const res = await forwardToJurisdiction(deps.peers, other, deps.region.id, c.req.raw, JSON.stringify({ orders: foreignOrders }));
        if (res.status !== 200) return peerAnswer(res);
        const answer = PurchasesResult.parse(await res.json());
        foreignResults = answer.results;
        foreignUpdated = answer.predictionsUpdated;
      }
      const localResults = await ingestLines(deps.purchases, local);
      // Every customer in the request, not only those with new lines: a retry after a failed recompute
      // sees only duplicates, and must still bring the predictions up to date.
      const predictionsUpdated = await recomputeAfterIngest(deps, local);

      // Put the two parts back in request order.
      let li = 0;
      let fi = 0;
      const results = lines.map((line) =>
        jurisdictionOfCustomerId(line.customerId) === deps.region.jurisdiction ? localResults[li++]! : foreignResults[fi++]!,
      );
      return c.json({ ...summarize(results), predictionsUpdated: predictionsUpdated + foreignUpdated }, 200);
    })
    .openapi(listPurchases, async (c) => {
      const { id } = c.req.valid('param');
      requireScopeOrSelf(c, 'purchases:read', id);
      const { limit, cursor } = c.req.valid('query');
      let before: string | undefined;
      if (cursor) {
        const t = decodeCursor(cursor, ['t']).t!;
        if (!TIME_KEY.test(t)) throw new Problem(400, 'request.invalidCursor', 'The cursor is not one this endpoint returned');
        before = t;
      }
      const page = await deps.purchases.newestFirst(id, limit, before);
      if (page.items.length === 0 && !cursor && !(await deps.customers.get(id))) {
        throw notFound('customer');
      }
      return c.json({ items: page.items, nextCursor: page.lastTimeKey ? encodeCursor({ t: page.lastTimeKey }) : null }, 200);
    });
}

/** Predictions follow purchases at once; a failure here is logged, the lines stay stored, the daily refit heals it. */
async function recomputeAfterIngest(deps: AppDeps, lines: readonly PurchaseLine[]): Promise<number> {
  if (lines.length === 0) return 0;
  try {
    return await deps.predictions.recompute(lines.map((l) => l.customerId));
  } catch (err) {
    console.error(JSON.stringify({ level: 'error', msg: 'predictions recompute failed', error: String(err) }));
    return 0;
  }
}

function checkLines(lines: PurchaseLine[], nowMs: number): void {
  if (lines.length > MAX_LINES_PER_REQUEST) {
    throw new Problem(400, 'purchases.batchTooLarge', `At most ${MAX_LINES_PER_REQUEST} lines per request`, { lines: lines.length });
  }
  const errors: { path: string; code: string; message: string }[] = [];
  lines.forEach((l) => {
    const t = Date.parse(l.purchasedAt);
    if (t > nowMs + MAX_CLOCK_SKEW_MS) errors.push({ path: `${l.orderId}.purchasedAt`, code: 'in_future', message: 'purchasedAt is in the future' });
    if (l.purchasedAt < EARLIEST_PURCHASE) errors.push({ path: `${l.orderId}.purchasedAt`, code: 'too_old', message: `purchasedAt is before ${EARLIEST_PURCHASE}` });
  });
  if (errors.length > 0) throw new Problem(400, 'purchases.invalidTimestamp', 'An order has an impossible time', { errors: errors.slice(0, 50) });
}
