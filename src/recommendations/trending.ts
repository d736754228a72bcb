import { MIN_SUPPORT } from './model/aggregates.ts';

/** A product bought by many of the jurisdiction's customers in the last hour (the live figures' trending). */
export interface TrendingProduct {
  productId: string;
  orders: number;
  /** Distinct customers who bought it (a lower bound): at least MIN_SUPPORT, or it is not used. */
  customers: number;
}

/** The jurisdiction's trending products with at least `minCustomers` customers (a port: the stream consumer's figures). */
export type TrendingReader = (minCustomers: number) => Promise<readonly TrendingProduct[]>;

export interface TrendingCopy {
  items: readonly TrendingProduct[];
  /** Changes when the list does: part of the rendered answers' cache key. */
  version: string;
}

/** How long an isolate keeps its copy of the trending products (decision 126: the popular fallback's staleness). */
export const TRENDING_MS = 60_000;
const NONE: TrendingCopy = { items: [], version: '-' };

/**
 * The trending products as the popular fallback blends them, read at most once a minute per isolate (no
 * store read per request). A failing read keeps the last copy (or none) for another minute: trending is
 * an extra, never a reason for a recommendations read to fail.
 */
export class TrendingSource {
  private copy: (TrendingCopy & { until: number }) | undefined;
  private loading: Promise<TrendingCopy> | undefined;

  constructor(
    private readonly read: TrendingReader | undefined,
    private readonly now: () => number,
  ) {}

  get(): Promise<TrendingCopy> {
    if (!this.read) return Promise.resolve(NONE);
    if (this.copy && this.copy.until > this.now()) return Promise.resolve(this.copy);
    this.loading ??= this.load(this.read).finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(read: TrendingReader): Promise<TrendingCopy> {
    let items = this.copy?.items ?? [];
    try {
      // The rule is the aggregates' own: never a count of fewer than five customers (checked here again).
      items = (await read(MIN_SUPPORT)).filter((t) => t.customers >= MIN_SUPPORT);
    } catch (err) {
      console.error(JSON.stringify({ level: 'warn', msg: 'trending products unavailable; the popular fallback keeps its last copy', error: String(err) }));
    }
    const version = items.map((t) => `${t.productId}:${t.orders}:${t.customers}`).join(',') || '-';
    this.copy = { items, version, until: this.now() + TRENDING_MS };
    return this.copy;
  }
}
