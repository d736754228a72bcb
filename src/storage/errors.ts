import { DependencyUnavailable } from '../shared/errors.ts';

/**
 * A DynamoDB store that is down, unreachable, throttling or failing, after the SDK's own retries. Thrown by
 * every adapter in place of the SDK's error (kept as `cause`), so nothing above storage knows SDK names.
 */
export class StoreUnavailable extends DependencyUnavailable {
  constructor(message: string, options?: { cause?: unknown }) {
    super('storage.unavailable', message, 1, options);
    this.name = 'StoreUnavailable';
  }
}

/** Error names DynamoDB gives for overload or its own failure (the SDK retried them already). */
const UNAVAILABLE_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Socket-level failures of Node (the store's process is gone, the network is down). */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

/** workerd and browsers report a failed fetch as a TypeError with one of these messages. */
const FETCH_FAILURE = /network connection lost|fetch failed|failed to fetch|connection refused|internal error|socket/i;
/** workerd also throws a plain Error with exactly this message when it cannot connect (the store's port is closed). */
const WORKERD_CONNECT_FAILURE = /^network connection lost\.?$/i;

interface SdkLikeError {
  name?: string;
  code?: string;
  message?: string;
  cause?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** Whether an error from the SDK means "the store cannot serve now" (as opposed to a bad request). */
export function isUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 5) return false;
  const e = err as SdkLikeError;
  if (e.name && UNAVAILABLE_NAMES.has(e.name)) return true;
  if (e.code && CONNECTION_CODES.has(e.code)) return true;
  if ((e.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  if (err instanceof TypeError && FETCH_FAILURE.test(e.message ?? '')) return true;
  if (err instanceof Error && WORKERD_CONNECT_FAILURE.test(e.message ?? '')) return true;
  return e.cause !== undefined && isUnavailable(e.cause, depth + 1);
}

/** The error an adapter throws for what the SDK threw: StoreUnavailable, or the original unchanged. */
export function translateStoreError(err: unknown): unknown {
  if (err instanceof StoreUnavailable || !isUnavailable(err)) return err;
  const name = (err as SdkLikeError).name ?? 'Error';
  return new StoreUnavailable(`DynamoDB is unavailable (${name})`, { cause: err });
}
