import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { translateStoreError } from './errors.ts';
import { StoreRetryStrategy } from './retry.ts';

export interface DynamoConnection {
  region: string;
  /** Set only for local stand-ins (dynalite, moto); production uses the SDK's regional endpoint. */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Extra SDK options (a Node request handler, for example). */
  clientOptions?: Record<string, unknown>;
}

/**
 * The SDK signs, retries throttled calls and refused connections with backoff and jitter, and pools
 * connections. What still fails after its retries leaves the client as StoreUnavailable (the SDK's
 * error is its `cause`): the translation sits outermost in the middleware stack, above the retries.
 */
/**
 * Bounds on one attempt (decision 156). Without them a store that accepts connections and never answers (a
 * hung process, a black-holed route) holds every request that reaches it for as long as the socket lives.
 * DynamoDB answers in milliseconds; three seconds is far beyond a healthy call, even a 1 MB page. A timed-out
 * attempt is retried like a refused one (the SDK's retry quota stops retrying once an outage is plain), then
 * leaves as StoreUnavailable: a 503. The shorthand gives the runtime's own handler these options (Node's
 * http handler, the fetch handler in Workers); without `throwOnRequestTimeout` Node's only logs a warning.
 */
export const STORE_ATTEMPT_TIMEOUTS = { connectionTimeout: 1_000, requestTimeout: 3_000, throwOnRequestTimeout: true } as const;

export function dynamoClient(conn: DynamoConnection): DynamoDBClient {
  const client = new DynamoDBClient({
    region: conn.region,
    ...(conn.endpoint ? { endpoint: conn.endpoint } : {}),
    ...(conn.credentials ? { credentials: conn.credentials } : {}),
    // Throttling up to five attempts, anything else (a deadline, a refused connection, a 5xx) two (decision 157).
    retryStrategy: new StoreRetryStrategy(5),
    requestHandler: STORE_ATTEMPT_TIMEOUTS,
    ...conn.clientOptions,
  });
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        throw translateStoreError(err);
      }
    },
    { step: 'initialize', name: 'cadenceStoreErrors', priority: 'high' },
  );
  return client;
}

/** One document client per connection and isolate. */
export function documentClient(conn: DynamoConnection): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(dynamoClient(conn), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}
