import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PersonalData } from '../privacy/personal-data.ts';
import { batchDeleteAll, batchWriteAll } from '../storage/batch.ts';
import { eventItemKeys, eventKey } from '../storage/keys.ts';
import { erasePartition, partitionPages } from '../storage/partition.ts';
import { keyAttributes } from '../storage/tables.ts';
import { decodeEvent, type CadenceEvent } from './events.model.ts';

/** The pending index is spread over this many partitions so that no one partition takes every write. */
export const OUTBOX_SHARDS = 4;

const shardOf = (eventId: string) => {
  let h = 0;
  for (let i = 0; i < eventId.length; i++) h = (h * 31 + eventId.charCodeAt(i)) >>> 0;
  return `outbox#${h % OUTBOX_SHARDS}`;
};

export interface OutboxEntry {
  event: CadenceEvent;
  queuedAt: string;
}

/** Events the stream did not take, waiting in the jurisdiction's events table until it does. */
export interface Outbox {
  save(events: readonly CadenceEvent[], nowMs: number): Promise<void>;
  /** The oldest waiting entries, up to `limit`, across the index's partitions. */
  pending(limit: number): Promise<OutboxEntry[]>;
  remove(events: readonly CadenceEvent[]): Promise<void>;
}

/**
 * The outbox and the owner of the events table's personal items: a customer's outbox entries and the
 * consumer's markers of their events live in the customer's partition, so export and erasure are one
 * query (an erased customer's waiting events are erased with them, never published).
 */
export class DynamoOutbox implements Outbox, PersonalData {
  readonly table = 'events' as const;

  constructor(private readonly doc: DynamoDBDocumentClient, private readonly tableName: string) {}

  async save(events: readonly CadenceEvent[], nowMs: number): Promise<void> {
    const queuedAt = new Date(nowMs).toISOString();
    await batchWriteAll(
      this.doc,
      this.tableName,
      events.map((e) => ({ ...eventKey(e.customerId, eventItemKeys.outbox(e.id)), kind: 'outbox', outboxShard: shardOf(e.id), queuedKey: `${queuedAt}#${e.id}`, queuedAt, event: JSON.stringify(e) })),
    );
  }

  async pending(limit: number): Promise<OutboxEntry[]> {
    const perShard = await Promise.all(
      Array.from({ length: OUTBOX_SHARDS }, async (_, i) => {
        const res = await this.doc.send(
          new QueryCommand({ TableName: this.tableName, IndexName: 'pending', KeyConditionExpression: 'outboxShard = :s', ExpressionAttributeValues: { ':s': `outbox#${i}` }, Limit: limit }),
        );
        return (res.Items ?? []).flatMap((item) => {
          const event = decodeEvent(String(item.event));
          return event ? [{ event, queuedAt: String(item.queuedAt) }] : [];
        });
      }),
    );
    return perShard.flat().sort((a, b) => a.queuedAt.localeCompare(b.queuedAt)).slice(0, limit);
  }

  async remove(events: readonly CadenceEvent[]): Promise<void> {
    await batchDeleteAll(this.doc, this.tableName, events.map((e) => eventKey(e.customerId, eventItemKeys.outbox(e.id))));
  }

  async *exportOf(customerId: string): AsyncIterable<unknown> {
    for await (const page of partitionPages(this.doc, this.tableName, customerId)) yield* page;
  }

  eraseOf(customerId: string): Promise<number> {
    return erasePartition(this.doc, this.tableName, keyAttributes('events'), customerId);
  }
}
