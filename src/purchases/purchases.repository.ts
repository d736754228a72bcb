import { GetCommand, QueryCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { PersonalData } from '../privacy/personal-data.ts';
import { batchGetAll, batchWriteAll } from '../storage/batch.ts';
import { putIf } from '../storage/conditional.ts';
import { expired, expiresAt, purchaseKey, purchaseLineKey, purchaseTimeKey, TTL_ATTRIBUTE } from '../storage/keys.ts';
import { erasePartition, partitionPages } from '../storage/partition.ts';
import { keyAttributes } from '../storage/tables.ts';
import type { PurchaseLine } from './purchases.model.ts';
import type { Purchase } from './purchases.schemas.ts';

export interface PurchaseRepository extends PersonalData {
  /** The stored lines among `lines`, keyed by `customerId#orderId#lineId`; `consistent` reads after a write. */
  find(lines: readonly PurchaseLine[], consistent?: boolean): Promise<Map<string, Purchase>>;
  /** Stores the lines whatever is stored under their keys (the caller reads back what stuck). */
  putAll(lines: readonly PurchaseLine[]): Promise<void>;
  /** Stores the line unless its key exists; `false` means it existed (the stored line is returned). */
  putIfAbsent(line: PurchaseLine): Promise<{ created: true } | { created: false; stored: Purchase | undefined }>;
  newestFirst(customerId: string, limit: number, beforeTimeKey?: string): Promise<{ items: Purchase[]; lastTimeKey?: string }>;
  /** Every line of one customer (all pages). */
  allOf(customerId: string): Promise<PurchaseLine[]>;
  /** Every line of the jurisdiction, page by page (for population jobs). */
  scan(pageSize?: number): AsyncIterable<PurchaseLine[]>;
}

/** A stored line, as read back: checked against its schema rather than cast. */
const PurchaseItem = z.object({
  customerId: z.string(),
  orderId: z.string(),
  lineId: z.string(),
  productId: z.string(),
  quantity: z.number(),
  unitPrice: z.number(),
  currency: z.string(),
  purchasedAt: z.string(),
  type: z.enum(['return', 'cancellation']).optional(),
  returnOf: z.object({ orderId: z.string(), lineId: z.string() }).optional(),
});

const toLine = (item: Record<string, unknown>): PurchaseLine => {
  const { type, returnOf, ...line } = PurchaseItem.parse(item);
  return { ...line, ...(type ? { type } : {}), ...(returnOf ? { returnOf } : {}) };
};
const toPurchase = (item: Record<string, unknown>): Purchase => {
  const { customerId: _, ...purchase } = toLine(item);
  return purchase;
};

/** How long purchase lines are kept unless the region file says otherwise (three years). */
export const DEFAULT_PURCHASE_RETENTION_DAYS = 3 * 365;

/** The stored item of a line; also used by bulk loaders so that every writer stores the same shape. */
export function purchaseItem(line: PurchaseLine, retentionDays = DEFAULT_PURCHASE_RETENTION_DAYS): Record<string, unknown> {
  return {
    ...line,
    ...purchaseKey(line.customerId, line.orderId, line.lineId),
    timeKey: purchaseTimeKey(line.purchasedAt, line.orderId, line.lineId),
    [TTL_ATTRIBUTE]: expiresAt(Date.parse(line.purchasedAt), retentionDays),
  };
}

export class DynamoPurchaseRepository implements PurchaseRepository {
  readonly table = 'purchases' as const;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays = DEFAULT_PURCHASE_RETENTION_DAYS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Items past their retention are gone, whether or not TTL has deleted them yet. */
  private live = (items: Record<string, unknown>[] | undefined) => (items ?? []).filter((i) => !expired(i, this.now()));

  async find(lines: readonly PurchaseLine[], consistent = false) {
    const keys = new Map<string, Record<string, string>>();
    for (const l of lines) keys.set(`${l.customerId}#${l.orderId}#${l.lineId}`, purchaseKey(l.customerId, l.orderId, l.lineId));
    const items = this.live(await batchGetAll(this.doc, this.tableName, [...keys.values()], undefined, consistent));
    return new Map(items.map((i) => {
      const line = toLine(i);
      return [`${line.customerId}#${line.orderId}#${line.lineId}`, toPurchase(i)] as const;
    }));
  }

  /** Stores lines without a condition, 25 per call (the bulk path: PurchaseService checks what stuck). */
  async putAll(lines: readonly PurchaseLine[]): Promise<void> {
    await batchWriteAll(this.doc, this.tableName, lines.map((l) => purchaseItem(l, this.retentionDays)));
  }

  async putIfAbsent(line: PurchaseLine): Promise<{ created: true } | { created: false; stored: Purchase | undefined }> {
    if (await putIf(this.doc, { TableName: this.tableName, Item: purchaseItem(line, this.retentionDays), ConditionExpression: 'attribute_not_exists(lineKey)' })) return { created: true };
    const res = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: purchaseKey(line.customerId, line.orderId, line.lineId), ConsistentRead: true }));
    return { created: false, stored: res.Item ? toPurchase(res.Item) : undefined };
  }

  async newestFirst(customerId: string, limit: number, beforeTimeKey?: string) {
    const lineKeyOf = (timeKey: string) => {
      const [, orderId = '', lineId = ''] = timeKey.split('#');
      return purchaseLineKey(orderId, lineId);
    };
    const res = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'byTime',
        KeyConditionExpression: 'customerId = :c',
        ExpressionAttributeValues: { ':c': customerId },
        ScanIndexForward: false,
        Limit: limit,
        ...(beforeTimeKey ? { ExclusiveStartKey: { customerId, timeKey: beforeTimeKey, lineKey: lineKeyOf(beforeTimeKey) } } : {}),
      }),
    );
    const last = res.LastEvaluatedKey?.timeKey as string | undefined;
    return { items: this.live(res.Items).map(toPurchase), ...(last ? { lastTimeKey: last } : {}) };
  }

  async allOf(customerId: string): Promise<PurchaseLine[]> {
    // Strongly consistent (partitionPages): a recompute right after an ingest must see the lines just written.
    const lines: PurchaseLine[] = [];
    for await (const page of partitionPages(this.doc, this.tableName, customerId)) lines.push(...this.live(page).map(toLine));
    return lines;
  }

  async *scan(pageSize = 1000): AsyncIterable<PurchaseLine[]> {
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const res = await this.doc.send(new ScanCommand({ TableName: this.tableName, Limit: pageSize, ExclusiveStartKey }));
      yield this.live(res.Items).map(toLine);
      ExclusiveStartKey = res.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }

  async *exportOf(customerId: string): AsyncIterable<Purchase> {
    for await (const page of partitionPages(this.doc, this.tableName, customerId)) yield* page.map(toPurchase);
  }

  eraseOf(customerId: string): Promise<number> {
    return erasePartition(this.doc, this.tableName, keyAttributes(this.table), customerId);
  }
}
