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
    lineId: ShopId.optional().openapi({ description: "The order line's id; defaults to the product id (one line per product)." }),
    productId: ProductId,
    quantity: Quantity,
    unitPrice: Amount,
    currency: Currency,
  })
  .strict();

export const OrderInput = z
  .object({
    orderId: ShopId,
    customerId: CustomerId,
    purchasedAt: z.iso.datetime({ offset: true }).openapi({ example: '2026-11-20T09:30:00Z' }),
    lines: z.array(PurchaseLineInput).min(1).max(MAX_LINES_PER_ORDER),
  })
  .strict()
  .openapi('Order');

export const PurchasesBody = z
  .union([
    OrderInput,
    z.object({ orders: z.array(OrderInput).min(1).max(MAX_ORDERS_PER_BATCH) }).strict().openapi('OrderBatch'),
  ])
  .openapi({ description: `One order, or { orders: [...] } with up to ${MAX_ORDERS_PER_BATCH} orders (${MAX_LINES_PER_REQUEST} lines in all).` });

export const LineStatus = z.enum(['created', 'duplicate', 'conflict', 'unconfirmed']).openapi({
  description:
    'created: stored now; duplicate: this exact line was stored before; conflict: a different line with this order and line id exists, nothing changed; ' +
    'unconfirmed (only in a 503 `purchases.partiallyStored` answer): the store did not confirm the write, send the request again (stored lines then answer `duplicate`).',
});

export const LineResult = z.object({
  orderId: z.string(),
  lineId: z.string(),
  customerId: z.string(),
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
  })
  .openapi('Purchase');

export const PurchasePage = z
  .object({ items: z.array(PurchaseSchema), nextCursor: z.string().nullable() })
  .openapi('PurchasePage');

export type OrderInput = z.infer<typeof OrderInput>;
export type PurchasesBody = z.infer<typeof PurchasesBody>;
export type LineResult = z.infer<typeof LineResult>;
export type PurchasesResult = z.infer<typeof PurchasesResult>;
export type Purchase = z.infer<typeof PurchaseSchema>;
