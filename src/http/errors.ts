import type { ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { UnprocessedError } from '../storage/batch.ts';
import { Problem } from './problem.ts';

/** Errors from DynamoDB that mean "overloaded, try again", after the SDK's own retries. */
const RETRYABLE = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
]);

/** Maps everything thrown to problem+json. User errors are expected; faults are logged for alerting. */
export const handleError: ErrorHandler = (err, c) => {
  if (err instanceof Problem) return err.toResponse();
  if (err instanceof HTTPException) {
    if (err.status === 400 && /json/i.test(err.message)) {
      return new Problem(400, 'request.invalidJson', 'The body is not valid JSON').toResponse();
    }
    if (err.status === 413) return new Problem(413, 'request.bodyTooLarge', 'The body is too large').toResponse();
    if (err.status < 500) return new Problem(err.status as 400, 'request.invalid', err.message || 'Bad request').toResponse();
  }
  const name = err instanceof Error ? err.name : 'unknown';
  if (RETRYABLE.has(name) || err instanceof UnprocessedError) {
    console.error(JSON.stringify({ level: 'warn', msg: 'storage overloaded', error: name, path: c.req.path }));
    return new Problem(503, 'storage.unavailable', 'Storage is overloaded; retry shortly').toResponse({ 'retry-after': '1' });
  }
  console.error(JSON.stringify({ level: 'error', msg: 'unhandled error', error: name, message: String(err), path: c.req.path }));
  return new Problem(500, 'internal', 'Internal error').toResponse();
};
