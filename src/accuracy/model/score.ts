/**
 * Production accuracy, pure part: what a daily snapshot keeps per customer, how it is scored against the
 * purchase days that came after it, and the aggregate (a tally) it is reduced to. A tally holds sums and
 * a histogram only, so tallies of several days add up to a week's figures without any row.
 */

/** Purchase odds are binned this finely for the AUC (ties within a bin count a half, as in Mann-Whitney). */
export const ODDS_BINS = 50;
/** "Buys within 30 days" and the counts are judged over this window. */
export const WINDOW_DAYS = 30;
/** The served next date is the one to expect given a purchase within this many days (decision 64). */
export const DATE_HORIZON_DAYS = 90;

/** One customer in a snapshot: a keyed reference and the predicted figures, nothing else. */
export interface SnapshotRow {
  /** Keyed hash of the customer id (not reversible without the deployment's privacy key). */
  ref: string;
  /** Predicted next purchase day and its 80% range (days since 1970-01-01). */
  next: number;
  low: number;
  high: number;
  /** P(a purchase within 30 days) and the expected number of purchase days in them. */
  p30: number;
  e30: number;
}

export interface Tally {
  customers: number;
  /** Next date: rows whose next purchase came within the horizon. */
  dateScored: number;
  dateAbsErrorSum: number;
  dateCovered: number;
  /** Rows whose horizon passed without a purchase (the date is not scored for them). */
  dateNoPurchase: number;
  /** Buys within 30 days: rows whose outcome is known (a purchase came, or the window passed). */
  oddsScored: number;
  oddsPositive: number;
  brierSum: number;
  /** Histogram of predicted odds by outcome (ODDS_BINS bins). */
  positives: number[];
  negatives: number[];
  /** Counts: rows whose 30-day window passed. */
  countsScored: number;
  countsAbsErrorSum: number;
  countsPredictedSum: number;
  countsActualSum: number;
}

export const emptyTally = (): Tally => ({
  customers: 0, dateScored: 0, dateAbsErrorSum: 0, dateCovered: 0, dateNoPurchase: 0,
  oddsScored: 0, oddsPositive: 0, brierSum: 0, positives: new Array<number>(ODDS_BINS).fill(0), negatives: new Array<number>(ODDS_BINS).fill(0),
  countsScored: 0, countsAbsErrorSum: 0, countsPredictedSum: 0, countsActualSum: 0,
});

const binOf = (p: number) => Math.min(ODDS_BINS - 1, Math.max(0, Math.floor(p * ODDS_BINS)));

/**
 * Adds one row to a tally. `asOf` is the snapshot's first day of the future (its predictions saw every
 * day before it), `today` the first day not yet known, `days` the customer's purchase days (sorted or not).
 */
export function scoreRow(t: Tally, row: SnapshotRow, asOf: number, today: number, days: readonly number[]): void {
  t.customers++;
  const after = days.filter((d) => d >= asOf);
  const first = after.length > 0 ? Math.min(...after) : undefined;
  if (first !== undefined && first < asOf + DATE_HORIZON_DAYS) {
    t.dateScored++;
    t.dateAbsErrorSum += Math.abs(first - row.next);
    if (first >= row.low && first <= row.high) t.dateCovered++;
  } else if (today >= asOf + DATE_HORIZON_DAYS) t.dateNoPurchase++;
  const windowPassed = today >= asOf + WINDOW_DAYS;
  const bought = first !== undefined && first < asOf + WINDOW_DAYS;
  if (bought || windowPassed) {
    const y = bought ? 1 : 0;
    t.oddsScored++;
    t.oddsPositive += y;
    t.brierSum += (row.p30 - y) ** 2;
    (y ? t.positives : t.negatives)[binOf(row.p30)]!++;
  }
  if (windowPassed) {
    const actual = new Set(after.filter((d) => d < asOf + WINDOW_DAYS)).size;
    t.countsScored++;
    t.countsAbsErrorSum += Math.abs(row.e30 - actual);
    t.countsPredictedSum += row.e30;
    t.countsActualSum += actual;
  }
}

/** Whether nothing about a snapshot taken for `asOf` can change any more on `today`. */
export const settled = (asOf: number, today: number) => today >= asOf + DATE_HORIZON_DAYS;

export function addTallies(a: Tally, b: Tally): Tally {
  const out = emptyTally();
  for (const k of Object.keys(out) as (keyof Tally)[]) {
    if (k === 'positives' || k === 'negatives') out[k] = a[k].map((v, i) => v + (b[k][i] ?? 0));
    else out[k] = a[k] + b[k];
  }
  return out;
}

/** AUC from the binned odds: P(a buyer's odds > a non-buyer's), ties (same bin) counted a half. */
export function aucOf(t: Pick<Tally, 'positives' | 'negatives'>): number | undefined {
  const pos = t.positives.reduce((s, v) => s + v, 0);
  const neg = t.negatives.reduce((s, v) => s + v, 0);
  if (pos === 0 || neg === 0) return undefined;
  let below = 0;
  let wins = 0;
  for (let i = 0; i < ODDS_BINS; i++) {
    wins += t.positives[i]! * (below + t.negatives[i]! / 2);
    below += t.negatives[i]!;
  }
  return wins / (pos * neg);
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : undefined);

/** The served figures of a tally (undefined where nothing is scored yet). */
export function figuresOf(t: Tally) {
  return {
    customers: t.customers,
    nextDate: { scored: t.dateScored, noPurchase: t.dateNoPurchase, maeDays: ratio(t.dateAbsErrorSum, t.dateScored), coverage80: ratio(t.dateCovered, t.dateScored) },
    buysWithin30: { scored: t.oddsScored, baseRate: ratio(t.oddsPositive, t.oddsScored), auc: aucOf(t), brier: ratio(t.brierSum, t.oddsScored) },
    counts30: { scored: t.countsScored, mae: ratio(t.countsAbsErrorSum, t.countsScored), predictedMean: ratio(t.countsPredictedSum, t.countsScored), actualMean: ratio(t.countsActualSum, t.countsScored) },
  };
}

/** ISO 8601 week of a day number, as `YYYY-Www`. */
export function isoWeekOf(day: number): string {
  const d = new Date(day * 86_400_000);
  const weekday = (d.getUTCDay() + 6) % 7; // Monday 0
  const thursday = new Date(d.getTime() + (3 - weekday) * 86_400_000);
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * 86_400_000));
  return `${year}-W${String(week).padStart(2, '0')}`;
}
