import type { ProductRepository } from '../products/products.repository.ts';
import { readThrough } from '../shared/read-through.ts';
import { TtlCache } from '../shared/ttl-cache.ts';
import { DEFAULT_WEIGHTS, type Aggregates } from './model/aggregates.ts';
import { contentIndex, type ContentIndex } from './model/content.ts';
import type { Catalog, CatalogItem } from './model/types.ts';
import type { StoredAggregates } from './stored-aggregates.ts';

/** The catalog as the recommenders see it, with its similarity index. */
export interface CatalogView {
  catalog: Catalog;
  content: ContentIndex;
}

const CATALOG_MS = 5 * 60_000;
const POINTER_MS = 60_000;

/**
 * The whole catalog, read page by page and kept per isolate for five minutes: the rules (never a product
 * missing from it, never a durable owned) and content similarity need every product. A product added
 * shows up in recommendations within that time.
 */
export class CatalogSource {
  private readonly cache: TtlCache<CatalogView>;

  constructor(
    private readonly products: Pick<ProductRepository, 'list'>,
    private readonly now: () => number,
  ) {
    this.cache = new TtlCache(CATALOG_MS, 1, now);
  }

  async get(): Promise<CatalogView> {
    const r = await readThrough(this.cache, 'catalog', () => this.load(), this.now);
    return r!.value;
  }

  private async load(): Promise<CatalogView> {
    const items = new Map<string, CatalogItem>();
    let after: Record<string, unknown> | undefined;
    do {
      const page = await this.products.list({ limit: 100, ...(after ? { after } : {}) });
      for (const p of page.items) items.set(p.id, { productId: p.id, name: p.name, category: p.category, price: p.price, currency: p.currency, packSize: p.packSize, packUnit: p.packUnit, consumable: p.consumable });
      after = page.last;
    } while (after);
    const catalog: Catalog = { known: true, items };
    return { catalog, content: contentIndex(catalog) };
  }
}

/** Before a jurisdiction's first build: no co-purchases, no best sellers, the default weights. */
export const emptyAggregates = (asOfDay: number): Aggregates => ({ asOfDay, customers: 0, popular: [], together: new Map(), repeatRate: new Map(), segments: new Map(), weights: { ...DEFAULT_WEIGHTS }, weightsSource: 'default' });

export interface AggregateReader {
  currentId(): Promise<string | undefined>;
  build(buildId: string): Promise<StoredAggregates | undefined>;
}

/**
 * The jurisdiction's current aggregates: the pointer is read at most once a minute, a build (immutable once
 * written) is kept until another replaces it. A build deleted under a stale pointer is looked up again.
 */
export class AggregateSource {
  /** The current build's id, or null when the jurisdiction has none yet (remembered too: a new shop asks often). */
  private readonly pointer: TtlCache<string | null>;
  private build: StoredAggregates | undefined;

  constructor(
    private readonly store: AggregateReader,
    private readonly now: () => number,
  ) {
    this.pointer = new TtlCache(POINTER_MS, 1, now);
  }

  /** Forgets the pointer (this isolate just wrote a build). */
  replaced(build: StoredAggregates): void {
    this.build = build;
    this.pointer.set('current', build.buildId);
  }

  async get(): Promise<StoredAggregates | undefined> {
    for (const fresh of [false, true]) {
      if (fresh) this.pointer.delete('current');
      const id = (await readThrough(this.pointer, 'current', async () => (await this.store.currentId()) ?? null, this.now))?.value;
      if (!id) return undefined;
      if (this.build?.buildId === id) return this.build;
      const build = await this.store.build(id);
      if (build) return (this.build = build);
    }
    return this.build;
  }
}
