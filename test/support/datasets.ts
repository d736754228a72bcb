import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cdnowToCsv, onlineRetailToCsv } from '../../src/cli/datasets.ts';

const shared = new URL('../../../shared/data/', import.meta.url).pathname;
let onlineRetail: Promise<string> | undefined;
let cdnow: Promise<string> | undefined;

/**
 * The shared Online Retail half as the CLI's CSV (`onlineRetailToCsv`), converted once per test worker:
 * the files share their worker's modules (vitest `isolate: false`), and the conversion of the 541,909 rows
 * took each of the four files that read it about 8 s. Read-only: a file that writes must copy it.
 */
export function onlineRetailCsv(): Promise<string> {
  onlineRetail ??= (async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'cadence-or-')), 'online-retail.csv');
    await onlineRetailToCsv(join(shared, 'online-retail/online_retail_dev.csv.gz'), path);
    return path;
  })();
  return onlineRetail;
}

/** The shared CDNOW sample as the CLI's CSV, converted once per test worker (read-only, as above). */
export function cdnowCsv(): Promise<string> {
  cdnow ??= (async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'cadence-cdnow-')), 'cdnow.csv');
    await cdnowToCsv(join(shared, 'cdnow/CDNOW_sample.txt'), path);
    return path;
  })();
  return cdnow;
}
