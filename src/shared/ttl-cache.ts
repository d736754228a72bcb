/**
 * A small per-isolate cache of served predictions with a time to live: storefront reads hit memory, not
 * DynamoDB, and a stale entry lives at most `ttlMs` (writes in this isolate invalidate at once; other
 * isolates and regions catch up within the TTL). Least recently used entries go first when full.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; storedAt: number }>();
  /** Bumped by every delete, so a read that started before a write cannot put the old value back. */
  private generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number,
  ) {}

  get(key: string): { value: V; storedAt: number } | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (this.now() - hit.storedAt > this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    // Re-insert so iteration order is least recently used first.
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit;
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
}
