/**
 * npm run accuracy — the README's accuracy tables: `backtest` on the shared research data sets with their
 * published protocols, Cadence beside plain baselines.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backtest, type BacktestResult } from '../src/cli/backtest.ts';
import { cdnowToCsv, onlineRetailToCsv } from '../src/cli/datasets.ts';
import { parseDay, readTransactions } from '../src/cli/transactions.ts';

const shared = new URL('../../shared/data/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'cadence-accuracy-'));

export function printResult(title: string, r: BacktestResult): void {
  console.log(`\n${title}: ${r.units} ${r.level === 'customer' ? 'customers' : 'customer-product pairs'}, ${r.buyers} buy in the ${r.horizonDays}-day window`);
  console.log('| method | count RMSE | count MAE | predicted / actual total | AUC | Brier | next-date MAE (days) | same, ≥3 purchases |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  const f = (v: number, d = 3) => (Number.isNaN(v) ? '—' : v.toFixed(d));
  for (const m of r.methods) {
    console.log(`| ${m.method} | ${f(m.countRmse)} | ${f(m.countMae)} | ${Math.round(m.predictedTotal)} / ${m.actualTotal} | ${f(m.auc)} | ${f(m.brier)} | ${f(m.dateMae, 1)} | ${f(m.dateMae3, 1)} |`);
  }
}

const which = process.argv[2] ?? 'all';
if (which === 'all' || which === 'cdnow') {
  const csv = join(dir, 'cdnow.csv');
  await cdnowToCsv(join(shared, 'cdnow/CDNOW_sample.txt'), csv);
  const t = await readTransactions(csv);
  const r = backtest(t, { asOfDay: parseDay('1997-10-01')!, endDay: parseDay('1998-06-30')!, level: 'customer' });
  printResult('CDNOW sample, as-of 1997-10-01, 39-week holdout', r);
  console.log('BG/NBD fitted:', JSON.stringify(r.population.bgnbd), 'Gamma-Gamma:', JSON.stringify(r.population.gammaGamma));
}
if (which === 'all' || which === 'online-retail') {
  const csv = join(dir, 'online-retail.csv');
  await onlineRetailToCsv(join(shared, 'online-retail/online_retail_dev.csv.gz'), csv);
  const t = await readTransactions(csv);
  const r = backtest(t, { asOfDay: parseDay('2011-09-01')!, endDay: parseDay('2011-12-09')!, level: 'product', minPurchases: 4 });
  printResult('Online Retail (dev half), as-of 2011-09-01, 100-day window, pairs with ≥ 4 purchase days', r);
}
