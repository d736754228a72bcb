import { writeCsv } from './csv-out.ts';
import { generateGroceryShop, GROCERY_CATALOG } from '../local/grocery-data.ts';
import { openCsv } from './transactions.ts';

/** The catalog columns `recommend --catalog` and `evaluate-recs --catalog` read. */
export const CATALOG_COLUMNS = ['product_id', 'name', 'category', 'price', 'currency', 'pack_size', 'pack_unit', 'consumable'] as const;


/**
 * The generated grocery shop (src/local/grocery-data.ts): a year of orders of `customers` households, and
 * its catalog. No such data set is shared, so it is generated, reproducibly for a seed.
 */
export async function groceryToCsv(dest: string, catalogDest: string | undefined, options: { customers: number; seed: number }): Promise<number> {
  const lines = generateGroceryShop(options);
  const n = await writeCsv(dest, ['customer_id', 'timestamp', 'amount', 'product_id', 'quantity'], lines.map((l) => [l.customerId, l.day, l.amount, l.productId, l.quantity]));
  if (catalogDest) {
    await writeCsv(catalogDest, CATALOG_COLUMNS, GROCERY_CATALOG.map((p) => [p.productId, p.name, p.category, p.price, 'EUR', p.packSize, p.packUnit, p.consumable]));
  }
  return n;
}

/** UCI Online Retail's `StockCode,Description` as a catalog with names only (the first description of a code). */
export async function onlineRetailCatalogToCsv(source: string, dest: string): Promise<number> {
  const seen = new Set<string>();
  async function* rows() {
    for await (const r of openCsv(source, { columns: true }) as AsyncIterable<Record<string, string>>) {
      const code = r.StockCode ?? '';
      if (!/^\d{5}/.test(code) || seen.has(code)) continue;
      seen.add(code);
      yield [code, (r.Description ?? '').trim(), '', '', '', '', '', ''];
    }
  }
  return writeCsv(dest, CATALOG_COLUMNS, rows());
}
