import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { batchDeleteAll, batchGetAll, batchWriteAll } from '../storage/batch.ts';
import { putIf } from '../storage/conditional.ts';
import { accuracyKeys, expired, expiresAt, TTL_ATTRIBUTE } from '../storage/keys.ts';
import { SnapshotDirectory } from './accuracy.directory.ts';
import { vouches, type DirectoryHead } from './model/directory.ts';
import { DATE_HORIZON_DAYS, type SnapshotRow, type Tally } from './model/score.ts';

/** Rows per snapshot item: about 70 bytes each as JSON, so a page stays far below 400 KB. */
export const ROWS_PER_PAGE = 3000;

export interface Snapshot {
  /** The last day the predictions saw (YYYY-MM-DD). */
  day: string;
  modelVersion: string;
  rows: SnapshotRow[];
}

/** A kept snapshot as read back: its rows, and each page's references (page by page, for its directory). */
export interface KeptSnapshot extends Snapshot {
  refsByPage: string[][];
}

/** A refit day's purchase days by reference, merged, and each page's references. */
export interface StoredDays {
  byRef: Map<string, number[]>;
  refsByPage: string[][];
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
  days(day: string, pages: number): Promise<StoredDays | undefined>;
  deleteDays(day: string, pages: number): Promise<void>;
  /**
   * The snapshots of these days that are still kept, one at a time: their first pages are read together
   * (a day's first page holds at most ROWS_PER_PAGE rows), the rest of each when it comes.
   */
  snapshots(days: readonly string[]): AsyncIterable<KeptSnapshot>;
  /** Deletes a snapshot and its directory. */
  deleteSnapshot(day: string): Promise<void>;
  /** A refit page is writing the day's snapshot: called before and after, so the day's directory no longer vouches for it (decision 151). */
  touchDirectory(day: string): Promise<void>;
  /** The directory heads of these days, to read before what a directory is then built from. */
  directories(days: readonly string[]): Promise<Map<string, DirectoryHead>>;
  /** Writes the day's directory from each page's references; it vouches only if no page wrote since `seen` was read. */
  putDirectory(day: string, refsByPage: readonly (readonly string[])[], seen: DirectoryHead | undefined): Promise<boolean>;
  putTallies(t: readonly StoredTally[]): Promise<void>;
  tallies(days: readonly string[]): Promise<StoredTally[]>;
  /**
   * What the kept snapshots of these days, and the purchase days kept for their scoring, hold under one
   * reference: through each day's directory where it vouches (one bucket, the page it names), else every page.
   */
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

type Item = Record<string, unknown>;
/** What a day holds that may name a reference: a snapshot page, a purchase-days item, the directory's entry. */
type Found = { kind: 'page'; day: string; item: Item; rows: SnapshotRow[] } | { kind: 'days'; day: string; item: Item; days: Record<string, number[]> } | { kind: 'entry'; day: string; bucket: number };

/** The DynamoDB adapter, over the jurisdiction's predictions table (see decision 67). */
export class DynamoAccuracyStore implements AccuracyStore {
  private readonly directory: SnapshotDirectory;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {
    this.directory = new SnapshotDirectory(doc, tableName, now);
  }

  async putSnapshotPart(s: Snapshot, page: number, pages: number) {
    if (s.rows.length > ROWS_PER_PAGE) throw new Error(`a snapshot part holds at most ${ROWS_PER_PAGE} rows (refit pages of at most that many customers)`);
    await batchWriteAll(this.doc, this.tableName, [{ ...accuracyKeys.snapshotPage(s.day, page), day: s.day, modelVersion: s.modelVersion, page, pages, rows: JSON.stringify(s.rows), [TTL_ATTRIBUTE]: snapshotTtl(s.day) }]);
  }

  async touchDirectory(day: string) {
    await this.directory.touch(day, snapshotTtl(day));
  }

  async directories(days: readonly string[]) {
    return this.directory.heads(days);
  }

  async putDirectory(day: string, refsByPage: readonly (readonly string[])[], seen: DirectoryHead | undefined) {
    const done = await this.directory.put(day, refsByPage, seen, snapshotTtl(day));
    // Pages an earlier refit of the same day wrote beyond this one's are not part of the snapshot any more.
    if (done && (seen?.pages ?? 0) > refsByPage.length) await batchDeleteAll(this.doc, this.tableName, Array.from({ length: seen!.pages! - refsByPage.length }, (_, i) => accuracyKeys.snapshotPage(day, refsByPage.length + i)));
    return done;
  }

