/** A sustained rate and the burst a caller may spend at once (the bucket's size). */
export interface Rate {
  perSecond: number;
  burst: number;
}

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (clock ms). */
  at: number;
  /** When the bucket is full again if nothing is taken (clock ms): a full bucket is the same as none. */
  fullAt: number;
}

/**
 * Token buckets by key, in this process or isolate: a bucket holds at most `burst` tokens, refills at
 * `perSecond`, and a request takes one. `take` is one Map lookup and arithmetic; it never waits and never
 * sets a timer. A key seen for the first time starts full. At `maxKeys`, buckets that have refilled are
 * dropped (they are the same as absent), and if that frees less than a tenth, the oldest tenth goes too
 * (each then starts full again, the permissive side): so an insert costs O(1) amortised.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    /** Milliseconds on a clock that only moves forward (performance.now), not the app's business time. */
    private readonly clock: () => number,
    private readonly maxKeys = 100_000,
  ) {}

  /** Takes one token from `key`'s bucket: 0 when it was there, else the whole seconds until one is (≥ 1). */
  take(key: string, rate: Rate): number {
    const now = this.clock();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxKeys) this.sweep(now);
      bucket = { tokens: rate.burst, at: now, fullAt: now };
      this.buckets.set(key, bucket);
    } else if (now > bucket.at) {
      bucket.tokens = Math.min(rate.burst, bucket.tokens + ((now - bucket.at) * rate.perSecond) / 1000);
      bucket.at = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      bucket.fullAt = now + ((rate.burst - bucket.tokens) * 1000) / rate.perSecond;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / rate.perSecond));
  }

  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    const target = this.maxKeys - Math.ceil(this.maxKeys / 10);
    for (const [key, bucket] of this.buckets) if (bucket.fullAt <= now) this.buckets.delete(key);
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= target) break;
      this.buckets.delete(key);
    }
  }
}
