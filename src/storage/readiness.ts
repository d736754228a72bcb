import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** How long a readiness probe waits for a store before calling it unreachable. */
const PROBE_TIMEOUT_MS = 2_000;

/**
 * A readiness probe of one store: a GetItem of a key that never exists, on a table the deployment needs.
 * It resolves when the store answers (found or not) and rejects with the store's error otherwise.
 */
export function storeProbe(doc: DynamoDBDocumentClient, table: string, key: Record<string, string>): () => Promise<void> {
  return async () => {
    await doc.send(new GetCommand({ TableName: table, Key: key }), { abortSignal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  };
}
