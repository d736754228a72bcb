import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { batchDeleteAll, batchGetAll, batchWriteAll } from '../storage/batch.ts';
import { putIf } from '../storage/conditional.ts';
import { accuracyKeys, expired, expiresAt, TTL_ATTRIBUTE } from '../storage/keys.ts';
import { DATE_HORIZON_DAYS, type SnapshotRow, type Tally } from './model/score.ts';

/** Rows per snapshot item: about 70 bytes each as JSON, so a page stays far below 400 KB. */
export const ROWS_PER_PAGE = 3000;

export interface Snapshot {
  /** The last day the predictions saw (YYYY-MM-DD). */
  day: string;
  modelVersion: string;
  rows: SnapshotRow[];
}

export interface StoredTally {
  day: string;
  modelVersion: string;
  tally: Tally;
  /** Nothing about the day can change any more: its snapshot is gone. */
  settled: boolean;
}

/** Where a jurisdiction keeps its snapshots (until scored) and its tallies. */
export interface AccuracyStore {
  /** One refit page's rows, as part `page` of `pages` of the day's snapshot (at most ROWS_PER_PAGE rows). */
  putSnapshotPart(s: Snapshot, page: number, pages: number): Promise<void>;
  /** A refit page's customers' purchase days by reference, kept until the refit has scored. */
  putDays(day: string, page: number, days: Record<string, number[]>): Promise<void>;
  /** Every page's purchase days of the day, merged; undefined when a page's are missing. */
  days(day: string, pages: number): Promise<Map<string, number[]> | undefined>;
  deleteDays(day: string, pages: number): Promise<void>;
  /**
   * The snapshots of these days that are still kept, one at a time: their first pages are read together
   * (a day's first page holds at most ROWS_PER_PAGE rows), the rest of each when it comes.
   */
  snapshots(days: readonly string[]): AsyncIterable<Snapshot>;
  deleteSnapshot(day: string): Promise<void>;
  putTallies(t: readonly StoredTally[]): Promise<void>;
  tallies(days: readonly string[]): Promise<StoredTally[]>;
  /** What the kept snapshots of these days, and the purchase days kept for their scoring, hold under one reference. */
  heldFor(ref: string, days: readonly string[]): AsyncIterable<HeldRow>;
  /** Removes the reference's rows and purchase days from the items of these days; how many it removed. */
  eraseRef(ref: string, days: readonly string[]): Promise<number>;
}

/** One thing a snapshot day holds under a customer's reference: a snapshot row, or purchase days kept for a scoring. */
export type HeldRow = { kind: 'snapshotRow'; day: string; modelVersion: string; row: SnapshotRow } | { kind: 'purchaseDays'; day: string; days: number[] };

const PageItem = z.object({ day: z.string(), modelVersion: z.string(), page: z.number().int(), pages: z.number().int(), rows: z.string() });
const TallyItem = z.object({ day: z.string(), modelVersion: z.string(), tally: z.string(), settled: z.boolean() });
const DaysItem = z.record(z.string(), z.array(z.number()));
const Rows = z.array(z.object({ ref: z.string(), next: z.number(), low: z.number(), high: z.number(), p30: z.number(), e30: z.number() }));

