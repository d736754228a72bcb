/**
 * The CDNOW sample used by Fader, Hardie & Lee (2005), read from /work/shared/data (never copied into the repo),
 * and the paper's calibration/holdout protocol. See /work/shared/data/README.md.
 */
import { readFileSync } from 'node:fs';

const dataFile = (name: string): URL => new URL(`../../../shared/data/cdnow/${name}`, import.meta.url);

export interface DerivedCdnowRow {
  id: number;
  firstPurchase: string;
  x: number;
  tx: number;
  T: number;
  zbarRepeat: number;
  xHoldout: number;
  spendHoldout: number;
  firstHoldoutPurchase: string | null;
  palivePaper: number;
  ey39Paper: number;
}

export interface CdnowCalibrationSummary {
  id: number;
  x: number;
  /** Weeks from the first purchase to the last calibration purchase. */
  tx: number;
  /** Weeks from the first purchase to the end of calibration. */
  T: number;
  /** Mean dollar value of the repeat (day-merged) calibration transactions; 0 when x = 0. */
  meanSpend: number;
  /** Transactions (distinct days) in the 39-week holdout. */
  xHoldout: number;
}

/** The per-customer summary shipped with the data (`derived_cdnow_sample_cal39_ho39.csv`). */
export function readDerivedCdnow(): DerivedCdnowRow[] {
  const lines = readFileSync(dataFile('derived_cdnow_sample_cal39_ho39.csv'), 'utf8').trim().split('\n');
  const header = (lines.shift() ?? '').trim();
  const expected = 'id,first_purchase,x,t_x_weeks,T_weeks,zbar_repeat,x_holdout,spend_holdout,first_holdout_purchase,palive_paper,ey39_paper';
  if (header !== expected) throw new Error(`Unexpected derived CDNOW header: ${header}`);
  return lines.map((line) => {
    const f = line.trim().split(',');
    const num = (i: number): number => {
      const v = Number(f[i]);
      if (f[i] === undefined || f[i] === '' || !Number.isFinite(v)) throw new Error(`Bad number in column ${i}: ${line}`);
      return v;
    };
    return {
      id: num(0), firstPurchase: f[1] ?? '', x: num(2), tx: num(3), T: num(4), zbarRepeat: num(5),
      xHoldout: num(6), spendHoldout: num(7), firstHoldoutPurchase: f[8] ? f[8] : null,
      palivePaper: num(9), ey39Paper: num(10),
    };
  });
}

const DAY_MS = 86_400_000;
const EPOCH = Date.UTC(1997, 0, 1); // day 0
const CALIBRATION_END_DAY = 272; // 1997-09-30, the last calibration day; T is measured up to it, as in the paper
const HOLDOUT_END_DAY = (Date.UTC(1998, 5, 30) - EPOCH) / DAY_MS;

const dayIndex = (yyyymmdd: string): number => {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(yyyymmdd);
  if (!m) throw new Error(`Bad CDNOW date ${yyyymmdd}`);
  return (Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) - EPOCH) / DAY_MS;
};

/**
 * Builds (x, tx, T, meanSpend, holdout count) per customer from the raw transactions: records on the same day merge
 * into one transaction (their dollars add up); calibration is days 0..272, holdout the days after it to 1998-06-30.
 */
export function cdnowCalibrationSummaries(): CdnowCalibrationSummary[] {
  const text = readFileSync(dataFile('CDNOW_sample.txt'), 'utf8');
  const byCustomer = new Map<number, Map<number, number>>(); // id -> day -> dollars
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length === 1 && f[0] === '') continue;
    if (f.length !== 5) throw new Error(`Bad CDNOW line: ${line}`);
    const id = Number(f[1]);
    const day = dayIndex(f[2] as string);
    const dollars = Number(f[4]);
    if (!Number.isInteger(id) || !Number.isFinite(dollars)) throw new Error(`Bad CDNOW line: ${line}`);
    let days = byCustomer.get(id);
    if (!days) byCustomer.set(id, (days = new Map()));
    days.set(day, (days.get(day) ?? 0) + dollars);
  }

  return [...byCustomer.entries()]
    .sort(([a], [b]) => a - b)
    .map(([id, days]) => {
      const sorted = [...days.entries()].sort(([a], [b]) => a - b);
      const calibration = sorted.filter(([d]) => d <= CALIBRATION_END_DAY);
      const first = calibration[0];
      if (!first) throw new Error(`CDNOW customer ${id} has no calibration purchase`);
      const repeats = calibration.slice(1);
      const last = calibration[calibration.length - 1] ?? first;
      const meanSpend = repeats.length === 0 ? 0 : repeats.reduce((acc, [, v]) => acc + v, 0) / repeats.length;
      return {
        id,
        x: repeats.length,
        tx: (last[0] - first[0]) / 7,
        T: (CALIBRATION_END_DAY - first[0]) / 7,
        meanSpend,
        xHoldout: sorted.filter(([d]) => d > CALIBRATION_END_DAY && d <= HOLDOUT_END_DAY).length,
      };
    });
}
