import { buildHistory, type CustomerHistory, type PurchaseEvent } from '../predictions/model/history.ts';
import type { Catalog, CatalogItem } from '../recommendations/model/types.ts';
import { InputError, openCsv, type Transaction } from './transactions.ts';

export const NO_CATALOG: Catalog = { known: false, items: new Map() };

/**
 * Reads `product_id[,name,category,price,currency,pack_size,pack_unit,consumable]` (header required, any
 * order, gzip when the name ends in .gz). A bad row stops the run with its line number.
 */
export async function readCatalog(file: string): Promise<Catalog> {
  const parser = openCsv(file, { columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()), skip_empty_lines: true, trim: true, info: true });
  const items = new Map<string, CatalogItem>();
  let checked = false;
  for await (const { record: r, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    if (!checked && !('product_id' in r)) throw new InputError(`${file}: the header lacks product_id (needs product_id[,name,category,price,currency,pack_size,pack_unit,consumable])`);
    checked = true;
    const fail = (what: string): never => {
      throw new InputError(`${file} line ${info.lines}: ${what}`);
    };
    const productId = r.product_id ?? '';
    if (productId === '') fail('product_id is empty');
    const number = (name: string) => {
      const v = r[name];
      if (v === undefined || v === '') return undefined;
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) fail(`${name} "${v}" is not a non-negative number`);
      return n;
    };
    const consumable = r.consumable === undefined || r.consumable === '' ? undefined : /^(true|1|yes)$/i.test(r.consumable) ? true : /^(false|0|no)$/i.test(r.consumable) ? false : fail(`consumable "${r.consumable}" is not true or false`);
    const price = number('price');
    const packSize = number('pack_size');
    const item: CatalogItem = {
      productId,
      ...(r.name ? { name: r.name } : {}),
      ...(r.category ? { category: r.category } : {}),
      ...(price !== undefined ? { price } : {}),
      ...(r.currency ? { currency: r.currency } : {}),
      ...(packSize !== undefined ? { packSize } : {}),
      ...(r.pack_unit ? { packUnit: r.pack_unit } : {}),
      ...(consumable !== undefined ? { consumable } : {}),
    };
    // A product listed twice keeps its first row (exports often repeat a code with another description).
    if (!items.has(productId)) items.set(productId, item);
  }
  if (items.size === 0) throw new InputError(`${file}: the catalog is empty`);
  return { known: true, items };
}

/**
 * Each customer's history before `asOfDay`, with what the catalog says of each product (category, durable,
 * missing). Without a catalog every product is a consumable of its own, with no category.
 */
export function historiesBefore(transactions: readonly Transaction[], asOfDay: number, catalog: Catalog): Map<string, CustomerHistory> {
  const events = new Map<string, PurchaseEvent[]>();
  for (const t of transactions) {
    if (t.day >= asOfDay || t.productId === undefined) continue;
    const item = catalog.items.get(t.productId);
    const e: PurchaseEvent = {
      day: t.day,
      productId: t.productId,
      quantity: t.quantity,
      amount: t.amount,
      ...(item?.category ? { category: item.category } : {}),
      ...(item?.consumable === false ? { consumable: false } : {}),
      ...(catalog.known && !item ? { catalogued: false } : {}),
    };
    const list = events.get(t.customerId);
    if (list) list.push(e);
    else events.set(t.customerId, [e]);
  }
  return new Map([...events].map(([id, list]) => [id, buildHistory(list)]));
}

/** Distinct products each customer bought in [fromDay, toDay]. */
export function boughtBetween(transactions: readonly Transaction[], fromDay: number, toDay: number): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const t of transactions) {
    if (t.day < fromDay || t.day > toDay || t.productId === undefined) continue;
    const set = out.get(t.customerId) ?? new Set<string>();
    set.add(t.productId);
    out.set(t.customerId, set);
  }
  return out;
}