  async putDays(day: string, page: number, days: Record<string, number[]>) {
    // Read by the same refit minutes later; the TTL only removes what a refit cut short left behind.
    await batchWriteAll(this.doc, this.tableName, [{ ...accuracyKeys.days(day, page), days: JSON.stringify(days), [TTL_ATTRIBUTE]: expiresAt(this.now(), 2) }]);
  }

  async days(day: string, pages: number) {
    const byRef = new Map<string, number[]>();
    const refsByPage: string[][] = [];
    // A page at a time, so that only the merged map grows.
    for (let page = 0; page < pages; page++) {
      // Read consistently: the day's directory is built from what this read finds (decision 151).
      const item = (await batchGetAll(this.doc, this.tableName, [accuracyKeys.days(day, page)], undefined, true))[0];
      if (!item) return undefined;
      const days = DaysItem.parse(JSON.parse(String(item.days)));
      const refs = Object.keys(days);
      for (const ref of refs) byRef.set(ref, days[ref]!);
      refsByPage.push(refs);
    }
    return { byRef, refsByPage };
  }

  async deleteDays(day: string, pages: number) {
    await batchDeleteAll(this.doc, this.tableName, Array.from({ length: pages }, (_, page) => accuracyKeys.days(day, page)));
  }

  async *snapshots(days: readonly string[]) {
    const firsts = (await batchGetAll(this.doc, this.tableName, days.map((d) => accuracyKeys.snapshotPage(d, 0)))).filter((i) => !expired(i, this.now())).map((i) => PageItem.parse(i));
    for (const first of firsts) {
      const rest = first.pages > 1 ? await batchGetAll(this.doc, this.tableName, Array.from({ length: first.pages - 1 }, (_, i) => accuracyKeys.snapshotPage(first.day, i + 1)), undefined, true) : [];
      const pages = [first, ...rest.map((i) => PageItem.parse(i))].sort((a, b) => a.page - b.page);
      // A snapshot missing a page (a write cut short) is incomplete: it is not scored.
      if (pages.length !== first.pages) continue;
      const rows = pages.map((p) => Rows.parse(JSON.parse(p.rows)));
      yield { day: first.day, modelVersion: first.modelVersion, rows: rows.flat(), refsByPage: rows.map((r) => r.map((x) => x.ref)) };
    }
  }

  async deleteSnapshot(day: string) {
    await this.directory.drop(day, async () => {
      const first = (await batchGetAll(this.doc, this.tableName, [accuracyKeys.snapshotPage(day, 0)]))[0];
      const pages = first ? PageItem.parse(first).pages : 1;
      // Purchase days a late page may have left go too (at most two days by TTL, but TTL deletes lazily).
      await batchDeleteAll(this.doc, this.tableName, Array.from({ length: pages }, (_, i) => [accuracyKeys.snapshotPage(day, i), accuracyKeys.days(day, i)]).flat());
    });
  }

  async putTallies(tallies: readonly StoredTally[]) {
    await batchWriteAll(this.doc, this.tableName, tallies.map((t) => ({ ...accuracyKeys.tally(t.day), day: t.day, modelVersion: t.modelVersion, tally: JSON.stringify(t.tally), settled: t.settled })));
  }

