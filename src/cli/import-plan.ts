import { createHash } from 'node:crypto';
import { EARLIEST_PURCHASE, MAX_CLOCK_SKEW_MS, MAX_LINES_PER_ORDER, MAX_LINES_PER_REQUEST, MAX_ORDERS_PER_BATCH } from '../purchases/purchases.schemas.ts';
import { EXTERNAL_ID_PATTERN } from '../shared/ids.ts';
import { currencyCodes } from '../shared/currencies.ts';
import { countryCodes } from '../shared/countries.ts';
import { InputError, openCsv } from './transactions.ts';

/**
 * The plan of a bulk import: an order export read into the orders `POST /v1/purchases` takes, in batches
 * whose order and content depend on the file alone, so a re-run after an interruption sends the same
 * batches and can skip the ones that landed. Rows the API would refuse are set aside here, with their line
 * numbers, instead of failing a whole batch.
 */

export interface Rejected {
  /** The file's line number (1 is the header). */
  line: number;
  code: string;
  reason: string;
}

export interface PlannedLine {
  type?: 'return';
  lineId: string;
  productId?: string;
  quantity: number;
  unitPrice?: number;
  currency?: string;
  returnOf?: { orderId: string; lineId: string };
}

export interface PlannedOrder {
  /** The shop's customer id; the import maps it to Cadence's id before sending. */
  customer: string;
  orderId: string;
  purchasedAt: string;
  lines: PlannedLine[];
  /** The file lines this order came from, one per planned line. */
  sourceLines: number[];
}

export interface ImportPlan {
  /** Each customer of the file with the country its rows name (the first one), if any. */
  customers: Map<string, string | undefined>;
  /** Purchases first, then returns, so a return's purchase has always landed before it is sent. */
  batches: PlannedOrder[][];
  /** The index of the first batch of returns. */
  returnsFrom: number;
  rejected: Rejected[];
  rows: number;
}

export interface PlanOptions {
  currency: string;
  nowMs: number;
  /** Orders per request (at most the API's 500). */
  batchOrders?: number;
}

interface Row {
  line: number;
  customer: string;
  at: string;
  productId: string;
  quantity: number;
  amount: number;
  currency: string;
  returned: boolean;
  orderId?: string;
  lineId?: string;
  country?: string;
}

const round4 = (v: number) => Math.round(v * 10_000) / 10_000;
const derivedOrderId = (customer: string, at: string, kind: string) => `imp-${createHash('sha256').update(`${customer}\u0000${at}\u0000${kind}`).digest('hex').slice(0, 24)}`;

/** `2026-01-02`, `2026-01-02 10:00` or a full ISO time as the canonical ISO string the API compares. */
function instant(value: string): string | undefined {
  const v = value.trim().replace(' ', 'T');
  const withTime = /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(withTime)) return undefined;
  const ms = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/.test(withTime) ? withTime : `${withTime}Z`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function checkRow(r: Record<string, string>, line: number, options: PlanOptions): Row | Rejected {
  const bad = (code: string, reason: string): Rejected => ({ line, code, reason });
  const customer = r.customer_id ?? '';
  if (!EXTERNAL_ID_PATTERN.test(customer)) return bad('customer_id', `customer_id "${customer}" is empty or not letters, digits and . _ : -`);
  const at = instant(r.timestamp ?? '');
  if (!at) return bad('timestamp', `timestamp "${r.timestamp}" is not an ISO date or date-time`);
  if (at < EARLIEST_PURCHASE || Date.parse(at) > options.nowMs + MAX_CLOCK_SKEW_MS) return bad('timestamp', `timestamp ${at} is before 1990 or in the future`);
  const productId = r.product_id ?? '';
  if (!EXTERNAL_ID_PATTERN.test(productId)) return bad('product_id', `product_id "${productId}" is empty or not letters, digits and . _ : -`);
  const quantity = r.quantity === undefined || r.quantity === '' ? 1 : Number(r.quantity);
  if (!Number.isFinite(quantity) || quantity <= 0 || quantity > 1_000_000) return bad('quantity', `quantity "${r.quantity}" is not a positive number`);
  const amount = Number(r.amount);
  if (r.amount === '' || !Number.isFinite(amount) || amount < 0) return bad('amount', `amount "${r.amount}" is not a non-negative number`);
  const type = r.type ?? '';
  if (type !== '' && type !== 'purchase' && type !== 'return') return bad('type', `type "${type}" is neither purchase nor return`);
  const currency = r.currency || options.currency;
  if (!currencyCodes.has(currency)) return bad('currency', `currency "${currency}" is not an ISO 4217 code`);
  const country = r.country || undefined;
  if (country !== undefined && !countryCodes.has(country)) return bad('country', `country "${country}" is not an ISO 3166-1 alpha-2 code`);
  for (const [name, value] of [['order_id', r.order_id], ['line_id', r.line_id]] as const) {
    if (value && !EXTERNAL_ID_PATTERN.test(value)) return bad(name, `${name} "${value}" is not letters, digits and . _ : -`);
  }
  return { line, customer, at, productId, quantity, amount, currency, returned: type === 'return', ...(r.order_id ? { orderId: r.order_id } : {}), ...(r.line_id ? { lineId: r.line_id } : {}), ...(country ? { country } : {}) };
}

