import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const READS = new Set(['GetItemCommand', 'BatchGetItemCommand', 'QueryCommand', 'ScanCommand']);

/**
 * Counts what a real document client asks the store to read: calls (each BatchGetItem round is one) and
 * items asked for (the keys of a GetItem or BatchGetItem; a Query or Scan counts one). A middleware on the
 * client's own stack, so every adapter's reads are seen as sent.
 */
export function countReads(doc: DynamoDBDocumentClient) {
  const counts = { calls: 0, keys: 0 };
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      if (READS.has(String((context as { commandName?: string }).commandName))) {
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
      return out;
    },
  };
}
