import { Problem } from '../http/problem.ts';
import { CANCEL_MARK, cancelledLineOf, type PurchaseLine } from './purchases.model.ts';

/**
 * Returns and cancellations. Both are stored as lines of the customer's partition (so export and erasure
 * find them with the purchases) and applied when the history is read: a cancelled order or line is as if
 * it had never been bought; a return takes its quantity (and the spend at the line's price) off the line
 * it names, and a line returned in full leaves the cadence too (the customer did not keep it).
 */

const ref = (orderId: string, lineId: string) => `${orderId}#${lineId}`;

/** The purchase lines as they stand after every return and cancellation among `lines`. */
export function netOfAdjustments(lines: readonly PurchaseLine[]): PurchaseLine[] {
  if (!lines.some((l) => l.type !== undefined)) return [...lines];
  const cancelledOrders = new Set<string>();
  const cancelledLines = new Set<string>();
  const returned = new Map<string, number>();
  for (const l of lines) {
    if (l.type === 'cancellation') {
      const line = cancelledLineOf(l.lineId);
      if (line === undefined) cancelledOrders.add(l.orderId);
      else cancelledLines.add(ref(l.orderId, line));
    } else if (l.type === 'return' && l.returnOf) {
      const k = ref(l.returnOf.orderId, l.returnOf.lineId);
      returned.set(k, (returned.get(k) ?? 0) + l.quantity);
    }
  }
  const out: PurchaseLine[] = [];
  for (const l of lines) {
    if (l.type !== undefined) continue;
    const k = ref(l.orderId, l.lineId);
    if (cancelledOrders.has(l.orderId) || cancelledLines.has(k)) continue;
    // Concurrent returns can together pass the check at ingestion: what was bought bounds what comes back.
    const kept = roundQuantity(l.quantity - Math.min(l.quantity, returned.get(k) ?? 0));
    if (kept <= 0) continue;
    out.push(kept === l.quantity ? l : { ...l, quantity: kept });
  }
  return out;
}

/** Whether a line (order id, line id) is cancelled, whole order or line, by the cancellations among `lines`. */
export function cancelledTest(lines: readonly PurchaseLine[]): (orderId: string, lineId: string) => boolean {
  const orders = new Set<string>();
  const single = new Set<string>();
  for (const l of lines) {
    if (l.type !== 'cancellation') continue;
    const line = cancelledLineOf(l.lineId);
    if (line === undefined) orders.add(l.orderId);
    else single.add(ref(l.orderId, line));
  }
  return (orderId, lineId) => orders.has(orderId) || single.has(ref(orderId, lineId));
}

const roundQuantity = (q: number) => Math.round(q * 1e4) / 1e4;

export interface AdjustmentError {
  path: string;
  code: 'unknown_line' | 'unknown_order' | 'line_cancelled' | 'exceeds_line' | 'before_purchase';
  message: string;
}

const PROBLEMS: Record<AdjustmentError['code'], [string, string]> = {
  unknown_line: ['purchases.unknownLine', 'A return names a line this customer never bought; nothing was stored'],
  unknown_order: ['purchases.unknownOrder', 'A cancellation names an order (or line) this customer never placed; nothing was stored'],
  line_cancelled: ['purchases.lineCancelled', 'A return names a line of a cancelled order; nothing was stored'],
  exceeds_line: ['purchases.returnExceedsLine', 'Returns of a line would exceed what was bought; nothing was stored'],
  before_purchase: ['purchases.returnBeforePurchase', 'A return is dated before the purchase it returns; nothing was stored'],
};

/**
 * Checks the request's returns and cancellations against what the customers bought (`stored`: their
 * stored lines, and the request's own purchase lines count too) and fills in each return's product, price
 * and currency from the line returned. A return or cancellation already stored under its key is left to
 * the store's idempotency (it answers duplicate, or conflict) and is not counted twice. Throws one 422
 * naming every bad adjustment; nothing is stored then.
 */
