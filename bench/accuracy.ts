/**
 * npm run accuracy — the README's accuracy tables: `backtest` on the shared research data sets with their
 * published protocols, Cadence beside plain baselines.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backtest } from '../src/cli/backtest.ts';
import { printBacktest } from '../src/cli/report.ts';
import { cdnowToCsv, onlineRetailToCsv } from '../src/cli/datasets.ts';
import { parseDay, readTransactions } from '../src/cli/transactions.ts';

const shared = new URL('../../shared/data/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'cadence-accuracy-'));

const which = process.argv[2] ?? 'all';
if (which === 'all' || which === 'cdnow') {
  const csv = join(dir, 'cdnow.csv');
  await cdnowToCsv(join(shared, 'cdnow/CDNOW_sample.txt'), csv);
  const t = await readTransactions(csv);
  const r = backtest(t, { asOfDay: parseDay('1997-10-01')!, endDay: parseDay('1998-06-30')!, level: 'customer', inner: true });
  printBacktest('CDNOW sample, as-of 1997-10-01, 39-week holdout', r);
  console.log('BG/NBD fitted:', JSON.stringify(r.population.bgnbd), 'Gamma-Gamma:', JSON.stringify(r.population.gammaGamma));
}
if (which === 'all' || which === 'online-retail') {
  const csv = join(dir, 'online-retail.csv');
  await onlineRetailToCsv(join(shared, 'online-retail/online_retail_dev.csv.gz'), csv);
  const t = await readTransactions(csv);
  const r = backtest(t, { asOfDay: parseDay('2011-09-01')!, endDay: parseDay('2011-12-09')!, level: 'product', minPurchases: 4, inner: true });
  printBacktest('Online Retail (dev half), as-of 2011-09-01, 100-day window, pairs with ≥ 4 purchase days', r);
}
if (which === 'all' || which === 'online-retail-returns') {
  // The same protocol with the C invoices kept as returns, netted against the purchases they undo.
  const csv = join(dir, 'online-retail-returns.csv');
  await onlineRetailToCsv(join(shared, 'online-retail/online_retail_dev.csv.gz'), csv, { returns: true });
  const t = await readTransactions(csv);
  console.log(`\n${t.filter((x) => x.returned).length} return rows of ${t.length}`);
  const r = backtest(t, { asOfDay: parseDay('2011-09-01')!, endDay: parseDay('2011-12-09')!, level: 'product', minPurchases: 4, inner: true });
  printBacktest('Online Retail (dev half) with returns netted, as-of 2011-09-01, 100-day window, pairs with ≥ 4 purchase days', r);
  const c = backtest(t, { asOfDay: parseDay('2011-09-01')!, endDay: parseDay('2011-12-09')!, level: 'customer', inner: true });
  printBacktest('Online Retail (dev half) with returns netted, customer level', c);
}
if (which === 'all' || which === 'online-retail-customers') {
  const csv = join(dir, 'online-retail.csv');
  await onlineRetailToCsv(join(shared, 'online-retail/online_retail_dev.csv.gz'), csv);
  const t = await readTransactions(csv);
  const r = backtest(t, { asOfDay: parseDay('2011-09-01')!, endDay: parseDay('2011-12-09')!, level: 'customer', inner: true });
  printBacktest('Online Retail (dev half), customer level, as-of 2011-09-01, 100-day window', r);
}
