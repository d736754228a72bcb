import { toPurchaseDays, type PurchaseDay } from './cadence.ts';

/** One purchase line reduced to what the models use. */
export interface PurchaseEvent {
  day: number;
  productId?: string;
  category?: string;
  quantity: number;
  amount: number;
  /** false for durable goods the catalog says are not replenished. */
  consumable?: boolean;
  /** ISO 4217 code of `amount`; 'XXX' (no currency) when the data does not say. */
  currency?: string;
  /** false when the product is missing from the shop's catalog (it is predicted without a category). */
  catalogued?: boolean;
  /** The order the line belongs to: same-day copies of a line under other orders are a data-quality sign. */
  orderId?: string;
}

/** ISO 4217's code for "no currency": amounts of data that names none. */
export const NO_CURRENCY = 'XXX';

/**
 * A customer's history as the models see it. It is a function of the set of distinct purchase lines, so
 * duplicates and arrival order cannot change it: lines are deduplicated upstream by their keys, and
 * everything here is ordered by day.
 */
export interface CustomerHistory {
  /** Distinct purchase days (a transaction in BG/NBD terms), quantity = 1 each. */
  days: PurchaseDay[];
  firstDay: number;
  lastDay: number;
  /**
   * The currency most of the customer's lines are in (ties: the latest). Spend figures are in it, and
   * only its lines count towards them: amounts of different currencies are never added.
   */
  currency: string;
  /** Spend in the customer's currency. */
  totalSpend: number;
  /** Spend on the first day with a line in the customer's currency; repeat spend is the rest. */
  firstDaySpend: number;
  /** Every currency the customer paid in, with its total. */
  spendByCurrency: Record<string, number>;
  /** Purchase days with a line in the customer's currency (the transactions spend models see). */
  spendDays: number;
  products: Map<string, PurchaseDay[]>;
  categories: Map<string, PurchaseDay[]>;
  productCategory: Map<string, string>;
  /** Products the catalog marks as not consumable: in the customer's days, but not predicted. */
  durables: Set<string>;
  /** Products missing from the catalog. */
  uncatalogued: Set<string>;
  /** Lines, the median quantity of a line, and lines repeating another order's line of the same day. */
  lines: number;
  medianLineQuantity: number;
  duplicateLines: number;
  /** The same duplicates per product. */
  productDuplicates: Map<string, number>;
}

/** The currency most lines are in; of equally frequent ones, the latest one bought in. */
function mainCurrency(events: readonly PurchaseEvent[]): string {
  const seen = new Map<string, { lines: number; last: number }>();
  for (const e of events) {
    const c = e.currency ?? NO_CURRENCY;
    const s = seen.get(c) ?? { lines: 0, last: -Infinity };
    seen.set(c, { lines: s.lines + 1, last: Math.max(s.last, e.day) });
  }
  return [...seen].sort((a, b) => b[1].lines - a[1].lines || b[1].last - a[1].last || a[0].localeCompare(b[0]))[0]![0];
}

export function buildHistory(events: readonly PurchaseEvent[]): CustomerHistory {
  if (events.length === 0) throw new Error('a history needs at least one purchase');
  const currency = mainCurrency(events);
  const spendByCurrency: Record<string, number> = {};
  const purchaseDays = new Set<number>();
  /** Spend per day over the lines in the customer's currency: the transactions spend models see. */
  const currencySpend = new Map<number, number>();
  const byProduct = new Map<string, PurchaseEvent[]>();
  const byCategory = new Map<string, PurchaseEvent[]>();
  const productCategory = new Map<string, string>();
  const durables = new Set<string>();
  const uncatalogued = new Set<string>();
  const copies = new Map<string, string>();
  const productDuplicates = new Map<string, number>();
  let duplicateLines = 0;
  for (const e of events) {
    if (e.orderId !== undefined) {
      // The same product, quantity and amount on the same day under another order id: a re-sent order.
      const key = `${e.day}|${e.productId ?? ''}|${e.quantity}|${e.amount}`;
      const seen = copies.get(key);
      if (seen === undefined) copies.set(key, e.orderId);
      else if (seen !== e.orderId) {
        duplicateLines++;
        if (e.productId !== undefined) productDuplicates.set(e.productId, (productDuplicates.get(e.productId) ?? 0) + 1);
      }
    }
    if (e.consumable === false && e.productId !== undefined) durables.add(e.productId);
    if (e.catalogued === false && e.productId !== undefined) uncatalogued.add(e.productId);
    const c = e.currency ?? NO_CURRENCY;
    spendByCurrency[c] = (spendByCurrency[c] ?? 0) + e.amount;
    // Every purchase day counts for cadence; only the customer's currency counts for spend.
    purchaseDays.add(e.day);
    if (c === currency) currencySpend.set(e.day, (currencySpend.get(e.day) ?? 0) + e.amount);
    if (e.productId !== undefined) {
      const list = byProduct.get(e.productId) ?? [];
      list.push(e);
      byProduct.set(e.productId, list);
      if (e.category) productCategory.set(e.productId, e.category);
    }
    if (e.category !== undefined) {
      const list = byCategory.get(e.category) ?? [];
      list.push({ ...e, quantity: 1 });
      byCategory.set(e.category, list);
    }
  }
  const dayList = [...purchaseDays].sort((a, b) => a - b);
  const firstDay = dayList[0]!;
  const totalSpend = [...currencySpend.values()].reduce((s, v) => s + v, 0);
  const firstCurrencyDay = Math.min(...currencySpend.keys());
  return {
    days: dayList.map((day) => ({ day, quantity: 1 })),
    firstDay,
    lastDay: dayList[dayList.length - 1]!,
    currency,
    totalSpend,
    firstDaySpend: currencySpend.get(firstCurrencyDay)!,
    spendByCurrency,
    spendDays: currencySpend.size,
    products: new Map([...byProduct].map(([id, list]) => [id, toPurchaseDays(list)])),
    // A category's series counts days, not quantities: different products' units do not add up.
    categories: new Map([...byCategory].map(([id, list]) => [id, toPurchaseDays(list).map((d) => ({ day: d.day, quantity: 1 }))])),
    productCategory,
    durables,
    uncatalogued,
    lines: events.length,
    medianLineQuantity: medianOf(events.map((e) => e.quantity)),
    duplicateLines,
    productDuplicates,
  };
}

function medianOf(values: number[]): number {
  values.sort((a, b) => a - b);
  const m = values.length >> 1;
  return values.length % 2 ? values[m]! : (values[m - 1]! + values[m]!) / 2;
}

/** BG/NBD's summary in weeks: repeat transactions, time of the last since the first, and the observed span. */
export function rfm(h: CustomerHistory, asOfDay: number) {
  return seriesRfm(h.days, asOfDay);
}

/** The same summary for any series of distinct purchase days (a customer, or a customer and a product). */
export function seriesRfm(days: readonly PurchaseDay[], asOfDay: number) {
  const first = days[0]!.day;
  const last = days[days.length - 1]!.day;
  return { x: days.length - 1, tx: (last - first) / 7, T: (asOfDay - 1 - first) / 7 };
}

/** Mean spend of repeat transactions (Gamma-Gamma's input), with their count. */
export function repeatSpend(h: CustomerHistory) {
  // The days with a line in the customer's currency are its transactions; the first is not a repeat.
  const x = h.spendDays - 1;
  return { x, meanSpend: x > 0 ? (h.totalSpend - h.firstDaySpend) / x : 0 };
}
