import { createWriteStream } from 'node:fs';
import { stringify } from 'csv-stringify';
import { predictCustomer } from '../predictions/model/customer.ts';
import { fitPopulation } from '../predictions/model/population.ts';
import type { ClusteringOptions } from '../segments/model/clustering.ts';
import { featureSet, segmentInputs } from '../segments/model/features.ts';
import { runSegmentation, type SegmentationResult } from '../segments/model/run.ts';
import { split } from './backtest.ts';
import type { Transaction } from './transactions.ts';

/** Segments the customers of an export as of a date (rows before it) and writes one row per customer. */
export async function segmentFile(transactions: readonly Transaction[], asOfDay: number, out: string, options: Partial<ClusteringOptions> = {}): Promise<SegmentationResult> {
  const { histories } = split(transactions, asOfDay, asOfDay - 1);
  if (histories.size === 0) throw new Error('no rows before --as-of');
  const all = [...histories.values()];
  const model = fitPopulation(all, asOfDay);
  const set = featureSet(all);
  const input = segmentInputs(set, [...histories].map(([customerId, history]) => ({ customerId, history, prediction: predictCustomer(history, model, asOfDay) })));
  const result = runSegmentation(set, input, options);
  const names = new Map(result.segments.map((s) => [s.id, s.name]));
  const csv = stringify({ header: true, columns: ['customer_id', 'segment_id', 'segment_name', 'distance'] });
  const file = createWriteStream(out);
  csv.pipe(file);
  for (const [id, a] of result.assignments) csv.write([id, a.segmentId, names.get(a.segmentId), a.distance.toFixed(4)]);
  csv.end();
  await new Promise<void>((resolve, reject) => file.on('finish', resolve).on('error', reject));
  return result;
}

export function printSegments(r: SegmentationResult): void {
  console.log(`\nk = ${r.k} (silhouette by k: ${r.candidates.map((c) => `${c.k}: ${c.silhouette.toFixed(3)}`).join(', ')}; inertia: ${r.candidates.map((c) => Math.round(c.inertia)).join(', ')})`);
  console.log('| segment | name | customers | share | revenue share | what sets it apart |');
  console.log('|---|---|---:|---:|---:|---|');
  for (const s of r.segments) {
    console.log(`| ${s.id} | ${s.name} | ${s.size} | ${(100 * s.share).toFixed(1)}% | ${(100 * s.revenueShare).toFixed(1)}% | ${s.summary} |`);
  }
}
