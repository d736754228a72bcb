import { addToRegisters, decodeRegisters, emptyRegisters, encodeRegisters, estimate, mergeRegisters } from './hyperloglog.ts';

/** Amounts are summed as integers of 1/10,000 of the currency unit (prices have at most 4 decimals). */
export const AMOUNT_SCALE = 10_000;
/** Products kept per minute bucket (the most bought of that minute): the top-k stays small at any scale. */
export const PRODUCTS_PER_BUCKET = 50;

/** One minute of one shard's events: sums and counts only, never an id. */
export interface LiveBucket {
  minute: string;
  lines: number;
  orders: number;
  /** By `region|currency`: orders and amount (scaled). */
  sales: Record<string, { orders: number; amount: number }>;
  /** Quantity bought by product. */
  products: Record<string, number>;
  /** Lines (one order's line each) by product, for the products kept in `products`. */
  productOrders: Record<string, number>;
  /**
   * Customers counted for a product (at most once an hour each, see `LineContribution.newBuyer`): summed
   * over an hour's buckets, a lower bound of the distinct customers who bought it in that hour.
   */
  buyers: Record<string, number>;
  customersCreated: number;
  /** HyperLogLog registers of the customers who bought (text). */
  customers: string;
}

/** What one purchase line event adds to its minute. */
export interface LineContribution {
  region: string;
  currency: string;
  productId: string;
  quantity: number;
  unitPrice: number;
  customerId: string;
  /** True for the first line of its order the consumer saw. */
  newOrder: boolean;
  /** True when this customer was not counted for this product in the hour before (a buyer marker). */
  newBuyer: boolean;
}

export const minuteOf = (iso: string) => iso.slice(0, 16);

export const emptyBucket = (minute: string): LiveBucket => ({ minute, lines: 0, orders: 0, sales: {}, products: {}, productOrders: {}, buyers: {}, customersCreated: 0, customers: encodeRegisters(emptyRegisters()) });

export function addLines(bucket: LiveBucket, lines: readonly LineContribution[]): LiveBucket {
  const registers = decodeRegisters(bucket.customers);
  const sales = { ...bucket.sales };
  const products = { ...bucket.products };
  const productOrders = { ...bucket.productOrders };
  const buyers = { ...bucket.buyers };
  let orders = bucket.orders;
  for (const l of lines) {
    const key = `${l.region}|${l.currency}`;
    const s = { ...(sales[key] ?? { orders: 0, amount: 0 }) };
    s.amount += Math.round(l.quantity * l.unitPrice * AMOUNT_SCALE);
    if (l.newOrder) s.orders += 1;
    sales[key] = s;
    if (l.newOrder) orders += 1;
    products[l.productId] = (products[l.productId] ?? 0) + l.quantity;
    productOrders[l.productId] = (productOrders[l.productId] ?? 0) + 1;
    if (l.newBuyer) buyers[l.productId] = (buyers[l.productId] ?? 0) + 1;
    addToRegisters(registers, l.customerId);
  }
  const kept = topK(products, PRODUCTS_PER_BUCKET);
  const only = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).filter(([p]) => p in kept));
  return { ...bucket, lines: bucket.lines + lines.length, orders, sales, products: kept, productOrders: only(productOrders), buyers: only(buyers), customers: encodeRegisters(registers) };
}

/** A product trending in the last hour: its orders and (a lower bound of) the distinct customers who bought it. */
export interface TrendingSupport {
  productId: string;
  orders: number;
  customers: number;
}

/** The products of these buckets (an hour's) with at least `minCustomers` customers, most customers first. */
export function trendingSupport(buckets: readonly LiveBucket[], minCustomers: number, k: number): TrendingSupport[] {
  const orders: Record<string, number> = {};
  const customers: Record<string, number> = {};
  for (const b of buckets) {
    for (const [p, n] of Object.entries(b.productOrders)) orders[p] = (orders[p] ?? 0) + n;
    for (const [p, n] of Object.entries(b.buyers)) customers[p] = (customers[p] ?? 0) + n;
  }
  return Object.entries(customers)
    .filter(([, n]) => n >= minCustomers)
    .map(([productId, n]) => ({ productId, orders: orders[productId] ?? 0, customers: n }))
    .sort((a, b) => b.customers - a.customers || b.orders - a.orders || a.productId.localeCompare(b.productId))
    .slice(0, k);
}

export function topK(counts: Record<string, number>, k: number): Record<string, number> {
  const entries = Object.entries(counts);
  if (entries.length <= k) return counts;
  return Object.fromEntries(entries.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, k));
}

export interface LiveSummary {
  ordersLastHour: number;
  revenueLastHour: Record<string, number>;
  linesLastHour: number;
  activeCustomersLastHour: number;
  customersCreatedLastHour: number;
  trendingProducts: { productId: string; quantity: number }[];
  perMinute: { minute: string; orders: number; lines: number; revenue: Record<string, number>; byRegion: Record<string, { orders: number; revenue: Record<string, number> }> }[];
}

const unscale = (n: number) => Math.round(n) / AMOUNT_SCALE;

/** Buckets of the last hour (any number per minute: one per shard) into the figures the endpoint serves. */
export function summarize(buckets: readonly LiveBucket[], trendingSince: string, trendingCount = 10): LiveSummary {
  const registers = emptyRegisters();
  const trending: Record<string, number> = {};
  const minutes = new Map<string, LiveSummary['perMinute'][number]>();
  const revenue: Record<string, number> = {};
  let orders = 0;
  let lines = 0;
  let created = 0;
  for (const b of buckets) {
    orders += b.orders;
    lines += b.lines;
    created += b.customersCreated;
    mergeRegisters(registers, decodeRegisters(b.customers));
    const m = minutes.get(b.minute) ?? { minute: b.minute, orders: 0, lines: 0, revenue: {}, byRegion: {} };
    m.orders += b.orders;
    m.lines += b.lines;
    for (const [key, s] of Object.entries(b.sales)) {
      const [region, currency] = key.split('|') as [string, string];
      revenue[currency] = (revenue[currency] ?? 0) + s.amount;
      m.revenue[currency] = (m.revenue[currency] ?? 0) + s.amount;
      const r = (m.byRegion[region] ??= { orders: 0, revenue: {} });
      r.orders += s.orders;
      r.revenue[currency] = (r.revenue[currency] ?? 0) + s.amount;
    }
    minutes.set(b.minute, m);
    if (b.minute >= trendingSince) for (const [p, q] of Object.entries(b.products)) trending[p] = (trending[p] ?? 0) + q;
  }
  const unscaleAll = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).map(([c, v]) => [c, unscale(v)]));
  return {
    ordersLastHour: orders,
    revenueLastHour: unscaleAll(revenue),
    linesLastHour: lines,
    activeCustomersLastHour: lines === 0 ? 0 : estimate(registers),
    customersCreatedLastHour: created,
    trendingProducts: Object.entries(topK(trending, trendingCount)).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([productId, quantity]) => ({ productId, quantity })),
    perMinute: [...minutes.values()]
      .sort((a, b) => a.minute.localeCompare(b.minute))
      .map((m) => ({ ...m, revenue: unscaleAll(m.revenue), byRegion: Object.fromEntries(Object.entries(m.byRegion).map(([r, v]) => [r, { orders: v.orders, revenue: unscaleAll(v.revenue) }])) })),
  };
}
