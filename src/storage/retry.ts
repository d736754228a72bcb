import { StandardRetryStrategy } from '@smithy/core/retry';

type Token = Awaited<ReturnType<StandardRetryStrategy['acquireInitialRetryToken']>>;
type ErrorInfo = Parameters<StandardRetryStrategy['refreshRetryTokenForRetry']>[1];

/**
 * The SDK's standard retries (backoff with jitter, the retry quota), with one difference (decision 157):
 * throttling is retried up to `attempts` times, because waiting is what helps it; any other failure (a
 * timed-out attempt, a reset or refused connection, a 5xx) once. A store that hangs or has gone away is not
 * helped by a third try within one request, and the caller (the edge, which moves on to the jurisdiction's
 * other region, or the sender, told to retry) should hear of it in seconds, not after five deadlines.
 */
export class StoreRetryStrategy {
  readonly mode = 'standard';
  private readonly standard: StandardRetryStrategy;

  constructor(
    attempts: number,
    private readonly otherAttempts = 2,
  ) {
    this.standard = new StandardRetryStrategy(attempts);
  }

  acquireInitialRetryToken(scope: string): Promise<Token> {
    return this.standard.acquireInitialRetryToken(scope);
  }

  async refreshRetryTokenForRetry(token: Token, errorInfo: ErrorInfo): Promise<Token> {
    if (errorInfo.errorType !== 'THROTTLING' && token.getRetryCount() + 1 >= this.otherAttempts) {
      throw new Error(`not retried: ${errorInfo.errorType} after ${this.otherAttempts} attempts`);
    }
    return this.standard.refreshRetryTokenForRetry(token, errorInfo);
  }

  recordSuccess(token: Token): void {
    this.standard.recordSuccess(token);
  }
}
