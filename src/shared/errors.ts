/**
 * A dependency (a store, a peer deployment, a queue) cannot serve now and the caller should retry. Domain
 * code throws subclasses; the HTTP layer answers 503 with `Retry-After` and the error's stable code.
 */
export class DependencyUnavailable extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryAfterSeconds = 1,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DependencyUnavailable';
  }
}
