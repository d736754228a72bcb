import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const READS = new Set(['GetItemCommand', 'BatchGetItemCommand', 'QueryCommand', 'ScanCommand']);
const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand']);

/**
 * Counts what a real document client asks the store to read: calls (each BatchGetItem round is one) and
 * items asked for (the keys of a GetItem or BatchGetItem; a Query or Scan counts one); and its write calls.
 * A middleware on the client's own stack, so every adapter's calls are seen as sent.
 */
export function countReads(doc: DynamoDBDocumentClient) {
  const counts = { calls: 0, keys: 0, writes: 0 };
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String((context as { commandName?: string }).commandName);
      if (WRITES.has(command)) counts.writes++;
      if (READS.has(command)) {
        const items = (args.input as { RequestItems?: Record<string, { Keys?: unknown[] }> }).RequestItems;
        counts.calls++;
        counts.keys += items ? Object.values(items).reduce((n, r) => n + (r.Keys?.length ?? 0), 0) : 1;
      }
      return next(args);
    },
    { step: 'initialize', name: 'testCountReads' },
  );
  return {
    /** What was read since the last call, and starts counting afresh. */
    take() {
      const out = { ...counts };
      counts.calls = 0;
      counts.keys = 0;
      counts.writes = 0;
      return out;
    },
  };
}
