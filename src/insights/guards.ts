/**
 * Protections around Bedrock calls, per isolate, with an injected clock so they are tested exactly.
 * A circuit breaker stops calling after repeated failures and lets one trial call through after a pause;
 * a pacer keeps calls under the account's requests-per-minute and tokens-per-minute quotas.
 */
export class CircuitBreaker {
  private failures = 0;
  private openUntil = 0;
  private trial = false;

  constructor(
    private readonly threshold: number,
    private readonly pauseMs: number,
    private readonly now: () => number,
  ) {}

  /** Whether a call may go out now. While open, none may; after the pause, one trial call may. */
  allow(): boolean {
    if (this.failures < this.threshold) return true;
    if (this.now() < this.openUntil || this.trial) return false;
    this.trial = true;
    return true;
  }

  get state(): 'closed' | 'open' | 'half-open' {
    if (this.failures < this.threshold) return 'closed';
    return this.now() < this.openUntil ? 'open' : 'half-open';
  }

  success(): void {
    this.failures = 0;
    this.trial = false;
  }

  failure(): void {
    this.failures++;
    this.trial = false;
    if (this.failures >= this.threshold) this.openUntil = this.now() + this.pauseMs;
  }
}

/** Two token buckets (requests and tokens per minute), refilled continuously. */
export class Pacer {
  private requests: number;
  private tokens: number;
  private last: number;

  constructor(
    private readonly requestsPerMinute: number,
    private readonly tokensPerMinute: number,
    private readonly now: () => number,
  ) {
    this.requests = requestsPerMinute;
    this.tokens = tokensPerMinute;
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    const minutes = (t - this.last) / 60_000;
    this.last = t;
    this.requests = Math.min(this.requestsPerMinute, this.requests + minutes * this.requestsPerMinute);
    this.tokens = Math.min(this.tokensPerMinute, this.tokens + minutes * this.tokensPerMinute);
  }

  /** Milliseconds to wait before a call of about `tokens` tokens may go out (0: now); reserves it when 0. */
  reserve(tokens: number): number {
    this.refill();
    const needRequests = Math.max(0, 1 - this.requests);
    const needTokens = Math.max(0, Math.min(tokens, this.tokensPerMinute) - this.tokens);
    const waitMs = Math.max((needRequests / this.requestsPerMinute) * 60_000, (needTokens / this.tokensPerMinute) * 60_000);
    if (waitMs > 0) return Math.ceil(waitMs);
    this.requests -= 1;
    this.tokens -= tokens;
    return 0;
  }

  /** Corrects the reservation with the tokens the call really used. */
  settle(reserved: number, used: number): void {
    this.tokens -= used - reserved;
  }
}
