import { GetCommand, QueryCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { putIf } from '../storage/conditional.ts';
import { batchGetAll } from '../storage/batch.ts';
import { lineKey, timeKey, type PurchaseLine } from './purchases.model.ts';
import type { Purchase } from './purchases.schemas.ts';

export interface PurchasePageResult {
  items: Purchase[];
  /** The time key of the last item returned, when there may be more. */
  lastTimeKey?: string;
}

export interface PurchaseRepository {
  /** The stored lines among `lines`, keyed by `customerId#lineKey`. */
  find(lines: readonly PurchaseLine[]): Promise<Map<string, Purchase>>;
  /** Stores the line unless its key exists; `false` means it existed (the stored line is returned). */
  putIfAbsent(line: PurchaseLine): Promise<{ created: true } | { created: false; stored: Purchase | undefined }>;
  newestFirst(customerId: string, limit: number, beforeTimeKey?: string): Promise<PurchasePageResult>;
  /** Every line of one customer (all pages). */
  allOf(customerId: string): Promise<PurchaseLine[]>;
  /** Every line of the jurisdiction, page by page (for population jobs). */
  scan(pageSize?: number): AsyncIterable<PurchaseLine[]>;
}

export const storedKey = (l: { customerId: string; orderId: string; lineId: string }) =>
  `${l.customerId}#${lineKey(l.orderId, l.lineId)}`;

const toLine = (item: Record<string, unknown>): PurchaseLine => ({ ...toPurchase(item), customerId: item.customerId as string });

function toPurchase(item: Record<string, unknown>): Purchase {
  return {
    orderId: item.orderId as string,
    lineId: item.lineId as string,
    productId: item.productId as string,
    quantity: item.quantity as number,
    unitPrice: item.unitPrice as number,
    currency: item.currency as string,
    purchasedAt: item.purchasedAt as string,
  };
}

/** The stored item of a line; also used by bulk loaders so that every writer stores the same shape. */
export function purchaseItem(line: PurchaseLine): Record<string, unknown> {
  return { ...line, lineKey: lineKey(line.orderId, line.lineId), timeKey: timeKey(line.purchasedAt, line.orderId, line.lineId) };
}

export function dynamoPurchaseRepository(doc: DynamoDBDocumentClient, table: string): PurchaseRepository {
  return {
    async find(lines) {
      const keys = new Map<string, Record<string, string>>();
      for (const l of lines) keys.set(storedKey(l), { customerId: l.customerId, lineKey: lineKey(l.orderId, l.lineId) });
      const items = await batchGetAll(doc, table, [...keys.values()]);
      return new Map(items.map((i) => [`${i.customerId as string}#${i.lineKey as string}`, toPurchase(i)]));
    },
    async putIfAbsent(line) {
      const item = purchaseItem(line);
      if (await putIf(doc, { TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(lineKey)' })) return { created: true };
      const res = await doc.send(
        new GetCommand({ TableName: table, Key: { customerId: line.customerId, lineKey: item.lineKey as string }, ConsistentRead: true }),
      );
      return { created: false, stored: res.Item ? toPurchase(res.Item) : undefined };
    },
    async newestFirst(customerId, limit, beforeTimeKey) {
      const res = await doc.send(
        new QueryCommand({
          TableName: table,
          IndexName: 'byTime',
          KeyConditionExpression: 'customerId = :c',
          ExpressionAttributeValues: { ':c': customerId },
          ScanIndexForward: false,
          Limit: limit,
          ...(beforeTimeKey
            ? { ExclusiveStartKey: { customerId, timeKey: beforeTimeKey, lineKey: beforeTimeKey.split('#').slice(1).join('#') } }
            : {}),
        }),
      );
      const items = (res.Items ?? []).map(toPurchase);
      const last = res.LastEvaluatedKey?.timeKey as string | undefined;
      return { items, ...(last ? { lastTimeKey: last } : {}) };
    },
    async allOf(customerId) {
      const lines: PurchaseLine[] = [];
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const res = await doc.send(
          // Strongly consistent: a recompute right after an ingest must see the lines just written.
          new QueryCommand({ TableName: table, KeyConditionExpression: 'customerId = :c', ExpressionAttributeValues: { ':c': customerId }, ExclusiveStartKey, ConsistentRead: true }),
        );
        lines.push(...(res.Items ?? []).map(toLine));
        ExclusiveStartKey = res.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return lines;
    },
    async *scan(pageSize = 1000) {
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const res = await doc.send(new ScanCommand({ TableName: table, Limit: pageSize, ExclusiveStartKey }));
        yield (res.Items ?? []).map(toLine);
        ExclusiveStartKey = res.LastEvaluatedKey;
      } while (ExclusiveStartKey);
    },
  };
}
