import type { Jurisdiction } from '../regions/region.schema.ts';
import { mapLimit } from '../shared/map-limit.ts';
import { decodeEvent, type CadenceEvent } from './events.model.ts';
import type { LiveRepository } from './live.repository.ts';
import { padSequence } from './live.repository.ts';
import { addLines, emptyBucket, minuteOf, type LiveBucket, type LineContribution } from './model/live.ts';
import type { StreamRecord } from './stream.ts';

/** Events older than this (a bulk import of last year's orders) are marked but kept out of live figures. */
export const LIVE_HORIZON_MS = 2 * 3600_000;
/** A customer seen due counts for the day it was seen, if it arrives within this (an outbox drained late). */
export const DAY_HORIZON_MS = 48 * 3600_000;
/**
 * A due event is re-published by every recompute that still sees the customer due (the daily refit):
 * its marker outlives any purchase interval, so the customer counts once per interval, not once a week.
 */
const DUE_MARKER_DAYS = 400;
const MARK_CONCURRENCY = 16;

export interface ConsumerDeps {
  jurisdiction: Jurisdiction;
  live: Pick<LiveRepository, 'markEvent' | 'markOrder' | 'markBuyer' | 'bucket' | 'saveBucket' | 'dayBucket' | 'saveDayBucket'>;
  /** The ids among these that were erased: their events still in the stream are skipped. */
  erasedCustomers(ids: readonly string[]): Promise<Set<string>>;
  now: () => number;
}

export interface BatchOutcome {
  applied: number;
  duplicates: number;
  skipped: number;
}

type Contribution = { seq: string } & ({ kind: 'line'; line: LineContribution } | { kind: 'customer' } | { kind: 'due' });

/**
 * Applies a shard's records to the live aggregates, exactly once per event: a marker per event id (in
 * the customer's partition) drops a second publish of the same event, and each minute bucket remembers
 * the highest sequence number of the shard it took, so a batch read again after a crash adds nothing
 * twice. The same module serves the Lambda handler (lambda.ts) and the local poller (poller.ts).
 */
export class LiveConsumer {
  constructor(private readonly deps: ConsumerDeps) {}

  async apply(shardId: string, records: readonly StreamRecord[]): Promise<BatchOutcome> {
    const decoded = records.map((r) => ({ seq: padSequence(r.sequenceNumber), raw: r.sequenceNumber, event: decodeEvent(r.data) }));
    const valid = decoded.filter((d): d is typeof d & { event: CadenceEvent } => d.event !== undefined && d.event.jurisdiction === this.deps.jurisdiction);
    let skipped = decoded.length - valid.length;
    if (skipped > 0) log('warn', 'records that are not events of this jurisdiction were skipped', { shardId, skipped });
    const erased = await this.deps.erasedCustomers([...new Set(valid.map((d) => d.event.customerId))]);
    const kept = valid.filter((d) => !erased.has(d.event.customerId));
    skipped += valid.length - kept.length;

    const contributions = new Map<string, Contribution[]>();
    const days = new Map<string, Contribution[]>();
    let duplicates = 0;
    await mapLimit(kept, MARK_CONCURRENCY, async ({ seq, raw, event }) => {
      const due = event.type === 'customer.due';
      if (!(await this.deps.live.markEvent(event.customerId, event.id, raw, due ? DUE_MARKER_DAYS : undefined))) return void duplicates++;
      const at = Date.parse(event.at);
      if (at < this.deps.now() - (due ? DAY_HORIZON_MS : LIVE_HORIZON_MS) || at > this.deps.now() + 300_000) return;
      const c = await this.contribution(seq, event);
      if (!c) return;
      const [into, key] = due ? [days, event.at.slice(0, 10)] : [contributions, minuteOf(event.at)];
      into.set(key, [...(into.get(key) ?? []), c]);
    });
    for (const [minute, list] of contributions) await this.applyToBucket(shardId, minute, list);
    for (const [day, list] of days) await this.applyToDay(shardId, day, list);
    return { applied: kept.length - duplicates, duplicates, skipped };
  }

  private async contribution(seq: string, event: CadenceEvent): Promise<Contribution | undefined> {
    switch (event.type) {
      case 'purchase.line': {
        const { region, currency, productId, quantity, unitPrice, customerId } = event;
        const [newOrder, newBuyer] = await Promise.all([this.deps.live.markOrder(customerId, event.orderId, event.id), this.deps.live.markBuyer(customerId, productId, minuteOf(event.at), event.id)]);
        return { seq, kind: 'line', line: { region, currency, productId, quantity, unitPrice, customerId, newOrder, newBuyer } };
      }
      case 'customer.created':
        return { seq, kind: 'customer' };
      case 'customer.due':
        return { seq, kind: 'due' };
      case 'consent.changed':
      case 'experiment.exposure':
      case 'customer.erased':
        // For other consumers (a warehouse, the experiments' own figures): no live figure counts them.
        return undefined;
    }
  }

  /** Adds to the bucket what it has not taken yet (sequence numbers above its mark), in one conditional write. */
  private async applyToBucket(shardId: string, minute: string, list: readonly Contribution[]): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.deps.live.bucket(this.deps.jurisdiction, minute, shardId);
      const fresh = list.filter((c) => current === undefined || c.seq > current.applied);
      if (fresh.length === 0) return;
      let bucket: LiveBucket = current?.bucket ?? emptyBucket(minute);
      bucket = addLines(bucket, fresh.flatMap((c) => (c.kind === 'line' ? [c.line] : [])));
      bucket.customersCreated += fresh.filter((c) => c.kind === 'customer').length;
      const applied = fresh.reduce((max, c) => (c.seq > max ? c.seq : max), current?.applied ?? '');
      if (await this.deps.live.saveBucket(this.deps.jurisdiction, shardId, bucket, applied, current?.applied)) return;
    }
    throw new Error(`live bucket ${minute} of ${shardId} kept changing: is a second consumer reading this shard?`);
  }

  /** The day's count of customers who became due, exactly as the minute buckets (sequence mark, conditional write). */
  private async applyToDay(shardId: string, day: string, list: readonly Contribution[]): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.deps.live.dayBucket(this.deps.jurisdiction, day, shardId);
      const fresh = list.filter((c) => current === undefined || c.seq > current.applied);
      if (fresh.length === 0) return;
      const becameDue = (current?.bucket.becameDue ?? 0) + fresh.length;
      const applied = fresh.reduce((max, c) => (c.seq > max ? c.seq : max), current?.applied ?? '');
      if (await this.deps.live.saveDayBucket(this.deps.jurisdiction, shardId, { day, becameDue }, applied, current?.applied)) return;
    }
    throw new Error(`live day ${day} of ${shardId} kept changing: is a second consumer reading this shard?`);
  }
}

function log(level: 'info' | 'warn', msg: string, fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ level, msg, ...fields }));
}
