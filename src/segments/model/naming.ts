import { z } from 'zod';
import type { Segment } from './run.ts';

/**
 * Segment names proposed by the model. The model sees a segment's aggregate profile only (its size, shares
 * and centre in the shop's units: never a customer), and every number its name or description states is
 * checked against that profile before it is shown.
 */
export const NAMING_TOOL = 'segment_name';
export const NamingAnswer = z.object({ n: z.string().min(2).max(40), d: z.string().min(10).max(320) }).strict();
export type NamingAnswer = z.infer<typeof NamingAnswer>;

export const namingToolSchema = () => ({ type: 'object', properties: { n: { type: 'string' }, d: { type: 'string' } }, required: ['n', 'd'] });

export const NAMING_SYSTEM =
  "Name one customer segment of an online shop for its marketing team, from the segment's aggregate profile: n a name of at most 4 words, d two sentences on what sets it apart and what to do. Use only numbers from the profile. Answer with the tool only.";

const round = (v: number) => (Math.abs(v) >= 10 ? Math.round(v) : Number(v.toFixed(2)));

/** The aggregate profile the model reads: no customer, only the segment's figures beside the population's. */
export function segmentProfile(segment: Segment): string {
  const lines = [
    `customers ${(segment.share * 100).toFixed(1)}% of all, revenue ${(segment.revenueShare * 100).toFixed(1)}% of all`,
    ...Object.entries(segment.centroid).map(([k, v]) => `${k} ${round(v)}`),
    `stands out by: ${segment.distinguishing.map((d) => `${d.feature} ${round(d.value)} (typical ${round(d.population)})`).join('; ')}`,
  ];
  return lines.join('\n');
}

const DAY_FEATURES = ['recencyDays', 'typicalGapDays'];
const COUNT_FEATURES = ['purchaseDays', 'expectedPurchases90', 'distinctProducts'];
/** Words that claim a buying interval, with the typical gap in days they allow. */
const CADENCE_WORDS: [RegExp, number, number][] = [
  [/\bdaily\b|\bevery day\b/i, 0, 2],
  [/\bweekly\b|\bevery week\b|\bonce a week\b/i, 3.5, 10.5],
  [/\bfortnightly\b|\bbi-?weekly\b|\bevery two weeks\b/i, 10, 20],
  [/\bmonthly\b|\bevery month\b|\bonce a month\b/i, 20, 45],
  [/\bquarterly\b/i, 60, 120],
  [/\byearly\b|\bannual(ly)?\b|\bonce a year\b/i, 200, 500],
];
const close = (claimed: number, actual: number) => Math.abs(claimed - actual) <= Math.max(1, 0.3 * Math.abs(actual));

/**
 * What in a proposed name and description contradicts the segment's data (empty: it may be shown). A number
 * of days must be one of the segment's day figures (last purchase, interval) within 30%, a percentage one of
 * its shares within 3 points, a count of purchases or products one of its counts within 30%, and a word such
 * as "weekly" must fit its typical interval.
 */
export function contradictions(text: string, segment: Segment): string[] {
  const c = segment.centroid;
  const problems: string[] = [];
  for (const m of text.matchAll(/(\d+(?:[.,]\d+)?)\s*(?:-|to)?\s*(?:\d+\s*)?days?\b/gi)) {
    const v = Number(m[1]!.replace(',', '.'));
    if (!DAY_FEATURES.some((f) => c[f] !== undefined && close(v, c[f]!))) problems.push(`"${m[0]}" matches neither the days since the last purchase (${round(c.recencyDays ?? NaN)}) nor the interval (${round(c.typicalGapDays ?? NaN)})`);
  }
  const shares = [segment.share, segment.revenueShare, ...Object.entries(c).filter(([k]) => k.startsWith('share:') || k === 'probabilityAlive').map(([, v]) => v)].map((v) => v * 100);
  for (const m of text.matchAll(/(\d+(?:[.,]\d+)?)\s*(?:%|per ?cent)/gi)) {
    const v = Number(m[1]!.replace(',', '.'));
    if (!shares.some((s) => Math.abs(s - v) <= 3)) problems.push(`"${m[0]}" is none of the segment's shares`);
  }
  for (const m of text.matchAll(/(\d+(?:[.,]\d+)?)\s*(?:purchases?|orders?|visits?|products?|items?)\b/gi)) {
    const v = Number(m[1]!.replace(',', '.'));
    if (!COUNT_FEATURES.some((f) => c[f] !== undefined && close(v, c[f]!))) problems.push(`"${m[0]}" is none of the segment's counts`);
  }
  const gap = c.typicalGapDays;
  if (gap !== undefined) {
    for (const [word, min, max] of CADENCE_WORDS) {
      const m = word.exec(text);
      if (m && (gap < min || gap > max)) problems.push(`"${m[0]}" does not fit a typical interval of ${round(gap)} days`);
    }
  }
  return problems;
}