/** Reads the export; a file without the needed columns fails at once, a bad row is set aside. */
export async function readImportRows(file: string, options: PlanOptions): Promise<{ rows: Row[]; rejected: Rejected[] }> {
  const parser = openCsv(file, { columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()), skip_empty_lines: true, trim: true, info: true });
  const rows: Row[] = [];
  const rejected: Rejected[] = [];
  let checkedHeader = false;
  for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    if (!checkedHeader) {
      const missing = ['customer_id', 'timestamp', 'amount', 'product_id'].filter((c) => !(c in record));
      if (missing.length > 0) throw new InputError(`${file}: the header lacks ${missing.join(', ')} (needs customer_id,timestamp,amount,product_id[,quantity,type,order_id,line_id,currency,country])`);
      checkedHeader = true;
    }
    const row = checkRow(record, info.lines, options);
    if ('code' in row) rejected.push(row);
    else rows.push(row);
  }
  if (!checkedHeader) throw new InputError(`${file}: no rows`);
  return { rows, rejected };
}

/** Purchase rows grouped into orders (the order id, or one order per customer and time), lines ≤ 100 each. */
function purchaseOrders(rows: readonly Row[]): PlannedOrder[] {
  const orders = new Map<string, PlannedOrder>();
  for (const r of rows) {
    const orderId = r.orderId ?? derivedOrderId(r.customer, r.at, 'order');
    const key = `${r.customer}\u0000${orderId}`;
    let order = orders.get(key);
    if (!order) orders.set(key, (order = { customer: r.customer, orderId, purchasedAt: r.at, lines: [], sourceLines: [] }));
    const base = r.lineId ?? r.productId;
    let lineId = base;
    // A product twice in one basket without line ids: a second line, numbered in file order.
    for (let n = 2; order.lines.some((l) => l.lineId === lineId); n++) lineId = `${base}:${n}`;
    order.lines.push({ lineId, productId: r.productId, quantity: r.quantity, unitPrice: round4(r.amount / r.quantity), currency: r.currency });
    order.sourceLines.push(r.line);
  }
  return [...orders.values()];
}

/**
 * Each return row names no line, so it is matched to the customer's latest earlier purchases of the
 * product (as `netReturns` does for the backtests); a return nothing earlier in the file covers is set aside.
 */
