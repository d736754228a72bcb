/**
 * A deterministic sample of a population's customers for the refit (decision 129): the `size` customers
 * whose hashed id is smallest ("bottom-k"), whatever order the scan delivers their lines in. A customer
 * is kept or dropped as a whole; memory holds at most 1.25 times the sample's customers' items at any time.
 */
export class CustomerSample<T> {
  private readonly kept = new Map<string, { hash: number; items: T[] }>();
  private threshold = Number.POSITIVE_INFINITY;
  /** Distinct customers offered (kept or not), and their items. */
  private readonly seen = new Set<string>();
  items = 0;

  constructor(readonly size: number, private readonly seed = 0) {}

  add(customerId: string, item: T): void {
    this.items++;
    this.seen.add(customerId);
    const entry = this.kept.get(customerId);
    if (entry) {
      entry.items.push(item);
      return;
    }
    const hash = hashId(customerId, this.seed);
    if (hash >= this.threshold) return;
    this.kept.set(customerId, { hash, items: [item] });
    if (this.kept.size >= this.size + Math.max(1, this.size >> 2)) this.prune();
  }

  /** Customers offered so far (the population), whether sampled or not. */
  get customers(): number {
    return this.seen.size;
  }

  /** The sample: customer id to items, in no particular order. */
  result(): Map<string, T[]> {
    if (this.kept.size > this.size) this.prune();
    return new Map([...this.kept].map(([id, e]) => [id, e.items]));
  }

  /** Keeps the `size` smallest hashes; later customers must hash below the largest kept to enter. */
  private prune(): void {
    const hashes = [...this.kept.values()].map((e) => e.hash).sort((a, b) => a - b);
    this.threshold = hashes[this.size - 1]! + Number.EPSILON;
    for (const [id, e] of this.kept) if (e.hash >= this.threshold) this.kept.delete(id);
  }
}

/** FNV-1a (32 bits) of the id and a seed, in [0, 1): spreads ids evenly; not a secret. */
export function hashId(id: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // A final avalanche, so that ids differing in their last characters spread over the whole range.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return (h >>> 0) / 4294967296;
}
