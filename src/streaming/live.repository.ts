import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { putIf } from '../storage/conditional.ts';
import { checkpointKey, eventItemKeys, eventKey, expiresAt, liveBucketKey, liveDayKey, livePartition } from '../storage/keys.ts';
import type { LiveBucket } from './model/live.ts';

/** A consumed-event marker outlives the stream's retention (7 days at most here), so a redelivery is known. */
const MARKER_DAYS = 8;
/** Minute buckets are kept two days (TTL): the live view needs an hour. */
const BUCKET_DAYS = 2;
/** Day counts are kept a week (the view shows today's). */
const DAY_BUCKET_DAYS = 8;
/** A customer is counted as a product's buyer at most once in this many minutes (the trending window). */
export const BUYER_SPACING_MINUTES = 60;

const BucketItem = z.object({
  minute: z.string(),
  lines: z.number(),
  orders: z.number(),
  sales: z.record(z.string(), z.object({ orders: z.number(), amount: z.number() })),
  products: z.record(z.string(), z.number()),
  productOrders: z.record(z.string(), z.number()).default({}),
  buyers: z.record(z.string(), z.number()).default({}),
  customersCreated: z.number().default(0),
  customers: z.string(),
  /** The highest sequence number of the shard applied to this bucket (zero-padded, so text order is number order). */
  applied: z.string(),
});

const DayItem = z.object({ day: z.string(), becameDue: z.number(), applied: z.string() });
/** One shard's counts of one UTC day. */
export interface DayBucket {
  day: string;
  becameDue: number;
}

const Checkpoint = z.object({ sequenceNumber: z.string().optional(), finished: z.boolean().default(false), updatedAt: z.string() });
export type Checkpoint = z.infer<typeof Checkpoint>;

/** Sequence numbers are decimal strings of up to 128 digits: padded, text order is their order. */
export const padSequence = (s: string) => s.padStart(128, '0');

/**
 * What the consumer keeps: which events it applied (a marker in the customer's partition, so erasure
 * takes it too), per-shard minute buckets (sums only) and per-shard checkpoints, all in the events table.
 */
export class LiveRepository {
  constructor(private readonly doc: DynamoDBDocumentClient, private readonly table: string, private readonly now: () => number) {}

  /**
   * Marks an event as applied by the record at `sequenceNumber`. False when another record already
   * carried it (a duplicate publish): skip it. True again for the same record (a replay after a crash).
   * `days`: how long the marker is kept (an event re-published for longer than the stream's retention needs more).
   */
  markEvent(customerId: string, eventId: string, sequenceNumber: string, days = MARKER_DAYS): Promise<boolean> {
    return putIf(this.doc, {
      TableName: this.table,
      Item: { ...eventKey(customerId, eventItemKeys.seen(eventId)), kind: 'seen', sequenceNumber, expiresAt: expiresAt(this.now(), days) },
      ConditionExpression: 'attribute_not_exists(itemKey) OR sequenceNumber = :s',
      ExpressionAttributeValues: { ':s': sequenceNumber },
    });
  }

  /** True when `eventId` is the first line of the order the consumer saw (then the order counts once). */
  markOrder(customerId: string, orderId: string, eventId: string): Promise<boolean> {
    return putIf(this.doc, {
      TableName: this.table,
      Item: { ...eventKey(customerId, eventItemKeys.order(orderId)), kind: 'order', eventId, expiresAt: expiresAt(this.now(), MARKER_DAYS) },
      ConditionExpression: 'attribute_not_exists(itemKey) OR eventId = :e',
      ExpressionAttributeValues: { ':e': eventId },
    });
  }

  /**
   * True when the customer counts as a buyer of the product at `minute`: not counted in the hour before
   * (so an hour's sum never counts one customer twice), or counted by this very event (a replay).
   */
  markBuyer(customerId: string, productId: string, minute: string, eventId: string): Promise<boolean> {
    const limit = new Date(Date.parse(`${minute}:00Z`) - BUYER_SPACING_MINUTES * 60_000).toISOString().slice(0, 16);
    return putIf(this.doc, {
      TableName: this.table,
      Item: { ...eventKey(customerId, eventItemKeys.buyer(productId)), kind: 'buyer', minute, eventId, expiresAt: expiresAt(this.now(), MARKER_DAYS) },
      ConditionExpression: 'attribute_not_exists(itemKey) OR #m <= :limit OR eventId = :e',
      ExpressionAttributeNames: { '#m': 'minute' },
      ExpressionAttributeValues: { ':limit': limit, ':e': eventId },
    });
  }

