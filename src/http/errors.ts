import type { ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { DependencyUnavailable } from '../shared/errors.ts';
import { Problem } from './problem.ts';

/**
 * Maps everything thrown to problem+json. User errors (4xx) are expected and not logged; a dependency
 * that cannot serve is a 503 with Retry-After and its own code (logged as a warning); anything else is a
 * fault: logged for alerting, answered 500 without detail.
 */
export const handleError: ErrorHandler = (err, c) => {
  // Every 503 says when to come back, whoever threw it.
  if (err instanceof Problem) return err.toResponse(err.status === 503 ? { 'retry-after': '1' } : undefined);
  if (err instanceof HTTPException) {
    if (err.status === 400 && /json/i.test(err.message)) {
      return new Problem(400, 'request.invalidJson', 'The body is not valid JSON').toResponse();
    }
    if (err.status === 413) return new Problem(413, 'request.bodyTooLarge', 'The body is too large').toResponse();
    if (err.status < 500) return new Problem(err.status as 400, 'request.invalid', err.message || 'Bad request').toResponse();
  }
  if (err instanceof DependencyUnavailable) {
    console.error(JSON.stringify({ level: 'warn', msg: 'dependency unavailable', code: err.code, error: err.message, path: c.req.routePath }));
    return unavailable(err).toResponse({ 'retry-after': String(err.retryAfterSeconds) });
  }
  const name = err instanceof Error ? err.name : 'unknown';
  console.error(JSON.stringify({ level: 'error', msg: 'unhandled error', error: name, message: String(err), path: c.req.routePath }));
  return new Problem(500, 'internal', 'Internal error').toResponse();
};

const unavailable = (err: DependencyUnavailable) =>
  new Problem(503, err.code, err.code === 'storage.unavailable' ? 'Storage is unavailable; retry shortly' : 'A dependency is unavailable; retry shortly');
