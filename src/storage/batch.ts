import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mapLimit } from '../shared/map-limit.ts';
import { StoreUnavailable } from './errors.ts';

/** DynamoDB's own limits per call. */
export const BATCH_GET_LIMIT = 100;
export const BATCH_WRITE_LIMIT = 25;
const MAX_ROUNDS = 10;
/** BatchGetItem calls in flight per read of many keys. */
const GET_CONCURRENCY = 4;

type Key = Record<string, unknown>;
type Item = Record<string, unknown>;

function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** Full-jitter exponential backoff, as the AWS architecture blog recommends for unprocessed items. */
function backoff(round: number): Promise<void> {
  const cap = Math.min(1000, 25 * 2 ** round);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * cap));
}

/** DynamoDB kept refusing part of a batch (throttling): the store cannot take it now. */
export class UnprocessedError extends StoreUnavailable {
  constructor(readonly remaining: number) {
    super(`DynamoDB left ${remaining} batch entries unprocessed after ${MAX_ROUNDS} rounds`);
  }
}

/**
 * Reads every key, 100 per call, re-asking for `UnprocessedKeys` with backoff until none remain.
 * Returns the items found (order is not kept; DynamoDB does not keep it either).
 */
export async function batchGetAll(
  doc: DynamoDBDocumentClient,
  table: string,
  keys: readonly Key[],
  projection?: string[],
  consistentRead = false,
): Promise<Item[]> {
  const found: Item[] = [];
  // A few calls in flight: a bulk request's reads (its lines stored before, its read-back) are 10 calls per 1,000 lines.
  await mapLimit(chunks(keys, BATCH_GET_LIMIT), GET_CONCURRENCY, async (chunk) => {
    let pending: Key[] = chunk;
    for (let round = 0; pending.length > 0; round++) {
      if (round >= MAX_ROUNDS) throw new UnprocessedError(pending.length);
      if (round > 0) await backoff(round);
      const res = await doc.send(
        new BatchGetCommand({
          RequestItems: {
            [table]: {
              Keys: pending,
              ...(consistentRead ? { ConsistentRead: true } : {}),
              ...(projection ? { ProjectionExpression: projection.map((_, i) => `#p${i}`).join(', '),
                ExpressionAttributeNames: Object.fromEntries(projection.map((p, i) => [`#p${i}`, p])) } : {}),
            },
          },
        }),
      );
      found.push(...(res.Responses?.[table] ?? []));
      pending = (res.UnprocessedKeys?.[table]?.Keys as Key[] | undefined) ?? [];
    }
  });
  return found;
}

type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: Key } };

/** Writes every item, 25 per call, re-sending `UnprocessedItems` with backoff until none remain. */
export async function batchWriteAll(doc: DynamoDBDocumentClient, table: string, items: readonly Item[]): Promise<void> {
  await batchRequests(doc, table, items.map((Item) => ({ PutRequest: { Item } })));
}

/** Deletes every key, 25 per call, with the same retries of unprocessed entries. */
export async function batchDeleteAll(doc: DynamoDBDocumentClient, table: string, keys: readonly Key[]): Promise<void> {
  await batchRequests(doc, table, keys.map((Key) => ({ DeleteRequest: { Key } })));
}

async function batchRequests(doc: DynamoDBDocumentClient, table: string, requests: readonly WriteRequest[]): Promise<void> {
  for (const chunk of chunks(requests, BATCH_WRITE_LIMIT)) {
    let pending: WriteRequest[] = chunk;
    for (let round = 0; pending.length > 0; round++) {
      if (round >= MAX_ROUNDS) throw new UnprocessedError(pending.length);
      if (round > 0) await backoff(round);
      const res = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = (res.UnprocessedItems?.[table] ?? []) as WriteRequest[];
    }
  }
}
