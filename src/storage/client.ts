import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface DynamoConnection {
  region: string;
  /** Set only for local stand-ins (dynalite, moto); production uses the SDK's regional endpoint. */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Extra SDK options (a Node request handler, for example). */
  clientOptions?: Record<string, unknown>;
}

/** The SDK signs, retries throttled calls with backoff and jitter, and pools connections. */
export function dynamoClient(conn: DynamoConnection): DynamoDBClient {
  return new DynamoDBClient({
    region: conn.region,
    ...(conn.endpoint ? { endpoint: conn.endpoint } : {}),
    ...(conn.credentials ? { credentials: conn.credentials } : {}),
    maxAttempts: 5,
    ...conn.clientOptions,
  });
}

/** One document client per connection and isolate. */
export function documentClient(conn: DynamoConnection): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(dynamoClient(conn), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}