  async dayBucket(jurisdiction: string, day: string, shardId: string): Promise<{ bucket: DayBucket; applied: string } | undefined> {
    const res = await this.doc.send(new GetCommand({ TableName: this.table, Key: liveDayKey(jurisdiction, day, shardId), ConsistentRead: true }));
    if (!res.Item) return undefined;
    const { applied, ...bucket } = DayItem.parse(res.Item);
    return { bucket, applied };
  }

  /** As saveBucket, for a day's counts. */
  saveDayBucket(jurisdiction: string, shardId: string, bucket: DayBucket, applied: string, previous: string | undefined): Promise<boolean> {
    return putIf(this.doc, {
      TableName: this.table,
      Item: { ...liveDayKey(jurisdiction, bucket.day, shardId), kind: 'liveday', ...bucket, applied, expiresAt: expiresAt(Date.parse(`${bucket.day}T00:00:00Z`), DAY_BUCKET_DAYS) },
      ConditionExpression: previous === undefined ? 'attribute_not_exists(itemKey)' : 'applied = :p',
      ...(previous === undefined ? {} : { ExpressionAttributeValues: { ':p': previous } }),
    });
  }

  /** Every shard's counts of one day (one item per shard). */
  async dayBuckets(jurisdiction: string, day: string): Promise<DayBucket[]> {
    const key = liveDayKey(jurisdiction, day, '');
    const res = await this.doc.send(
      new QueryCommand({ TableName: this.table, KeyConditionExpression: 'customerId = :p AND begins_with(itemKey, :d)', ExpressionAttributeValues: { ':p': key.customerId, ':d': key.itemKey } }),
    );
    return (res.Items ?? []).map((i) => {
      const { applied: _applied, ...bucket } = DayItem.parse(i);
      return bucket;
    });
  }

  async bucket(jurisdiction: string, minute: string, shardId: string): Promise<{ bucket: LiveBucket; applied: string } | undefined> {
    const res = await this.doc.send(new GetCommand({ TableName: this.table, Key: liveBucketKey(jurisdiction, minute, shardId), ConsistentRead: true }));
    if (!res.Item) return undefined;
    const { applied, ...bucket } = BucketItem.parse(res.Item);
    return { bucket, applied };
  }

  /** Writes a bucket if nobody moved it since `previous` was read (one consumer per shard; this checks it). */
  saveBucket(jurisdiction: string, shardId: string, bucket: LiveBucket, applied: string, previous: string | undefined): Promise<boolean> {
    return putIf(this.doc, {
      TableName: this.table,
      Item: { ...liveBucketKey(jurisdiction, bucket.minute, shardId), kind: 'live', ...bucket, applied, expiresAt: expiresAt(Date.parse(`${bucket.minute}:00Z`), BUCKET_DAYS) },
      ConditionExpression: previous === undefined ? 'attribute_not_exists(itemKey)' : 'applied = :p',
      ...(previous === undefined ? {} : { ExpressionAttributeValues: { ':p': previous } }),
    });
  }

  /** Every shard's buckets from `fromMinute` on. */
  async bucketsSince(jurisdiction: string, fromMinute: string): Promise<LiveBucket[]> {
    const out: LiveBucket[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const res = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'customerId = :p AND itemKey >= :from',
          ExpressionAttributeValues: { ':p': livePartition(jurisdiction), ':from': fromMinute },
          ExclusiveStartKey,
        }),
      );
      for (const item of res.Items ?? []) {
        const { applied: _applied, ...bucket } = BucketItem.parse(item);
        out.push(bucket);
      }
      ExclusiveStartKey = res.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return out;
  }

  async checkpoint(stream: string, shardId: string): Promise<Checkpoint | undefined> {
    const res = await this.doc.send(new GetCommand({ TableName: this.table, Key: checkpointKey(stream, shardId), ConsistentRead: true }));
    return res.Item ? Checkpoint.parse(res.Item) : undefined;
  }

  async saveCheckpoint(stream: string, shardId: string, checkpoint: Omit<Checkpoint, 'updatedAt'>): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.table, Item: { ...checkpointKey(stream, shardId), kind: 'checkpoint', ...checkpoint, updatedAt: new Date(this.now()).toISOString() } }));
  }

  async checkpoints(stream: string): Promise<Record<string, Checkpoint>> {
    const res = await this.doc.send(
      new QueryCommand({ TableName: this.table, KeyConditionExpression: 'customerId = :p', ExpressionAttributeValues: { ':p': checkpointKey(stream, '').customerId }, ConsistentRead: true }),
    );
    return Object.fromEntries((res.Items ?? []).map((i) => [String(i.itemKey), Checkpoint.parse(i)]));
  }
}
