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
 * Bounds on one attempt (decision 156). Without them a store that accepts connections and never answers (a
 * hung process, a black-holed route) holds every request that reaches it for as long as the socket lives.
 * DynamoDB answers in milliseconds; three seconds is far beyond a healthy call, even a 1 MB page. A timed-out
 * attempt is retried once, like a refused one (and not at all once the SDK's retry quota is spent), then
 * leaves as StoreUnavailable: a 503. The shorthand gives the runtime's own handler these options (Node's
 * http handler, the fetch handler in Workers); without `throwOnRequestTimeout` Node's only logs a warning.
 */
export const STORE_ATTEMPT_TIMEOUTS = { connectionTimeout: 1_000, requestTimeout: 3_000, throwOnRequestTimeout: true } as const;

/**
 * The SDK signs, retries (backoff with jitter: throttling up to five attempts, any other failure once,
 * decision 157) and pools connections. What still fails after its retries leaves the client as
 * StoreUnavailable (the SDK's error is its `cause`): the translation sits outermost in the middleware
 * stack, above the retries.
 */
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