/** The DynamoDB adapter, over the jurisdiction's predictions table (see decision 67). */
export class DynamoAccuracyStore implements AccuracyStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async putSnapshotPart(s: Snapshot, page: number, pages: number) {
    if (s.rows.length > ROWS_PER_PAGE) throw new Error(`a snapshot part holds at most ${ROWS_PER_PAGE} rows (refit pages of at most that many customers)`);
    // Kept at most until the horizon has passed (and a little): TTL removes what a missed reduction left.
    const ttl = expiresAt(Date.parse(`${s.day}T00:00:00Z`), DATE_HORIZON_DAYS + 10);
    await batchWriteAll(this.doc, this.tableName, [{ ...accuracyKeys.snapshotPage(s.day, page), day: s.day, modelVersion: s.modelVersion, page, pages, rows: JSON.stringify(s.rows), [TTL_ATTRIBUTE]: ttl }]);
  }

  async putDays(day: string, page: number, days: Record<string, number[]>) {
    // Read by the same refit minutes later; the TTL only removes what a refit cut short left behind.
    await batchWriteAll(this.doc, this.tableName, [{ ...accuracyKeys.days(day, page), days: JSON.stringify(days), [TTL_ATTRIBUTE]: expiresAt(this.now(), 2) }]);
  }

  async days(day: string, pages: number) {
    const out = new Map<string, number[]>();
    // A page at a time, so that only the merged map grows.
    for (let page = 0; page < pages; page++) {
      const item = (await batchGetAll(this.doc, this.tableName, [accuracyKeys.days(day, page)]))[0];
      if (!item) return undefined;
      for (const [ref, d] of Object.entries(DaysItem.parse(JSON.parse(String(item.days))))) out.set(ref, d);
    }
    return out;
  }

  async deleteDays(day: string, pages: number) {
    await batchDeleteAll(this.doc, this.tableName, Array.from({ length: pages }, (_, page) => accuracyKeys.days(day, page)));
  }

  async *snapshots(days: readonly string[]) {
    const firsts = (await batchGetAll(this.doc, this.tableName, days.map((d) => accuracyKeys.snapshotPage(d, 0)))).filter((i) => !expired(i, this.now())).map((i) => PageItem.parse(i));
    for (const first of firsts) {
      const rest = first.pages > 1 ? await batchGetAll(this.doc, this.tableName, Array.from({ length: first.pages - 1 }, (_, i) => accuracyKeys.snapshotPage(first.day, i + 1)), undefined, true) : [];
      const pages = [first, ...rest.map((i) => PageItem.parse(i))];
      // A snapshot missing a page (a write cut short) is incomplete: it is not scored.
      if (pages.length !== first.pages) continue;
      yield { day: first.day, modelVersion: first.modelVersion, rows: pages.flatMap((p) => Rows.parse(JSON.parse(p.rows))) };
    }
  }

  async deleteSnapshot(day: string) {
    const first = (await batchGetAll(this.doc, this.tableName, [accuracyKeys.snapshotPage(day, 0)]))[0];
    const pages = first ? PageItem.parse(first).pages : 1;
    await batchDeleteAll(this.doc, this.tableName, Array.from({ length: pages }, (_, i) => accuracyKeys.snapshotPage(day, i)));
  }

  async putTallies(tallies: readonly StoredTally[]) {
    await batchWriteAll(this.doc, this.tableName, tallies.map((t) => ({ ...accuracyKeys.tally(t.day), day: t.day, modelVersion: t.modelVersion, tally: JSON.stringify(t.tally), settled: t.settled })));
  }

  /**
   * Every item of the days that may hold the reference, one at a time (a snapshot page holds up to
   * ROWS_PER_PAGE customers and the reference does not say which page: each is read), with what it holds.
   */
  private async *itemsOf(days: readonly string[]) {
    for (const day of days) {
      const first = (await batchGetAll(this.doc, this.tableName, [accuracyKeys.snapshotPage(day, 0)], undefined, true))[0];
      const pages = first && !expired(first, this.now()) ? PageItem.parse(first).pages : 0;
      for (let page = 0; page < pages; page++) {
        const item = page === 0 ? first! : (await batchGetAll(this.doc, this.tableName, [accuracyKeys.snapshotPage(day, page)], undefined, true))[0];
        if (item) yield { day, item, rows: Rows.parse(JSON.parse(PageItem.parse(item).rows)) };
      }
      // The purchase days a refit's pages keep for its scoring (minutes; at most two days by TTL).
      for (let page = 0; ; page++) {
        const item = (await batchGetAll(this.doc, this.tableName, [accuracyKeys.days(day, page)], undefined, true))[0];
        if (!item) break;
        yield { day, item, days: DaysItem.parse(JSON.parse(String(item.days))) };
      }
    }
  }

  async *heldFor(ref: string, days: readonly string[]): AsyncIterable<HeldRow> {
    for await (const found of this.itemsOf(days)) {
      if (found.rows) for (const row of found.rows) if (row.ref === ref) yield { kind: 'snapshotRow', day: found.day, modelVersion: String(found.item.modelVersion), row };
      if (found.days && Object.hasOwn(found.days, ref)) yield { kind: 'purchaseDays', day: found.day, days: found.days[ref]! };
    }
  }

  async eraseRef(ref: string, days: readonly string[]): Promise<number> {
    let erased = 0;
    for await (const found of this.itemsOf(days)) {
      const rows = found.rows?.filter((r) => r.ref !== ref);
      const kept = found.days && Object.hasOwn(found.days, ref) ? Object.fromEntries(Object.entries(found.days).filter(([r]) => r !== ref)) : undefined;
      if (rows && rows.length < found.rows!.length) {
        // Only rewritten while it is still there: a scoring that deleted the page meanwhile is not undone.
        if (await putIf(this.doc, { TableName: this.tableName, Item: { ...found.item, rows: JSON.stringify(rows) }, ConditionExpression: 'attribute_exists(customerId)' })) erased += found.rows!.length - rows.length;
      } else if (kept) {
        if (await putIf(this.doc, { TableName: this.tableName, Item: { ...found.item, days: JSON.stringify(kept) }, ConditionExpression: 'attribute_exists(customerId)' })) erased++;
      }
    }
    return erased;
  }

  async tallies(days: readonly string[]) {
    const items = await batchGetAll(this.doc, this.tableName, days.map(accuracyKeys.tally));
    return items.map((i) => {
      const t = TallyItem.parse(i);
      return { day: t.day, modelVersion: t.modelVersion, settled: t.settled, tally: JSON.parse(t.tally) as Tally };
    });
  }
}
