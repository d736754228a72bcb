import { z } from '@hono/zod-openapi';
import { CustomerId } from '../customers/customers.schemas.ts';
import { ProductId } from '../products/products.schemas.ts';
import { EXTERNAL_ID_PATTERN } from '../shared/ids.ts';
import { Amount, Currency, Quantity } from '../shared/money.ts';

export const MAX_ORDERS_PER_BATCH = 500;
export const MAX_LINES_PER_ORDER = 100;
export const MAX_LINES_PER_REQUEST = 2000;
/** Clocks of order systems drift; an order more than this far ahead of ours is a bug upstream. */
export const MAX_CLOCK_SKEW_MS = 10 * 60 * 1000;
export const EARLIEST_PURCHASE = '1990-01-01T00:00:00.000Z';

const ShopId = z.string().regex(EXTERNAL_ID_PATTERN, 'letters, digits and . _ : -, up to 128 characters');

export const PurchaseLineInput = z
  .object({
    type: z.literal('purchase').optional(),
    lineId: ShopId.optional().openapi({ description: "The order line's id; defaults to the product id (one line per product)." }),
    productId: ProductId,
    quantity: Quantity,
    unitPrice: Amount,
    currency: Currency,
  })
  .strict();

export const LineRef = z.object({ orderId: ShopId, lineId: ShopId }).strict().openapi('LineRef');

export const ReturnLineInput = z
  .object({
    type: z.literal('return'),
    lineId: ShopId.optional().openapi({ description: "The return line's own id (in the return's order); defaults to the returned line's id." }),
    returnOf: LineRef.openapi({ description: 'The purchase line returned: an earlier order of the same customer (or one in this request).' }),
    quantity: Quantity.openapi({ description: 'How much of the line comes back; all returns of a line together cannot exceed what was bought.' }),
  })
  .strict()
  .openapi('ReturnLine');

export const OrderInput = z
  .object({
    orderId: ShopId.openapi({ description: 'The order id; for returns, the return (credit note) id, not the id of the order returned.' }),
    customerId: CustomerId,
    purchasedAt: z.iso.datetime({ offset: true }).openapi({ example: '2026-11-20T09:30:00Z', description: 'When it was bought (or, for return lines, returned).' }),
    lines: z.array(z.union([PurchaseLineInput, ReturnLineInput])).min(1).max(MAX_LINES_PER_ORDER),
  })
  .strict()
  .openapi('Order');

export const CancellationInput = z
  .object({
    type: z.literal('cancellation'),
    orderId: ShopId.openapi({ description: 'The order cancelled (an earlier order of this customer, or one in this request).' }),
    customerId: CustomerId,
    cancelledAt: z.iso.datetime({ offset: true }),
    lineIds: z.array(ShopId).min(1).max(MAX_LINES_PER_ORDER).optional().openapi({ description: 'Only these lines; without it, the whole order.' }),
  })
  .strict()
  .openapi('Cancellation', { description: 'A cancelled order (or lines of it) is as if it had never been bought: it leaves the cadence, counts and spend.' });

export const OrderOrCancellation = z.union([OrderInput, CancellationInput]);

export const PurchasesBody = z
  .union([
    OrderInput,
    CancellationInput,
    z.object({ orders: z.array(OrderOrCancellation).min(1).max(MAX_ORDERS_PER_BATCH) }).strict().openapi('OrderBatch'),
  ])
  .openapi({ description: `One order or cancellation, or { orders: [...] } with up to ${MAX_ORDERS_PER_BATCH} of them (${MAX_LINES_PER_REQUEST} lines in all). Lines with type "return" return (part of) an earlier line.` });

export const LineStatus = z.enum(['created', 'duplicate', 'conflict', 'unconfirmed']).openapi({
  description:
    'created: stored now; duplicate: this exact line was stored before; conflict: a different line with this order and line id exists, nothing changed; ' +
    'unconfirmed (only in a 503 `purchases.partiallyStored` answer): the store did not confirm the write, send the request again (stored lines then answer `duplicate`).',
});

export const LineResult = z.object({
  orderId: z.string(),
  lineId: z.string().openapi({ description: 'The line; "*" for the cancellation of a whole order.' }),
  customerId: z.string(),
  type: z.enum(['return', 'cancellation']).optional().openapi({ description: 'Absent for purchase lines.' }),
  status: LineStatus,
});

export const PurchasesResult = z
  .object({
    results: z.array(LineResult),
    created: z.number().int(),
    duplicates: z.number().int(),
    conflicts: z.number().int(),
    predictionsUpdated: z.number().int().openapi({ description: 'Customers whose predictions were recomputed before this answer' }),
    predictionsQueued: z.number().int().optional().openapi({ description: 'Customers whose predictions a queue job recomputes (a request about more than 20 customers): they are current within seconds' }),
  })
  .openapi('PurchaseIngestResult');

export const PurchaseSchema = z
  .object({
    orderId: z.string(),
    lineId: z.string(),
    productId: z.string(),
    quantity: z.number(),
    unitPrice: z.number(),
    currency: z.string(),
    purchasedAt: z.iso.datetime(),
    type: z.enum(['return', 'cancellation']).optional().openapi({ description: 'Absent for purchases. A return repeats the returned line\'s product and price; a cancellation has quantity 0.' }),
    returnOf: LineRef.optional(),
  })
  .openapi('Purchase');

export const PurchasePage = z
  .object({ items: z.array(PurchaseSchema), nextCursor: z.string().nullable() })
  .openapi('PurchasePage');

export type OrderInput = z.infer<typeof OrderInput>;
export type CancellationInput = z.infer<typeof CancellationInput>;
export type OrderOrCancellation = z.infer<typeof OrderOrCancellation>;
export type PurchasesBody = z.infer<typeof PurchasesBody>;
export type LineResult = z.infer<typeof LineResult>;
export type PurchasesResult = z.infer<typeof PurchasesResult>;
export type Purchase = z.infer<typeof PurchaseSchema>;
