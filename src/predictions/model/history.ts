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
}

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
  totalSpend: number;
  /** Spend on the first purchase day; repeat spend is the rest. */
  firstDaySpend: number;
  products: Map<string, PurchaseDay[]>;
  categories: Map<string, PurchaseDay[]>;
  productCategory: Map<string, string>;
  /** Products the catalog marks as not consumable: in the customer's days, but not predicted. */
  durables: Set<string>;
}

export function buildHistory(events: readonly PurchaseEvent[]): CustomerHistory {
  if (events.length === 0) throw new Error('a history needs at least one purchase');
  const spendByDay = new Map<number, number>();
  const byProduct = new Map<string, PurchaseEvent[]>();
  const byCategory = new Map<string, PurchaseEvent[]>();
  const productCategory = new Map<string, string>();
  const durables = new Set<string>();
  for (const e of events) {
    if (e.consumable === false && e.productId !== undefined) durables.add(e.productId);
    spendByDay.set(e.day, (spendByDay.get(e.day) ?? 0) + e.amount);
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
  const dayList = [...spendByDay.keys()].sort((a, b) => a - b);
  const firstDay = dayList[0]!;
  const totalSpend = [...spendByDay.values()].reduce((s, v) => s + v, 0);
  return {
    days: dayList.map((day) => ({ day, quantity: 1 })),
    firstDay,
    lastDay: dayList[dayList.length - 1]!,
    totalSpend,
    firstDaySpend: spendByDay.get(firstDay)!,
    products: new Map([...byProduct].map(([id, list]) => [id, toPurchaseDays(list)])),
    // A category's series counts days, not quantities: different products' units do not add up.
    categories: new Map([...byCategory].map(([id, list]) => [id, toPurchaseDays(list).map((d) => ({ day: d.day, quantity: 1 }))])),
    productCategory,
    durables,
  };
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
  const x = h.days.length - 1;
  return { x, meanSpend: x > 0 ? (h.totalSpend - h.firstDaySpend) / x : 0 };
}
