import { createWriteStream } from 'node:fs';
import { stringify } from 'csv-stringify';

type Row = (string | number | boolean)[] | Record<string, string | number | boolean>;

/** Writes rows (arrays in column order, or records keyed by column) as a CSV file with a header; the row count. */
export async function writeCsv(dest: string, columns: readonly string[], rows: Iterable<Row> | AsyncIterable<Row>): Promise<number> {
  const out = createWriteStream(dest);
  const csv = stringify({ header: true, columns: [...columns] });
  csv.pipe(out);
  let n = 0;
  for await (const row of rows) {
    if (!csv.write(row)) await new Promise((r) => csv.once('drain', r));
    n++;
  }
  csv.end();
  await new Promise<void>((resolve, reject) => out.on('finish', resolve).on('error', reject));
  return n;
}
