import type { LineResult, OrderInput, Purchase, PurchasesBody } from './purchases.schemas.ts';

/** One order line as stored: the customer's partition, a key derived from the line, a key sorted by time. */
export interface PurchaseLine extends Purchase {
  customerId: string;
}

/** Deterministic keys make a re-sent line land on the same item: that is what makes ingestion idempotent. */
export const lineKey = (orderId: string, lineId: string) => `${orderId}#${lineId}`;
export const timeKey = (purchasedAt: string, orderId: string, lineId: string) => `${purchasedAt}#${orderId}#${lineId}`;

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
