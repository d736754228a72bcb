import { metrics } from '../ops/metrics.ts';
import { REVALIDATE_WINDOW_MS, RefreshClaims } from '../shared/ttl-cache.ts';

/** A storefront answer as it goes on the wire: serialized once, when it was computed or first read. */
export interface CachedView {
  body: Uint8Array<ArrayBuffer>;
  etag: string;
  /** When the answer's content was computed (ms), for `Age`; default when it entered the cache. */
  computedAt?: number;
  /** When what the answer was made from was read from the store (ms): the entry expires a TTL after it. */
  readAt?: number;
  storedAt: number;
}

export type ViewName = 'predictions' | 'segment' | 'insights' | 'recommendations' | 'intelligence' | 'experiments';

const key = (customerId: string, view: ViewName, variant: string) => `${customerId}\u0000${view}\u0000${variant}`;

/**
 * The per-isolate cache of serialized storefront answers, per customer, view and variant (a customer
 * token sees a narrower insights view than an operator). The storefront fast path answers from it
 * without parsing, validating or stringifying; anything that changes a customer's data forgets all their
 * entries at once in this isolate, and other isolates' entries expire within the TTL of when what they
 * were made from was read from the store (`readAt`), so a change reaches them within one TTL (plus the
 * re-read of a busy entry, at most REVALIDATE_WINDOW_MS).
 */
export class ViewCache {
  private readonly entries = new Map<string, CachedView>();
  private readonly byCustomer = new Map<string, Set<string>>();
  private generation = 0;
  private readonly revalidating = new RefreshClaims();

  constructor(
    readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number,
  ) {}

  /** The entry while fresh, and for REVALIDATE_WINDOW_MS past its TTL (see `claimRevalidation`). */
  get(customerId: string, view: ViewName, variant = ''): CachedView | undefined {
    const hit = this.entries.get(key(customerId, view, variant));
    if (hit === undefined) {
      metrics.cache('views', 'miss');
      return undefined;
    }
    const now = this.now();
    const age = now - (hit.readAt ?? hit.storedAt);
    if (age > this.ttlMs + REVALIDATE_WINDOW_MS) {
      metrics.cache('views', 'miss');
      return undefined;
    }
    metrics.cache('views', age <= this.ttlMs ? 'hit' : 'revalidate', (now - (hit.computedAt ?? hit.storedAt)) / 1000);
    return hit;
  }

  /**
   * True for the one request that should re-read an entry served past its TTL (its host runs the same
   * request through the app, in the background, which puts the entry back fresh); again a second later
   * if the entry is still not replaced.
   */
  claimRevalidation(entry: CachedView): boolean {
    const now = this.now();
    return now - (entry.readAt ?? entry.storedAt) > this.ttlMs && this.revalidating.claim(entry, now);
  }

  /** The generation to pass to `put`: an entry read before a `forget` is not put back after it. */
  mark(): number {
    return this.generation;
  }

  put(customerId: string, view: ViewName, variant: string, entry: Omit<CachedView, 'storedAt'>, ifGeneration?: number): void {
    if (ifGeneration !== undefined && ifGeneration !== this.generation) return;
    const k = key(customerId, view, variant);
    this.entries.delete(k);
    this.entries.set(k, { ...entry, storedAt: this.now() });
    const keys = this.byCustomer.get(customerId) ?? new Set<string>();
    keys.add(k);
    this.byCustomer.set(customerId, keys);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value!;
      this.entries.delete(oldest);
      this.byCustomer.get(oldest.slice(0, oldest.indexOf('\u0000')))?.delete(oldest);
    }
  }

  /** Forgets one view of every customer (what it embeds changed for all: experiment definitions). */
  forgetView(view: ViewName): void {
    this.generation++;
    for (const k of [...this.entries.keys()]) {
      if (k.split('\u0000')[1] !== view) continue;
      this.entries.delete(k);
      this.byCustomer.get(k.slice(0, k.indexOf('\u0000')))?.delete(k);
    }
  }

  /** Forgets every view of the customer (their data changed, or they were erased). */
  forget(customerId: string): void {
    this.generation++;
    for (const k of this.byCustomer.get(customerId) ?? []) this.entries.delete(k);
    this.byCustomer.delete(customerId);
  }
}
