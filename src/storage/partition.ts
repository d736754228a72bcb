import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchDeleteAll } from './batch.ts';

/**
 * One customer's partition of a personal table, page by page: every personal item is keyed by the
 * customer id, so an export reads it with Query (never a scan) and never holds more than a page.
 */
export async function* partitionPages(
  doc: DynamoDBDocumentClient,
  table: string,
  customerId: string,
  options: { projection?: readonly string[]; pageSize?: number } = {},
): AsyncGenerator<Record<string, unknown>[]> {
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  const names = options.projection?.map((_, i) => `#p${i}`);
  do {
    const res = await doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: '#c = :c',
        ExpressionAttributeNames: { '#c': 'customerId', ...Object.fromEntries((options.projection ?? []).map((p, i) => [`#p${i}`, p])) },
        ExpressionAttributeValues: { ':c': customerId },
        ...(names ? { ProjectionExpression: ['#c', ...names].join(', ') } : {}),
        ...(options.pageSize ? { Limit: options.pageSize } : {}),
        ExclusiveStartKey,
        ConsistentRead: true,
      }),
    );
    yield res.Items ?? [];
    ExclusiveStartKey = res.LastEvaluatedKey;
  } while (ExclusiveStartKey);
}

/** Deletes every item of a customer's partition (keys read with Query, deleted 25 per call); how many. */
export async function erasePartition(doc: DynamoDBDocumentClient, table: string, keyAttributes: readonly string[], customerId: string): Promise<number> {
  let erased = 0;
  const rest = keyAttributes.filter((k) => k !== 'customerId');
  for await (const page of partitionPages(doc, table, customerId, { projection: rest })) {
    const keys = page.map((item) => Object.fromEntries(keyAttributes.map((k) => [k, item[k]])));
    await batchDeleteAll(doc, table, keys);
    erased += keys.length;
  }
  return erased;
}
