import { readFile } from 'node:fs/promises';
import { openCsv } from './transactions.ts';
import { writeCsv } from './csv-out.ts';

/**
 * Converters from the public research data sets to the CLI's input format, applying each data set's
 * published protocol, so anyone can reproduce the README's accuracy tables.
 */
const ROW_COLUMNS = ['customer_id', 'timestamp', 'amount', 'product_id', 'quantity', 'type'] as const;

/** The converters' rows, in the CLI's transactions format. */
const writeRows = (dest: string, rows: AsyncIterable<Record<string, string | number>>) => writeCsv(dest, ROW_COLUMNS, rows);

/** CDNOW_sample.txt: `master_id sample_id YYYYMMDD cds dollars`; one row per record (same-day records merge later). */
export async function cdnowToCsv(source: string, dest: string): Promise<number> {
  const text = await readFile(source, 'utf8'); // 7,000 lines: read at once, and a missing file fails cleanly
  async function* rows() {
    for (const line of text.split('\n')) {
      const [, id, date, cds, dollars] = line.trim().split(/\s+/);
      if (!id || !date) continue;
      yield { customer_id: id, timestamp: `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`, amount: Number(dollars), product_id: '', quantity: Number(cds), type: 'purchase' };
    }
  }
  return writeRows(dest, rows());
}

/**
 * UCI Online Retail: lines with a CustomerID, positive price, and a product code starting with five digits
 * (drops POST, DOT, M, BANK CHARGES, …). Cancellations (invoice starting with C, negative quantity) are
 * dropped by the published protocol; with `returns: true` they are kept as `type=return` rows, which the
 * backtest nets against the customer's earlier purchases of the product.
 */
export function onlineRetailToCsv(source: string, dest: string, options: { returns?: boolean } = {}): Promise<number> {
  async function* rows() {
    const parser = openCsv(source, { columns: true });
    for await (const r of parser as AsyncIterable<Record<string, string>>) {
      const quantity = Number(r.Quantity);
      const price = Number(r.UnitPrice);
      if (!r.CustomerID || !(price > 0) || !/^\d{5}/.test(r.StockCode ?? '')) continue;
      const cancelled = r.InvoiceNo?.startsWith('C') === true;
      if (cancelled ? !(options.returns && quantity < 0) : !(quantity > 0)) continue;
      const q = Math.abs(quantity);
      yield { customer_id: r.CustomerID, timestamp: r.InvoiceDate!.replace(' ', 'T'), amount: Math.round(q * price * 100) / 100, product_id: r.StockCode!, quantity: q, type: cancelled ? 'return' : 'purchase' };
    }
  }
  return writeRows(dest, rows());
}
