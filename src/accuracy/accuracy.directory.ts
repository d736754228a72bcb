import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { BATCH_WRITE_LIMIT, batchDeleteAll, batchGetAll, batchWriteAll } from '../storage/batch.ts';
import { updateIf } from '../storage/conditional.ts';
import { accuracyKeys, expired, TTL_ATTRIBUTE } from '../storage/keys.ts';
import { bucketCount, bucketOf, bucketsOf, bucketsWritten, type DirectoryHead } from './model/directory.ts';

const HeadItem = z.object({ day: z.string(), generation: z.number().int().optional(), indexed: z.number().int().optional(), pages: z.number().int().optional(), buckets: z.number().int().optional(), written: z.number().int().optional() });
const BucketItem = z.object({ day: z.string(), refs: z.record(z.string(), z.number().int()) });

/** Where a day's directory puts a reference: its bucket, and the page that holds it (none: not in that day's snapshot). */
export interface Entry {
  bucket: number;
  page: number | undefined;
}

/**
 * The DynamoDB part of the snapshot directory (decision 151), in the predictions table beside the
 * snapshot: a head per day (`accuracy#dir#<day>`: generation, what it indexed) and its buckets
 * (`accuracy#dir#<day>#<n>`: a map from reference to page), with the snapshot's TTL.
 */
export class SnapshotDirectory {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => number,
  ) {}

  /** The heads of these days (one read of many keys; an expired head is no head). */
  async heads(days: readonly string[]): Promise<Map<string, DirectoryHead>> {
    const items = await batchGetAll(this.doc, this.tableName, days.map(accuracyKeys.directory), undefined, true);
    return new Map(items.filter((i) => !expired(i, this.now())).map((i) => HeadItem.parse(i)).map(({ day, ...head }) => [day, head]));
  }

  /** A refit page writes the day's snapshot: whatever the directory indexed no longer vouches for the pages. */
  async touch(day: string, ttl: number): Promise<void> {
    await this.doc.send(new UpdateCommand({
      TableName: this.tableName,
      Key: accuracyKeys.directory(day),
      UpdateExpression: 'SET #day = :day, #ttl = :ttl ADD #gen :one',
      ExpressionAttributeNames: { '#day': 'day', '#ttl': TTL_ATTRIBUTE, '#gen': 'generation' },
      ExpressionAttributeValues: { ':day': day, ':ttl': ttl, ':one': 1 },
    }));
  }

  /**
   * Writes the day's buckets from the references of each page, then marks the head indexed at the
   * generation `seen` (read before what `refsByPage` came from). If a page wrote meanwhile, the head is
   * left as it is (not vouching) and false is answered. Buckets of a bigger earlier directory of the day go.
   */
  async put(day: string, refsByPage: readonly (readonly string[])[], seen: DirectoryHead | undefined, ttl: number): Promise<boolean> {
    const buckets = bucketCount(refsByPage.reduce((n, refs) => n + refs.length, 0));
    // The head learns first how many buckets may exist, so that no bucket is ever out of a deletion's reach.
    await updateIf(this.doc, {
      TableName: this.tableName,
      Key: accuracyKeys.directory(day),
      UpdateExpression: 'SET #day = :day, #ttl = :ttl, #written = :buckets',
      ConditionExpression: 'attribute_not_exists(#written) OR #written < :buckets',
      ExpressionAttributeNames: { '#day': 'day', '#ttl': TTL_ATTRIBUTE, '#written': 'written' },
      ExpressionAttributeValues: { ':day': day, ':ttl': ttl, ':buckets': buckets },
    });
    // Written as they are made, a batch at a time: the buckets are never all in memory as items.
    let batch: Record<string, unknown>[] = [];
    let b = 0;
    for (const refs of bucketsOf(refsByPage, buckets)) {
      batch.push({ ...accuracyKeys.directoryBucket(day, b++), day, refs, [TTL_ATTRIBUTE]: ttl });
      if (batch.length === BATCH_WRITE_LIMIT) {
        await batchWriteAll(this.doc, this.tableName, batch);
        batch = [];
      }
    }
    await batchWriteAll(this.doc, this.tableName, batch);
    await this.deleteBuckets(day, buckets, bucketsWritten(seen));
    const generation = seen?.generation;
    const done = await updateIf(this.doc, {
      TableName: this.tableName,
      Key: accuracyKeys.directory(day),
      UpdateExpression: 'SET #day = :day, #ttl = :ttl, #gen = :g, #idx = :g, #pages = :pages, #buckets = :buckets',
      ConditionExpression: generation === undefined ? 'attribute_not_exists(#gen)' : '#gen = :g',
      ExpressionAttributeNames: { '#day': 'day', '#ttl': TTL_ATTRIBUTE, '#gen': 'generation', '#idx': 'indexed', '#pages': 'pages', '#buckets': 'buckets' },
      ExpressionAttributeValues: { ':day': day, ':ttl': ttl, ':g': generation ?? 0, ':pages': refsByPage.length, ':buckets': buckets },
    });
    return done !== undefined;
  }

  /** Where each day's directory puts the reference (one read of many keys), for the days whose head names buckets. */
  async entries(ref: string, heads: ReadonlyMap<string, DirectoryHead>): Promise<Map<string, Entry>> {
    const wanted = new Map([...heads].flatMap(([day, h]) => (h.buckets === undefined ? [] : [[day, bucketOf(ref, h.buckets)] as const])));
    const items = await batchGetAll(this.doc, this.tableName, [...wanted].map(([day, b]) => accuracyKeys.directoryBucket(day, b)), undefined, true);
    const pageOf = new Map(items.map((i) => BucketItem.parse(i)).map((b) => [b.day, Object.hasOwn(b.refs, ref) ? b.refs[ref] : undefined]));
    return new Map([...wanted].map(([day, bucket]) => [day, { bucket, page: pageOf.get(day) }]));
  }

  /** Removes the reference's entry from a bucket (if the bucket still holds it). */
  async forget(day: string, bucket: number, ref: string): Promise<void> {
    await updateIf(this.doc, {
      TableName: this.tableName,
      Key: accuracyKeys.directoryBucket(day, bucket),
      UpdateExpression: 'REMOVE #refs.#ref',
      ConditionExpression: 'attribute_exists(#refs.#ref)',
      ExpressionAttributeNames: { '#refs': 'refs', '#ref': ref },
    });
  }

  /**
   * The directory goes with its snapshot: the head stops vouching first (a reader then reads the pages), the
   * buckets go, then the pages (`deletePages`), then the head. Cut short anywhere, nothing is left that a
   * reader would trust and that hides a page, and the next scoring repeats it.
   */
  async drop(day: string, deletePages: () => Promise<void>): Promise<void> {
    const head = (await this.heads([day])).get(day);
    if (head?.indexed !== undefined) await updateIf(this.doc, { TableName: this.tableName, Key: accuracyKeys.directory(day), UpdateExpression: 'REMOVE #idx', ConditionExpression: 'attribute_exists(customerId)', ExpressionAttributeNames: { '#idx': 'indexed' } });
    await this.deleteBuckets(day, 0, bucketsWritten(head));
    await deletePages();
    await batchDeleteAll(this.doc, this.tableName, [accuracyKeys.directory(day)]);
  }

  private async deleteBuckets(day: string, from: number, to: number) {
    if (to > from) await batchDeleteAll(this.doc, this.tableName, Array.from({ length: to - from }, (_, i) => accuracyKeys.directoryBucket(day, from + i)));
  }
}
