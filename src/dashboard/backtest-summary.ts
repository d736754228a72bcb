/**
 * The latest offline backtest (`npm run accuracy`, 2026-12-01; the tables in the README and
 * docs/predictions.md), as the operator page shows it beside accuracy measured in production
 * (src/accuracy): it changes only when the backtest is run again and this file updated with it.
 */
export interface BacktestRow {
  dataSet: string;
  /** Next-purchase-date mean absolute error in days (customers with 3+ purchases; pairs with 4+ days). */
  cadenceMaeDays: number;
  baseline: string;
  baselineMaeDays: number;
  /** AUC of "buys in the window": Cadence's, and BG/NBD's where it applies. */
  cadenceAuc: number;
  bgnbdAuc: number | null;
  /** Share of holdout purchases inside the 80% range. */
  coverage80: number;
}

export const BACKTEST_SUMMARY = {
  measuredOn: '2026-12-01',
  source: 'npm run accuracy (offline backtest on the research data sets; see docs/predictions.md)',
  rows: [
    { dataSet: 'CDNOW, customers', cadenceMaeDays: 48.6, baseline: 'BG/NBD', baselineMaeDays: 49.4, cadenceAuc: 0.783, bgnbdAuc: 0.757, coverage80: 0.807 },
    { dataSet: 'Online Retail, customers', cadenceMaeDays: 18.5, baseline: 'BG/NBD', baselineMaeDays: 25.3, cadenceAuc: 0.73, bgnbdAuc: 0.73, coverage80: 0.828 },
    { dataSet: 'Online Retail, products', cadenceMaeDays: 22.4, baseline: 'rolled median', baselineMaeDays: 25.4, cadenceAuc: 0.613, bgnbdAuc: null, coverage80: 0.76 },
  ] satisfies BacktestRow[],
} as const;
