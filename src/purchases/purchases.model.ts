import { Problem } from '../http/problem.ts';
import { EARLIEST_PURCHASE, MAX_CLOCK_SKEW_MS, MAX_LINES_PER_REQUEST, type LineResult, type CancellationInput, type OrderOrCancellation, type Purchase, type PurchasesBody } from './purchases.schemas.ts';

/** One order line as stored: the customer's partition, a key derived from the line, a key sorted by time. */
export interface PurchaseLine extends Purchase {
  customerId: string;
}

export function ordersOf(body: PurchasesBody): OrderOrCancellation[] {
  return 'orders' in body ? body.orders : [body];
}

/**
 * A cancellation is stored under the cancelled order's id with a line id no shop id can take (`~` for the
 * whole order, `~<lineId>` for one line): sending it again lands on the same item, and it cannot collide
 * with a purchase line.
 */
export const CANCEL_MARK = '~';
export const cancellationLineId = (lineId?: string) => `${CANCEL_MARK}${lineId ?? ''}`;
/** What a cancellation's stored line id says: undefined for the whole order. */
export const cancelledLineOf = (storedLineId: string) => (storedLineId.length > CANCEL_MARK.length ? storedLineId.slice(CANCEL_MARK.length) : undefined);
/** The line id a caller sees: the cancelled line, or `*` for a whole order. */
export const publicLineId = (l: Pick<Purchase, 'type' | 'lineId'>) => (l.type === 'cancellation' ? (cancelledLineOf(l.lineId) ?? '*') : l.lineId);

export const isCancellation = (o: OrderOrCancellation): o is CancellationInput => 'type' in o && o.type === 'cancellation';

/** The results an order or cancellation has in an answer (one per line, or one per cancelled line). */
export const resultCount = (o: OrderOrCancellation) => (isCancellation(o) ? (o.lineIds ? new Set(o.lineIds).size : 1) : o.lines.length);

/**
 * The request's lines. A return line's product, price and currency are the returned line's: they are
 * filled in by `resolveAdjustments` (purchases.adjustments.ts) once that line is read; until then they are blank.
 */
export function linesOf(orders: readonly OrderOrCancellation[]): PurchaseLine[] {
  return orders.flatMap((order): PurchaseLine[] => {
    if (isCancellation(order)) {
      const at = new Date(order.cancelledAt).toISOString();
      const targets = order.lineIds ? [...new Set(order.lineIds)] : [undefined];
      return targets.map((lineId) => ({ customerId: order.customerId, orderId: order.orderId, lineId: cancellationLineId(lineId), productId: '', quantity: 0, unitPrice: 0, currency: 'XXX', purchasedAt: at, type: 'cancellation' }));
    }
    const purchasedAt = new Date(order.purchasedAt).toISOString();
    return order.lines.map((line) =>
      line.type === 'return'
        ? { customerId: order.customerId, orderId: order.orderId, lineId: line.lineId ?? line.returnOf.lineId, productId: '', quantity: line.quantity, unitPrice: 0, currency: 'XXX', purchasedAt, type: 'return', returnOf: line.returnOf }
        : {
            customerId: order.customerId,
            orderId: order.orderId,
            lineId: line.lineId ?? line.productId,
            productId: line.productId,
            quantity: line.quantity,
            unitPrice: line.unitPrice,
            currency: line.currency,
            purchasedAt,
          },
    );
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
  // A cancellation is only its target (the key): sent again at another time, it is the same cancellation.
  if (a.type === 'cancellation' && b.type === 'cancellation') return true;
  return (
    a.productId === b.productId &&
    a.quantity === b.quantity &&
    a.unitPrice === b.unitPrice &&
    a.currency === b.currency &&
    a.purchasedAt === b.purchasedAt &&
    a.type === b.type &&
    a.returnOf?.orderId === b.returnOf?.orderId &&
    a.returnOf?.lineId === b.returnOf?.lineId
  );
}

export function summarize(results: LineResult[]) {
  const count = (s: LineResult['status']) => results.filter((r) => r.status === s).length;
  return { results, created: count('created'), duplicates: count('duplicate'), conflicts: count('conflict') };
}
