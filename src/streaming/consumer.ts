import type { Jurisdiction } from '../regions/region.schema.ts';
import { mapLimit } from '../shared/map-limit.ts';
import { decodeEvent, type CadenceEvent } from './events.model.ts';
import type { LiveRepository } from './live.repository.ts';
import { padSequence } from './live.repository.ts';
import { addLines, emptyBucket, minuteOf, type LiveBucket, type LineContribution } from './model/live.ts';
import type { StreamRecord } from './stream.ts';

/** Events older than this (a bulk import of last year's orders) are marked but kept out of live figures. */
export const LIVE_HORIZON_MS = 2 * 3600_000;
const MARK_CONCURRENCY = 16;

export interface ConsumerDeps {
  jurisdiction: Jurisdiction;
  live: Pick<LiveRepository, 'markEvent' | 'markOrder' | 'bucket' | 'saveBucket'>;
  /** The ids among these that were erased: their events still in the stream are skipped. */
  erasedCustomers(ids: readonly string[]): Promise<Set<string>>;
  now: () => number;
}

export interface BatchOutcome {
  applied: number;
  duplicates: number;
  skipped: number;
}

type Contribution = { seq: string } & ({ kind: 'line'; line: LineContribution } | { kind: 'customer' });

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
    let duplicates = 0;
    const horizon = this.deps.now() - LIVE_HORIZON_MS;
    await mapLimit(kept, MARK_CONCURRENCY, async ({ seq, raw, event }) => {
      if (!(await this.deps.live.markEvent(event.customerId, event.id, raw))) return void duplicates++;
      const at = Date.parse(event.at);
      if (at < horizon || at > this.deps.now() + 300_000) return;
      const c = await this.contribution(seq, event);
      if (!c) return;
      const minute = minuteOf(event.at);
      contributions.set(minute, [...(contributions.get(minute) ?? []), c]);
    });
    for (const [minute, list] of contributions) await this.applyToBucket(shardId, minute, list);
    return { applied: kept.length - duplicates, duplicates, skipped };
  }

  private async contribution(seq: string, event: CadenceEvent): Promise<Contribution | undefined> {
    switch (event.type) {
      case 'purchase.line': {
        const newOrder = await this.deps.live.markOrder(event.customerId, event.orderId, event.id);
        const { region, currency, productId, quantity, unitPrice, customerId } = event;
        return { seq, kind: 'line', line: { region, currency, productId, quantity, unitPrice, customerId, newOrder } };
      }
      case 'customer.created':
        return { seq, kind: 'customer' };
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
}

function log(level: 'info' | 'warn', msg: string, fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ level, msg, ...fields }));
}
