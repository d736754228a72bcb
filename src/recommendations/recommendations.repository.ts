import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { PersonalData } from '../privacy/personal-data.ts';
import { batchWriteAll } from '../storage/batch.ts';
import { putIf } from '../storage/conditional.ts';
import { aggregateKeys, expired, expiresAt, recommendationKey, TTL_ATTRIBUTE } from '../storage/keys.ts';
import { erasePartition, partitionPages } from '../storage/partition.ts';
import { keyAttributes } from '../storage/tables.ts';
import { StoredEntrySchema, type StoredEntry } from './entry.ts';
import { decodeAggregates, encodeAggregates, type StoredAggregates } from './stored-aggregates.ts';

/** The item of an entry: its key, when it was computed (for ordered writes) and the entry as JSON text. */
const EntryItem = z.object({ customerId: z.string(), itemKey: z.literal('entry'), computedAt: z.string(), entry: z.string() });

export interface RecommendationRepository extends PersonalData {
  get(customerId: string): Promise<StoredEntry | undefined>;
  /**
   * Stores unless what is stored was computed later: a long rebuild finishing after an ingest cannot put
   * an older entry over a newer one. False when it was older.
   */
  putIfNotOlder(entry: StoredEntry): Promise<boolean>;
}

export class DynamoRecommendationRepository implements RecommendationRepository {
  readonly table = 'recommendations' as const;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** An entry not recomputed this long (a customer inactive, or left out of rebuilds) expires (TTL). */
    private readonly inactiveDays = 730,
    private readonly now: () => number = Date.now,
  ) {}

  async get(customerId: string) {
    const res = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: recommendationKey(customerId) }));
    return res.Item && !expired(res.Item, this.now()) ? StoredEntrySchema.parse(JSON.parse(EntryItem.parse(res.Item).entry)) : undefined;
  }

  putIfNotOlder(entry: StoredEntry) {
    return putIf(this.doc, {
      TableName: this.tableName,
      Item: { ...recommendationKey(entry.customerId), computedAt: entry.computedAt, entry: JSON.stringify(entry), [TTL_ATTRIBUTE]: expiresAt(Date.parse(entry.computedAt), this.inactiveDays) },
      ConditionExpression: 'attribute_not_exists(customerId) OR computedAt <= :t',
      ExpressionAttributeValues: { ':t': entry.computedAt },
    });
  }

  /** The customer's partition holds only their entry (the aggregates are in partitions of no customer). */
  async *exportOf(customerId: string): AsyncIterable<StoredEntry> {
    for await (const page of partitionPages(this.doc, this.tableName, customerId)) yield* page.map((i) => StoredEntrySchema.parse(JSON.parse(EntryItem.parse(i).entry)));
  }

  eraseOf(customerId: string): Promise<number> {
    return erasePartition(this.doc, this.tableName, keyAttributes(this.table), customerId);
  }
}

export interface AggregateStore {
  current(): Promise<StoredAggregates | undefined>;
  /** Writes a build under its own partition, then makes it current, then deletes the build it replaced. */
  put(build: StoredAggregates): Promise<void>;
}

const Pointer = z.object({ buildId: z.string() });
const ChunkItem = z.object({ itemKey: z.string(), value: z.string() });

/**
 * The jurisdiction's aggregates, in its own recommendations table: a reader always sees one whole build
 * (the pointer moves only after every chunk is written), and a build that fails part way is never current.
 */
export class DynamoAggregateStore implements AggregateStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async currentId(): Promise<string | undefined> {
    const res = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: aggregateKeys.current }));
    return res.Item ? Pointer.parse(res.Item).buildId : undefined;
  }

  async build(buildId: string): Promise<StoredAggregates | undefined> {
    const items: { itemKey: string; value: string }[] = [];
    for await (const page of partitionPages(this.doc, this.tableName, aggregateKeys.buildPartition(buildId))) items.push(...page.map((i) => ChunkItem.parse(i)));
    return decodeAggregates(items);
  }

  async current() {
    const id = await this.currentId();
    return id ? this.build(id) : undefined;
  }

  async put(build: StoredAggregates) {
    const previous = await this.currentId();
    await batchWriteAll(this.doc, this.tableName, encodeAggregates(build).map((c) => ({ ...aggregateKeys.chunk(build.buildId, c.itemKey), value: c.value })));
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...aggregateKeys.current, buildId: build.buildId, builtAt: build.builtAt } }));
    if (previous && previous !== build.buildId) await erasePartition(this.doc, this.tableName, keyAttributes('recommendations'), aggregateKeys.buildPartition(previous));
  }
}