  /**
   * Every item of the days that may hold the reference, one at a time, with what it holds (decision 151).
   * A day whose directory vouches: the page its bucket names (none: the day does not hold the reference).
   * Any other day (its refit still running, or cut short): every kept page, and its purchase-days items.
   * Last for each day, the directory entry naming the reference, if any (an erasure removes it after the rows).
   */
  private async *itemsOf(ref: string, days: readonly string[]): AsyncGenerator<Found> {
    const heads = await this.directory.heads(days);
    const entries = await this.directory.entries(ref, heads);
    // Whether a day without a vouching directory holds anything: its first page and purchase days, in one read.
    const probes = days.filter((d) => !vouches(heads.get(d))).flatMap((d) => [accuracyKeys.snapshotPage(d, 0), accuracyKeys.days(d, 0)]);
    const probed = new Map((await batchGetAll(this.doc, this.tableName, probes, ['customerId', 'pages', TTL_ATTRIBUTE], true)).map((i) => [String(i.customerId), i]));
    // The pages the directories name, NAMED_PAGES_PER_READ days at a time (a few MB), so a read call serves many days.
    let named = new Map<string, Item>();
    for (const [i, day] of days.entries()) {
      if (i % NAMED_PAGES_PER_READ === 0) {
        const keys = days.slice(i, i + NAMED_PAGES_PER_READ).flatMap((d) => (vouches(heads.get(d)) && entries.get(d)?.page !== undefined ? [accuracyKeys.snapshotPage(d, entries.get(d)!.page!)] : []));
        named = new Map((await batchGetAll(this.doc, this.tableName, keys, undefined, true)).map((item) => [String(item.customerId), item]));
      }
      const entry = entries.get(day);
      let pages: number[] = [];
      let purchaseDays = false;
      if (vouches(heads.get(day))) {
        const item = entry?.page === undefined ? undefined : named.get(accuracyKeys.snapshotPage(day, entry.page).customerId);
        if (item && !expired(item, this.now())) yield { kind: 'page', day, item, rows: Rows.parse(JSON.parse(PageItem.parse(item).rows)) };
      } else {
        const first = probed.get(accuracyKeys.snapshotPage(day, 0).customerId);
        pages = first && !expired(first, this.now()) ? Array.from({ length: Number(first.pages) }, (_, i) => i) : [];
        purchaseDays = probed.has(accuracyKeys.days(day, 0).customerId);
      }
      for (const page of pages) {
        const item = (await batchGetAll(this.doc, this.tableName, [accuracyKeys.snapshotPage(day, page)], undefined, true))[0];
        if (item && !expired(item, this.now())) yield { kind: 'page', day, item, rows: Rows.parse(JSON.parse(PageItem.parse(item).rows)) };
      }
      // The purchase days a refit's pages keep for its scoring (minutes; at most two days by TTL).
      for (let page = 0; purchaseDays; page++) {
        const item = (await batchGetAll(this.doc, this.tableName, [accuracyKeys.days(day, page)], undefined, true))[0];
        if (!item) break;
        yield { kind: 'days', day, item, days: DaysItem.parse(JSON.parse(String(item.days))) };
      }
      if (entry?.page !== undefined) yield { kind: 'entry', day, bucket: entry.bucket };
    }
  }

  async *heldFor(ref: string, days: readonly string[]): AsyncIterable<HeldRow> {
    for await (const found of this.itemsOf(ref, days)) {
      if (found.kind === 'page') for (const row of found.rows) if (row.ref === ref) yield { kind: 'snapshotRow', day: found.day, modelVersion: String(found.item.modelVersion), row };
      if (found.kind === 'days' && Object.hasOwn(found.days, ref)) yield { kind: 'purchaseDays', day: found.day, days: found.days[ref]! };
    }
  }

  async eraseRef(ref: string, days: readonly string[]): Promise<number> {
    let erased = 0;
    for await (const found of this.itemsOf(ref, days)) {
      if (found.kind === 'entry') {
        // The directory's entry goes after the rows it points to: cut short in between, the next erasure finds them again.
        await this.directory.forget(found.day, found.bucket, ref);
      } else if (found.kind === 'page') {
        const rows = found.rows.filter((r) => r.ref !== ref);
        // Only rewritten while it is still there: a scoring that deleted the page meanwhile is not undone.
        if (rows.length < found.rows.length && (await putIf(this.doc, { TableName: this.tableName, Item: { ...found.item, rows: JSON.stringify(rows) }, ConditionExpression: 'attribute_exists(customerId)' }))) erased += found.rows.length - rows.length;
      } else if (Object.hasOwn(found.days, ref)) {
        const kept = Object.fromEntries(Object.entries(found.days).filter(([r]) => r !== ref));
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

/** Snapshot pages an erasure reads in one call through the directories (about 210 KB each when full). */
const NAMED_PAGES_PER_READ = 20;
/** Kept at most until the horizon has passed (and a little): TTL removes what a missed reduction left. */
const snapshotTtl = (day: string) => expiresAt(Date.parse(`${day}T00:00:00Z`), DATE_HORIZON_DAYS + 10);
