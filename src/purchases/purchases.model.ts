import { Problem } from '../http/problem.ts';
import { EARLIEST_PURCHASE, MAX_CLOCK_SKEW_MS, MAX_LINES_PER_REQUEST, type LineResult, type OrderInput, type Purchase, type PurchasesBody } from './purchases.schemas.ts';

/** One order line as stored: the customer's partition, a key derived from the line, a key sorted by time. */
export interface PurchaseLine extends Purchase {
  customerId: string;
}

export function ordersOf(body: PurchasesBody): OrderInput[] {
  return 'orders' in body ? body.orders : [body];
}

export function linesOf(orders: readonly OrderInput[]): PurchaseLine[] {
  return orders.flatMap((order) => {
    const purchasedAt = new Date(order.purchasedAt).toISOString();
    return order.lines.map((line) => ({
      customerId: order.customerId,
      orderId: order.orderId,
      lineId: line.lineId ?? line.productId,
      productId: line.productId,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
      currency: line.currency,
      purchasedAt,
    }));
  });
}

/** The checks of a whole request that the schema cannot make: its size, and times that cannot be real. */
export function checkBatch(lines: readonly PurchaseLine[], nowMs: number): void {
  if (lines.length > MAX_LINES_PER_REQUEST) {
    throw new Problem(400, 'purchases.batchTooLarge', `At most ${MAX_LINES_PER_REQUEST} lines per request`, { lines: lines.length });
  }
  const errors: { path: string; code: string; message: string }[] = [];
  for (const l of lines) {
    if (Date.parse(l.purchasedAt) > nowMs + MAX_CLOCK_SKEW_MS) errors.push({ path: `${l.orderId}.purchasedAt`, code: 'in_future', message: 'purchasedAt is in the future' });
    if (l.purchasedAt < EARLIEST_PURCHASE) errors.push({ path: `${l.orderId}.purchasedAt`, code: 'too_old', message: `purchasedAt is before ${EARLIEST_PURCHASE}` });
  }
  if (errors.length > 0) throw new Problem(400, 'purchases.invalidTimestamp', 'An order has an impossible time', { errors: errors.slice(0, 50) });
}

/** Two sends of one order line are the same purchase when everything the shop said about it is equal. */
export function sameLine(a: Purchase, b: Purchase): boolean {
  return (
    a.productId === b.productId &&
    a.quantity === b.quantity &&
    a.unitPrice === b.unitPrice &&
    a.currency === b.currency &&
    a.purchasedAt === b.purchasedAt
  );
}

export function summarize(results: LineResult[]) {
  const count = (s: LineResult['status']) => results.filter((r) => r.status === s).length;
  return { results, created: count('created'), duplicates: count('duplicate'), conflicts: count('conflict') };
}
