import type { CacheName } from '../ops/metrics.ts';

/**
 * How long past its TTL a busy storefront entry is still served while one request re-reads it through the
 * app (stale-while-revalidate, decision 149): an expiry costs one store read in the background, not a wave
 * of requests through the app; an entry nobody asked for in that window is simply a miss.
 */
export const REVALIDATE_WINDOW_MS = 10_000;

/** Who re-reads an entry served past its TTL: one caller, and another after a second if it is still not replaced. */
export class RefreshClaims {
  private readonly claimed = new WeakMap<object, number>();

  claim(entry: object, now: number): boolean {
    const at = this.claimed.get(entry);
    if (at !== undefined && now - at < 1_000) return false;
    this.claimed.set(entry, now);
    return true;
  }
}

/**
 * A small per-isolate cache with a time to live: storefront reads hit memory, not DynamoDB, and an entry
 * is fresh for at most `ttlMs` (writes in this isolate invalidate at once; other isolates and regions catch
 * up within the TTL). An expired entry is kept (until deleted or evicted, least recently used first) so
 * that it can still be served, marked stale, while the store behind it is unreachable.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; storedAt: number }>();
  /** Bumped by every delete, so a read that started before a write cannot put the old value back. */
  private generation = 0;
  private readonly refreshing = new RefreshClaims();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number,
    /** The cache's name in metrics (a fixed name, never data). */
    readonly name: CacheName = 'unnamed',
  ) {}

  /** The entry if it is fresh. */
  get(key: string): { value: V; storedAt: number } | undefined {
    const hit = this.entries.get(key);
    if (!hit || this.now() - hit.storedAt > this.ttlMs) return undefined;
    // Re-insert so iteration order is least recently used first.
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit;
  }

  /** The entry even if expired, as long as it is younger than `maxAgeMs` (stale-if-error). */
  getStale(key: string, maxAgeMs: number): { value: V; storedAt: number } | undefined {
    const hit = this.entries.get(key);
    return hit && this.now() - hit.storedAt <= maxAgeMs ? hit : undefined;
  }

  /**
   * The entry while fresh and for `graceMs` past its TTL (stale-while-revalidate: the caller serves it and
   * has the one request that `claimRefresh` picks read it again).
   */
  getServable(key: string, graceMs: number): { value: V; storedAt: number } | undefined {
    const hit = this.entries.get(key);
    return hit && this.now() - hit.storedAt <= this.ttlMs + graceMs ? hit : undefined;
  }

  /** True, once a second, for a key whose entry is past its TTL: that caller re-reads it. */
  claimRefresh(key: string): boolean {
    const hit = this.entries.get(key);
    const now = this.now();
    return hit !== undefined && now - hit.storedAt > this.ttlMs && this.refreshing.claim(hit, now);
  }

  /** The current generation; pass it to `set` to store only if nothing was deleted since. */
  mark(): number {
    return this.generation;
  }

  set(key: string, value: V, ifGeneration?: number): void {
    if (ifGeneration !== undefined && ifGeneration !== this.generation) return;
    this.entries.delete(key);
    this.entries.set(key, { value, storedAt: this.now() });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(key: string): void {
    this.generation++;
    this.entries.delete(key);
  }

  /** Forgets every entry (what they were read from changed for all). */
  clear(): void {
    this.generation++;
    this.entries.clear();
  }
}