export function resolveAdjustments(lines: readonly PurchaseLine[], stored: ReadonlyMap<string, readonly PurchaseLine[]>): PurchaseLine[] {
  const errors: AdjustmentError[] = [];
  const byCustomer = new Map<string, { purchases: Map<string, PurchaseLine>; orders: Set<string>; cancelledOrders: Set<string>; cancelledLines: Set<string>; returned: Map<string, number> }>();
  const stateOf = (customerId: string) => {
    let s = byCustomer.get(customerId);
    if (s) return s;
    s = { purchases: new Map(), orders: new Set(), cancelledOrders: new Set(), cancelledLines: new Set(), returned: new Map() };
    byCustomer.set(customerId, s);
    const all = [...(stored.get(customerId) ?? []), ...lines.filter((l) => l.customerId === customerId && l.type === undefined)];
    for (const l of all) {
      if (l.type === undefined) {
        if (!s.purchases.has(ref(l.orderId, l.lineId))) s.purchases.set(ref(l.orderId, l.lineId), l);
        s.orders.add(l.orderId);
      } else if (l.type === 'cancellation') {
        const line = cancelledLineOf(l.lineId);
        if (line === undefined) s.cancelledOrders.add(l.orderId);
        else s.cancelledLines.add(ref(l.orderId, line));
      } else if (l.returnOf) {
        const k = ref(l.returnOf.orderId, l.returnOf.lineId);
        s.returned.set(k, (s.returned.get(k) ?? 0) + l.quantity);
      }
    }
    return s;
  };
  const storedByKey = new Map<string, PurchaseLine>();
  for (const ls of stored.values()) for (const l of ls) storedByKey.set(`${l.customerId}#${ref(l.orderId, l.lineId)}`, l);
  const fill = (l: PurchaseLine, from: PurchaseLine) => Object.assign(l, { productId: from.productId, unitPrice: from.unitPrice, currency: from.currency });
  // Cancellations first: a return and a cancellation of the same line in one request is a cancelled line.
  const ordered = [...lines.filter((l) => l.type === 'cancellation'), ...lines.filter((l) => l.type === 'return')];
  const seen = new Map<string, PurchaseLine>();
  for (const l of ordered) {
    const key = `${l.customerId}#${ref(l.orderId, l.lineId)}`;
    // Sent before (or twice here): the store answers duplicate or conflict by comparing with the first.
    const before = storedByKey.get(key) ?? seen.get(key);
    if (before) {
      if (l.type === 'return' && before.type === 'return') fill(l, before);
      continue;
    }
    seen.set(key, l);
    const s = stateOf(l.customerId);
    if (l.type === 'cancellation') {
      const line = cancelledLineOf(l.lineId);
      const path = `${l.orderId}${line === undefined ? '' : `.${line}`}`;
      if (line === undefined ? !s.orders.has(l.orderId) : !s.purchases.has(ref(l.orderId, line))) errors.push({ path, code: 'unknown_order', message: `${path} is not an order line of ${l.customerId}` });
      else if (line === undefined) s.cancelledOrders.add(l.orderId);
      else s.cancelledLines.add(ref(l.orderId, line));
      continue;
    }
    const target = ref(l.returnOf!.orderId, l.returnOf!.lineId);
    const path = `${l.orderId}.${l.lineId}.returnOf`;
    const bought = s.purchases.get(target);
    if (!bought) {
      errors.push({ path, code: 'unknown_line', message: `${target.replace('#', '.')} is not a purchase line of ${l.customerId}` });
      continue;
    }
    if (s.cancelledOrders.has(l.returnOf!.orderId) || s.cancelledLines.has(target)) {
      errors.push({ path, code: 'line_cancelled', message: `${target.replace('#', '.')} was cancelled` });
      continue;
    }
    if (l.purchasedAt < bought.purchasedAt) {
      errors.push({ path, code: 'before_purchase', message: `returned at ${l.purchasedAt}, bought at ${bought.purchasedAt}` });
      continue;
    }
    const already = s.returned.get(target) ?? 0;
    if (roundQuantity(already + l.quantity) > bought.quantity) {
      errors.push({ path, code: 'exceeds_line', message: `${already} of ${bought.quantity} already returned; ${l.quantity} more is too many` });
      continue;
    }
    s.returned.set(target, already + l.quantity);
    fill(l, bought);
  }
  if (errors.length > 0) {
    const [code, title] = PROBLEMS[errors[0]!.code];
    throw new Problem(422, code, title, { errors: errors.slice(0, 50) });
  }
  return [...lines];
}

/** True when the stored line id is a cancellation's (so it is never mistaken for a purchase line). */
export const isCancellationLineId = (lineId: string) => lineId.startsWith(CANCEL_MARK);
