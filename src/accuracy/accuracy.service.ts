import { Problem } from '../http/problem.ts';
import type { Region } from '../regions/region.schema.ts';
import { dayOf, formatDay } from '../shared/days.ts';
import type { AccuracyStore, StoredTally } from './accuracy.repository.ts';
import { vouches } from './model/directory.ts';
import { addTallies, DATE_HORIZON_DAYS, emptyTally, figuresOf, isoWeekOf, scoreRow, settled, type SnapshotRow, type Tally } from './model/score.ts';

/**
 * What the daily refit hands over: each page, its own customers with their purchase days and what was
 * predicted for them; then, when every page is done, that it finished (and how many pages it had).
 */
export type RefitOutcome =
  | {
      kind: 'page';
      /** The first day the predictions did not see (they are "as of the end of" the day before). */
      asOfDay: number;
      modelVersion: string;
      page: number;
      pages: number;
      customers: Iterable<{
        customerId: string;
        purchaseDays: readonly number[];
        prediction: { next: { nextDay: number; lowDay: number; highDay: number }; probabilityOfPurchase30: number; expectedPurchases30: number };
      }>;
    }
  | { kind: 'finished'; asOfDay: number; modelVersion: string; pages: number };

export interface AccuracyServiceDeps {
  region: Pick<Region, 'jurisdiction'>;
  store: AccuracyStore;
  /** The deployment's keyed hash (privacy key): a snapshot's reference to a customer. */
  hash(customerId: string): Promise<string>;
  now: () => number;
}

/** A reference long enough never to collide in a jurisdiction (64 bits), too short to be an id. */
const REF_CHARS = 16;
/** A customer's reference in the snapshots: the start of the deployment's keyed hash of the id. */
export const referenceOf = async (hash: (customerId: string) => Promise<string>, customerId: string) => (await hash(customerId)).slice(0, REF_CHARS);
/** The widest `from..to` an answer covers. */
export const MAX_RANGE_DAYS = 366;

/**
 * Production accuracy (decision 67): each daily refit snapshots what it predicted, keyed by a keyed hash of
 * the customer, scores every kept snapshot against the purchase days that arrived since, stores each day's
 * tally (sums and a histogram), and drops a snapshot once its horizon has passed. Answers read tallies only.
 */
export class AccuracyService {
  constructor(private readonly deps: AccuracyServiceDeps) {}

  async afterRefit(outcome: RefitOutcome): Promise<{ snapshot: string; scored: number }> {
    return outcome.kind === 'page' ? this.snapshotPage(outcome) : this.score(outcome.asOfDay, outcome.modelVersion, outcome.pages);
  }

  /**
   * A refit page's part of the day's snapshot (decision 130): its customers' rows, and their purchase days
   * by reference for the scoring at the end (days older than any kept snapshot are left out).
   */
  private async snapshotPage(o: Extract<RefitOutcome, { kind: 'page' }>) {
    const day = formatDay(o.asOfDay - 1);
    const oldest = o.asOfDay - 1 - OPEN_DAYS;
    const rows: SnapshotRow[] = [];
    const days: Record<string, number[]> = {};
    for (const c of o.customers) {
      const ref = await referenceOf(this.deps.hash, c.customerId);
      days[ref] = c.purchaseDays.filter((d) => d >= oldest);
      const { next, probabilityOfPurchase30, expectedPurchases30 } = c.prediction;
      rows.push({ ref, next: next.nextDay, low: next.lowDay, high: next.highDay, p30: round(probabilityOfPurchase30), e30: round(expectedPurchases30) });
    }
    // The day's directory stops vouching before the page writes and again after (decision 151): one built
    // meanwhile from what it read before this page's writes does not vouch for them.
    await this.deps.store.touchDirectory(day);
    await this.deps.store.putDays(day, o.page, days);
    await this.deps.store.putSnapshotPart({ day, modelVersion: o.modelVersion, rows }, o.page, o.pages);
    await this.deps.store.touchDirectory(day);
    return { snapshot: day, scored: 0 };
  }