function returnOrders(returns: readonly Row[], purchases: readonly PlannedOrder[], rejected: Rejected[]): PlannedOrder[] {
  const bought = new Map<string, { orderId: string; lineId: string; at: string; left: number }[]>();
  for (const o of purchases) {
    for (const l of o.lines) {
      const key = `${o.customer}\u0000${l.productId}`;
      const list = bought.get(key) ?? [];
      list.push({ orderId: o.orderId, lineId: l.lineId, at: o.purchasedAt, left: l.quantity });
      bought.set(key, list);
    }
  }
  for (const list of bought.values()) list.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const orders = new Map<string, PlannedOrder>();
  for (const r of [...returns].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.line - b.line))) {
    const list = (bought.get(`${r.customer}\u0000${r.productId}`) ?? []).filter((p) => p.at <= r.at && p.left > 0);
    if (list.reduce((s, p) => s + p.left, 0) < r.quantity - 1e-9) {
      rejected.push({ line: r.line, code: 'return_unmatched', reason: `returns ${r.quantity} of ${r.productId}, more than the customer bought of it earlier in this file` });
      continue;
    }
    const orderId = r.orderId ?? derivedOrderId(r.customer, r.at, 'return');
    const key = `${r.customer}\u0000${orderId}`;
    let order = orders.get(key);
    if (!order) orders.set(key, (order = { customer: r.customer, orderId, purchasedAt: r.at, lines: [], sourceLines: [] }));
    let left = r.quantity;
    for (let i = list.length - 1; i >= 0 && left > 1e-9; i--) {
      const p = list[i]!;
      const take = round4(Math.min(left, p.left));
      p.left = round4(p.left - take);
      left = round4(left - take);
      const base = r.lineId ?? p.lineId;
      let lineId = base;
      for (let n = 2; order.lines.some((l) => l.lineId === lineId); n++) lineId = `${base}:${n}`;
      order.lines.push({ type: 'return', lineId, quantity: take, returnOf: { orderId: p.orderId, lineId: p.lineId } });
      order.sourceLines.push(r.line);
    }
  }
  return [...orders.values()];
}

/** Orders over 100 lines become parts of the same order id (lines are idempotent by order and line id). */
function split(order: PlannedOrder): PlannedOrder[] {
  const parts: PlannedOrder[] = [];
  for (let i = 0; i < order.lines.length; i += MAX_LINES_PER_ORDER) {
    parts.push({ ...order, lines: order.lines.slice(i, i + MAX_LINES_PER_ORDER), sourceLines: order.sourceLines.slice(i, i + MAX_LINES_PER_ORDER) });
  }
  return parts;
}

export function batchesOf(orders: readonly PlannedOrder[], maxOrders = MAX_ORDERS_PER_BATCH, maxLines = MAX_LINES_PER_REQUEST): PlannedOrder[][] {
  const sorted = [...orders].sort((a, b) => (a.purchasedAt < b.purchasedAt ? -1 : a.purchasedAt > b.purchasedAt ? 1 : a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0));
  const batches: PlannedOrder[][] = [];
  let current: PlannedOrder[] = [];
  let lines = 0;
  for (const order of sorted.flatMap(split)) {
    if (current.length > 0 && (current.length >= maxOrders || lines + order.lines.length > maxLines)) {
      batches.push(current);
      current = [];
      lines = 0;
    }
    current.push(order);
    lines += order.lines.length;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

export async function planImport(file: string, options: PlanOptions): Promise<ImportPlan> {
  const { rows, rejected } = await readImportRows(file, options);
  const customers = new Map<string, string | undefined>();
  for (const r of rows) if (!customers.has(r.customer) || (customers.get(r.customer) === undefined && r.country)) customers.set(r.customer, r.country);
  const rowCount = rows.length + rejected.length;
  const purchases = purchaseOrders(rows.filter((r) => !r.returned));
  const returns = returnOrders(rows.filter((r) => r.returned), purchases, rejected);
  rejected.sort((a, b) => a.line - b.line);
  const size = Math.min(options.batchOrders ?? MAX_ORDERS_PER_BATCH, MAX_ORDERS_PER_BATCH);
  const purchaseBatches = batchesOf(purchases, size);
  return { customers, batches: [...purchaseBatches, ...batchesOf(returns, size)], returnsFrom: purchaseBatches.length, rejected, rows: rowCount };
}
