import type { BacktestResult } from './backtest.ts';

/** Prints a backtest as a Markdown table (the README's accuracy tables are pasted from it). */
export function printBacktest(title: string, r: BacktestResult): void {
  console.log(`\n${title}: ${r.units} ${r.level === 'customer' ? 'customers' : 'customer-product pairs'}, ${r.buyers} buy in the ${r.horizonDays}-day window`);
  console.log('| method | count RMSE | count MAE | predicted / actual total | AUC | Brier | next-date MAE (days) | same, ≥3 purchases |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  const f = (v: number, d = 3) => (Number.isNaN(v) ? '—' : v.toFixed(d));
  for (const m of r.methods) {
    console.log(`| ${m.method} | ${f(m.countRmse)} | ${f(m.countMae)} | ${Math.round(m.predictedTotal)} / ${m.actualTotal} | ${f(m.auc)} | ${f(m.brier)} | ${f(m.dateMae, 1)} | ${f(m.dateMae3, 1)} |`);
  }
}
