import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { parse, type Options, type Parser } from 'csv-parse';

/** One row of a shop's order export, as the CLI reads it. */
export interface Transaction {
  customerId: string;
  /** Days since 1970-01-01, UTC. */
  day: number;
  amount: number;
  productId?: string;
  quantity: number;
  /** A return (or cancellation) of `quantity` of the product: netted against the customer's purchases. */
  returned?: boolean;
}

export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

import { DAY_MS } from '../shared/days.ts';

export { DAY_MS, formatDay } from '../shared/days.ts';
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** An ISO date or date-time as a UTC day number; a date-time without a zone is read as UTC. */
export function parseDay(value: string): number | undefined {
  const v = value.trim();
  if (DATE.test(v)) {
    const t = Date.parse(`${v}T00:00:00Z`);
    return Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== v ? undefined : Math.floor(t / DAY_MS);
  }
  if (DATE_TIME.test(v)) {
    const iso = v.replace(' ', 'T');
    const t = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/.test(iso) ? iso : `${iso}Z`);
    return Number.isNaN(t) ? undefined : Math.floor(t / DAY_MS);
  }
  return undefined;
}


/**
 * A CSV parser over a file, gunzipped when the name ends in .gz. Errors of the file or the gunzip (a missing
 * file, a truncated archive) are passed to the parser, so reading fails instead of waiting for ever.
 */
export function openCsv(file: string, options: Options): Parser {
  const parser = parse(options);
  const input = createReadStream(file);
  const source = file.endsWith('.gz') ? input.pipe(createGunzip()) : input;
  input.on('error', (err: Error) => parser.destroy(err));
  source.on('error', (err: Error) => parser.destroy(err));
  return source.pipe(parser);
}

/**
 * Reads `customer_id,timestamp,amount[,product_id,quantity,type]` (header required, any column order, gzip
 * when the name ends in .gz); `type` is `purchase` (the default) or `return`. A bad row stops the run with
 * its line number: guessing would skew every figure.
 */
export async function readTransactions(file: string, onProgress?: (rows: number) => void): Promise<Transaction[]> {
  const parser = openCsv(file, { columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()), skip_empty_lines: true, trim: true, info: true });
  const rows: Transaction[] = [];
  let checkedHeader = false;
  for await (const record of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    const r = record.record;
    const line = record.info.lines;
    if (!checkedHeader) {
      const missing = ['customer_id', 'timestamp', 'amount'].filter((c) => !(c in r));
      if (missing.length > 0) throw new InputError(`${file}: the header lacks ${missing.join(', ')} (needs customer_id,timestamp,amount[,product_id,quantity])`);
      checkedHeader = true;
    }
    const fail = (what: string): never => {
      throw new InputError(`${file} line ${line}: ${what}`);
    };
    const customerId = r.customer_id ?? '';
    if (customerId === '') fail('customer_id is empty');
    const day = parseDay(r.timestamp ?? '');
    if (day === undefined) fail(`timestamp "${r.timestamp}" is not an ISO date or date-time`);
    const amount = Number(r.amount);
    if (r.amount === '' || !Number.isFinite(amount) || amount < 0) fail(`amount "${r.amount}" is not a non-negative number`);
    let quantity = 1;
    if (r.quantity !== undefined && r.quantity !== '') {
      quantity = Number(r.quantity);
      if (!Number.isFinite(quantity) || quantity <= 0) fail(`quantity "${r.quantity}" is not a positive number`);
    }
    const productId = r.product_id;
    const type = r.type ?? '';
    if (type !== '' && type !== 'purchase' && type !== 'return') fail(`type "${type}" is neither purchase nor return`);
    // An empty product_id means a customer-level row (data sets without products leave the column blank).
    rows.push({ customerId, day: day!, amount, quantity, ...(productId ? { productId } : {}), ...(type === 'return' ? { returned: true } : {}) });
    if (onProgress && rows.length % 100_000 === 0) onProgress(rows.length);
  }
  if (!checkedHeader) throw new InputError(`${file}: no rows`);
  return rows;
}
