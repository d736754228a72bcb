import type { BacktestResult } from './backtest.ts';
import type { Interval } from './scoring.ts';

const f = (v: number | undefined, d = 3) => (v === undefined || Number.isNaN(v) ? '—' : v.toFixed(d));
const ci = (i: Interval, d: number) => `${f(i.estimate, d)} [${f(i.low, d)}, ${f(i.high, d)}]`;

/** Prints a backtest as Markdown tables (the README's accuracy tables are pasted from it). */
export function printBacktest(title: string, r: BacktestResult): void {
  console.log(`\n${title}: ${r.units} ${r.level === 'customer' ? 'customers' : 'customer-product pairs'}, ${r.buyers} buy in the ${r.horizonDays}-day window (fit: ${r.population.customers} customers, ${r.population.excluded} left out as anomalous)`);
  console.log('| method | count RMSE | count MAE | predicted / actual total | AUC | Brier | next-date MAE (days) | same, ≥3 purchases | 80% range coverage |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const m of r.methods) {
    console.log(`| ${m.method} | ${f(m.countRmse)} | ${f(m.countMae)} | ${Math.round(m.predictedTotal)} / ${m.actualTotal} | ${f(m.auc)} | ${f(m.brier)} | ${f(m.dateMae, 1)} | ${f(m.dateMae3, 1)} | ${m.coverage === undefined ? '—' : f(m.coverage)} |`);
  }
  for (const c of r.comparisons) {
    console.log(`Cadence − ${c.against}, paired bootstrap 95%: next-date MAE ${ci(c.result.dateMae, 2)} days; ≥3 purchases ${ci(c.result.dateMae3, 2)}; AUC ${ci(c.result.auc, 4)}`);
  }
  console.log(`80% range coverage on the holdout: ${ci(r.coverage, 3)} (Wilson 95%)${r.innerCoverage ? `; inside the training data (last ${r.innerCoverage.horizonDays} days before the as-of day): ${ci(r.innerCoverage.coverage, 3)}` : ''}`);
  const odds = r.population.odds.find((o) => o.horizonDays === r.horizonDays);
  if (r.level === 'customer') console.log(odds ? `stacked odds serve: inner check over ${odds.check.days} days, stack AUC ${f(odds.check.stackAuc, 4)} vs BG/NBD ${f(odds.check.bgnbdAuc, 4)}, gain's 5th percentile ${f(odds.check.gainLow, 4)}${odds.check.sameSeason ? '' : ' (history under a year: the check is of another season than the window)'}` : 'stacked odds refused by the inner check (or not learnable): BG/NBD serves');
  const statuses = (list: BacktestResult['statuses']) => list.map((s) => `${s.status} ${f(s.precision, 2)} [${f(s.interval.low, 2)}, ${f(s.interval.high, 2)}] of ${s.units} (${s.says}; base rate ${f(s.baseRate, 2)})`).join('; ');
  const thresholds = (sc: BacktestResult['population']['statusCalibration']) => {
    const level = r.level === 'customer' ? sc?.customer : sc?.product;
    return sc && level ? `inner split cut ${sc.innerAsOfDay}: ${level.fits.map((t) => `${t.days} days ${f(t.threshold, 3)}${t.fallback ? ` (fallback: ${t.fallback})` : ` (Platt a ${f(t.a, 3)}, b ${f(t.b, 3)})`} from ${t.units} series, ${t.buyers} buying`).join('; ')}` : 'none (0.5)';
  };
  console.log(`status thresholds on the raw chance (decision 154), ${thresholds(r.population.statusCalibration)}`);
  console.log(`status precision (as served, Wilson 95%): ${statuses(r.statuses)}`);
  if (r.innerCoverage) {
    console.log(`status thresholds inside the training data, ${thresholds(r.innerCoverage.statusCalibration)}`);
    console.log(`status precision inside the training data (last ${r.innerCoverage.horizonDays} days before the as-of day): ${statuses(r.innerCoverage.statuses)}`);
  }
}