  /**
   * Once every page has snapshotted: every kept earlier snapshot is scored against the days the pages stored.
   * Then the day's directory is written from them (decision 151), and any kept snapshot still without one
   * gets it from the rows just read (a snapshot from before directories, or whose refit was cut short).
   */
  private async score(today: number, modelVersion: string, pages: number) {
    const day = formatDay(today - 1);
    // Every earlier snapshot still kept is scored again from the histories as they stand now (a recount,
    // never an increment: a run repeated or cut short cannot count a purchase twice).
    const open = Array.from({ length: OPEN_DAYS }, (_, i) => formatDay(today - 2 - i));
    // Read before what the directories are built from: a page that writes after cannot be vouched for.
    const heads = await this.deps.store.directories([day, ...open]);
    const stored = await this.deps.store.days(day, pages);
    // A page that stored nothing (cut short) would look like its customers were erased: nothing is scored.
    if (!stored) throw new Error(`accuracy: a refit page of ${day} stored no snapshot; not scored`);
    const daysByRef = stored.byRef;
    const tallies: StoredTally[] = [];
    const settledDays: string[] = [];
    // One day at a time: memory holds one snapshot's rows (and the first pages), not a hundred snapshots.
    for await (const s of this.deps.store.snapshots(open)) {
      const asOf = dayOf(`${s.day}T00:00:00Z`) + 1;
      const tally = emptyTally();
      // A row whose customer has no history any more (erased, objected) is dropped with it.
      for (const row of s.rows) {
        const days = daysByRef.get(row.ref);
        if (days) scoreRow(tally, row, asOf, today, days);
      }
      const done = settled(asOf, today);
      tallies.push({ day: s.day, modelVersion: s.modelVersion, tally, settled: done });
      if (done) settledDays.push(s.day);
      else if (!vouches(heads.get(s.day))) {
        // Purchase days a late page left serve no scoring now; they go before the directory vouches (it does not name them).
        await this.deps.store.deleteDays(s.day, s.refsByPage.length);
        await this.deps.store.putDirectory(s.day, s.refsByPage, heads.get(s.day));
      }
    }
    const fresh = emptyTally();
    fresh.customers = daysByRef.size;
    // Tallies first, then the settled snapshots go: a run cut short in between repeats the reduction.
    await this.deps.store.putTallies([...tallies, { day, modelVersion, tally: fresh, settled: false }]);
    for (const d of settledDays) await this.deps.store.deleteSnapshot(d);
    await this.deps.store.deleteDays(day, pages);
    // Last: a directory vouches only once the purchase days it does not name are gone.
    await this.deps.store.putDirectory(day, stored.refsByPage, heads.get(day));
    return { snapshot: day, scored: tallies.length };
  }

  /** The figures by ISO week (of the snapshot day) and model version, for snapshot days in `from..to`. */
  async report(from: string | undefined, to: string | undefined) {
    const toDay = to ? dayOf(`${to}T00:00:00Z`) : dayOf(this.deps.now());
    const fromDay = from ? dayOf(`${from}T00:00:00Z`) : toDay - 7 * 12 + 1;
    if (fromDay > toDay) throw new Problem(400, 'accuracy.badRange', '`from` is after `to`', { from: formatDay(fromDay), to: formatDay(toDay) });
    if (toDay - fromDay + 1 > MAX_RANGE_DAYS) throw new Problem(400, 'accuracy.rangeTooLong', `At most ${MAX_RANGE_DAYS} days per request`, { maxDays: MAX_RANGE_DAYS });
    const days = Array.from({ length: toDay - fromDay + 1 }, (_, i) => formatDay(fromDay + i));
    const groups = new Map<string, { week: string; modelVersion: string; days: StoredTally[]; tally: Tally }>();
    for (const t of await this.deps.store.tallies(days)) {
      const week = isoWeekOf(dayOf(`${t.day}T00:00:00Z`));
      const key = `${week}#${t.modelVersion}`;
      const g = groups.get(key) ?? { week, modelVersion: t.modelVersion, days: [], tally: emptyTally() };
      g.days.push(t);
      g.tally = addTallies(g.tally, t.tally);
      groups.set(key, g);
    }
    const weeks = [...groups.values()]
      .sort((a, b) => a.week.localeCompare(b.week) || a.modelVersion.localeCompare(b.modelVersion))
      .map((g) => ({ week: g.week, modelVersion: g.modelVersion, snapshots: g.days.length, settled: g.days.every((d) => d.settled), ...figuresOf(g.tally) }));
    return { jurisdiction: this.deps.region.jurisdiction, from: formatDay(fromDay), to: formatDay(toDay), generatedAt: new Date(this.deps.now()).toISOString(), weeks };
  }
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;
/** Earlier snapshots a refit scores: those whose 90-day horizon may still be open, and a little more. */
const OPEN_DAYS = DATE_HORIZON_DAYS + 10;
/** The days whose snapshot (or purchase days for a scoring) may still be kept on a given day, newest first. */
export const keptDays = (today: number): string[] => Array.from({ length: OPEN_DAYS + 3 }, (_, i) => formatDay(today - i));
