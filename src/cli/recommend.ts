import { createWriteStream } from 'node:fs';
import { stringify } from 'csv-stringify';
import { algorithmNamed, ALGORITHM_NAMES, type Algorithm } from '../recommendations/model/algorithms.ts';
import { candidatesFor } from '../recommendations/model/candidates.ts';
import { contentIndex } from '../recommendations/model/content.ts';
import { recommendList } from '../recommendations/model/explain.ts';
import { fitRecommender, type FittedRecommender } from '../recommendations/model/fit.ts';
import { kMeansSegmenter } from '../recommendations/model/kmeans-segmenter.ts';
import { LIST_HORIZON_DAYS } from '../recommendations/model/replenishment.ts';
import { snapshotsAt, type TrainingOptions } from '../recommendations/model/training.ts';
import type { Catalog } from '../recommendations/model/types.ts';
import { historiesBefore, NO_CATALOG } from './catalog.ts';
import { InputError, openCsv, type Transaction } from './transactions.ts';

/** How far ahead a list looks when nothing says otherwise (the inner split's window). */
export const DEFAULT_HORIZON_DAYS = 30;
/** At most this many items of one category on a list (diversity). */
export const PER_CATEGORY = 3;

/** Recommendations need products: a file without a product_id column (or with none filled in) fails clearly. */
export async function requireProducts(file: string, transactions: readonly Transaction[]): Promise<void> {
  const parser = openCsv(file, { to_line: 1 });
  let header: string[] = [];
  for await (const row of parser as AsyncIterable<string[]>) header = row.map((h) => h.trim().toLowerCase());
  if (!header.includes('product_id')) {
    throw new InputError(`${file}: the header lacks product_id: recommendations need customer_id,timestamp,amount,product_id[,quantity]`);
  }
  if (!transactions.some((t) => t.productId !== undefined)) throw new InputError(`${file}: no row names a product_id`);
}

export function algorithmOrFail(name: string | undefined): Algorithm {
  const algorithm = algorithmNamed(name ?? 'replenish-blend-v1');
  if (!algorithm) throw new InputError(`unknown algorithm "${name}" (known: ${ALGORITHM_NAMES.join(', ')})`);
  return algorithm;
}

export interface FitOptions {
  asOfDay: number;
  k: number;
  algorithm: Algorithm;
  catalog?: Catalog;
  horizonDays?: number;
  /** How long the lists live before they would be recomputed (what "not yet due" is judged against). */
  listDays?: number;
}

/** Fits an algorithm on the rows before `asOfDay` (the inner split chooses its weights from those rows only). */
export function fitOnTransactions(transactions: readonly Transaction[], o: FitOptions): FittedRecommender {
  const catalog = o.catalog ?? NO_CATALOG;
  const histories = historiesBefore(transactions, o.asOfDay, catalog);
  if (histories.size === 0) throw new InputError('no rows with a product before --as-of');
  const hasContent = [...catalog.items.values()].some((i) => i.name !== undefined || i.category !== undefined);
  const options: TrainingOptions = {
    catalog,
    ...(hasContent ? { content: contentIndex(catalog) } : {}),
    segmenter: kMeansSegmenter(),
    horizonDays: o.horizonDays ?? DEFAULT_HORIZON_DAYS,
    listDays: o.listDays ?? LIST_HORIZON_DAYS,
    k: o.k,
  };
  return fitRecommender(snapshotsAt(histories, o.asOfDay), o.asOfDay, o.algorithm, options);
}

/** Writes `customer_id,rank,product_id,score,reason`: k rows (fewer only if the shop has fewer products) for every customer. */
export async function writeRecommendations(fitted: FittedRecommender, k: number, out: string): Promise<number> {
  const csv = stringify({ header: true, columns: ['customer_id', 'rank', 'product_id', 'score', 'reason'] });
  const file = createWriteStream(out);
  csv.pipe(file);
  const { src } = fitted;
  const weights = fitted.aggregates.weights;
  let rows = 0;
  for (const ctx of fitted.contexts) {
    const list = recommendList(candidatesFor(ctx, src), weights, { limit: k, perCategory: PER_CATEGORY }, src);
    for (const [i, r] of list.entries()) {
      if (!csv.write([ctx.shopper.customerId, i + 1, r.productId, r.score, r.reason])) await new Promise((resolve) => csv.once('drain', resolve));
      rows++;
    }
  }
  csv.end();
  await new Promise<void>((resolve, reject) => file.on('finish', resolve).on('error', reject));
  return rows;
}
