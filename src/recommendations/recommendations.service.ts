import type { CustomerRepository } from '../customers/customers.repository.ts';
import { notFound } from '../http/problem.ts';
import type { CustomerPrediction } from '../predictions/model/customer.ts';
import type { CustomerHistory } from '../predictions/model/history.ts';
import { MAX_CLOCK_SKEW_MS } from '../purchases/purchases.schemas.ts';
import { dayOf } from '../shared/days.ts';
import { etagOf } from '../shared/etag.ts';
import { readThrough } from '../shared/read-through.ts';
import { TtlCache } from '../shared/ttl-cache.ts';
import { answer, type Experiment } from './answer.ts';
import { computeEntry, nonPersonalEntry, type StoredEntry } from './entry.ts';
import { algorithmNamed } from './model/algorithms.ts';
import { similarProducts } from './model/content.ts';
import { nameOf } from './model/explain.ts';
import { entryWithEtag, rebuild, sourcesOf, type RebuildDeps } from './rebuild.ts';
import type { RebuildReport, RecommendationsQuery } from './recommendations.schemas.ts';
import type { AggregateStore, RecommendationRepository } from './recommendations.repository.ts';
import { AggregateSource, CatalogSource, emptyAggregates, type AggregateReader } from './sources.ts';

/** The A/B seam: which algorithm an experiment serves this customer (wired where experiments live). */
export type AlgorithmFor = (customerId: string) => Promise<{ algorithm: string; experiment: Experiment } | undefined>;

export interface RecommendationServiceDeps extends Omit<RebuildDeps, 'catalog' | 'aggregates'> {
  customers: Pick<CustomerRepository, 'get' | 'scanPage'>;
  /** The customer's current segment, if any. */
  segmentOf(customerId: string): Promise<string | undefined>;
  products: ConstructorParameters<typeof CatalogSource>[0];
  entries: RecommendationRepository;
  aggregates: AggregateStore & AggregateReader;
  algorithmFor?: AlgorithmFor;
}

/** A served answer: its bytes and validator, and how old the entry behind it is. */
export interface ServedRecommendations {
  body: string;
  etag: string;
  ageSeconds: number;
  stale: boolean;
}

const READ_CACHE_MS = 60_000;

/** A stable short key of a request's parameters (the answer for the same entry and parameters is the same). */
const queryKey = (q: RecommendationsQuery) => JSON.stringify([q.limit, q.context, q.productId ?? '', q.category ?? '', [...(q.exclude ?? [])].sort().join(','), q.maxPrice ?? '']);

/**
 * Recommendations of one jurisdiction: entries computed when purchases arrive and by the daily rebuild,
 * stored in the customer's jurisdiction, read through an isolate cache; each request's answer (filters,
 * context, the experiment's algorithm) is rendered from the entry once and kept as bytes with its ETag.
 */
export class RecommendationService {
  private readonly reads: TtlCache<StoredEntry | null>;
  private readonly rendered: TtlCache<{ body: string; etag: string }>;
  readonly catalog: CatalogSource;
  private readonly builds: AggregateSource;

  constructor(private readonly deps: RecommendationServiceDeps) {
    this.reads = new TtlCache(READ_CACHE_MS, 10_000, deps.now);
    this.rendered = new TtlCache(READ_CACHE_MS, 5_000, deps.now);
    this.catalog = new CatalogSource(deps.products, deps.now);
    this.builds = new AggregateSource(deps.aggregates, deps.now);
  }

  private asOfDay = () => dayOf(this.deps.now() + MAX_CLOCK_SKEW_MS) + 1;

  /** The experiment's algorithm when it names a known one; an unknown name or a failing lookup serves the default. */
  private async assigned(customerId: string) {
    if (!this.deps.algorithmFor) return undefined;
    const a = await this.deps.algorithmFor(customerId).catch((err: unknown) => {
      console.error(JSON.stringify({ level: 'error', msg: 'experiment lookup failed; the default algorithm serves', error: String(err) }));
      return undefined;
    });
    if (a && !algorithmNamed(a.algorithm)) console.error(JSON.stringify({ level: 'warn', msg: 'experiment names an unknown algorithm; the default serves', algorithm: a.algorithm }));
    return a && algorithmNamed(a.algorithm) ? a : undefined;
  }

  /** A customer's recommendations for a request; 404 `customers.notFound`, `products.notFound`. */
  async serve(customerId: string, query: RecommendationsQuery): Promise<ServedRecommendations> {
    const read = await readThrough(this.reads, customerId, async () => (await this.deps.entries.get(customerId)) ?? null, this.deps.now);
    const entry = read?.value ?? undefined;
    if (!entry && !(await this.deps.customers.get(customerId))) {
      this.reads.delete(customerId);
      throw notFound('customer');
    }
    const [view, build, assigned] = await Promise.all([this.catalog.get(), this.builds.get(), this.assigned(customerId)]);
    if (query.productId && !view.catalog.items.has(query.productId)) throw notFound('product');
    const key = [customerId, entry?.etag ?? '-', build?.buildId ?? '-', assigned ? JSON.stringify(assigned) : '-', queryKey(query)].join('|');
    let hit = this.rendered.get(key)?.value;
    if (!hit) {
      const body = JSON.stringify(answer({ customerId, entry, aggregates: build, catalog: view, query, ...(assigned ? { assigned } : {}) }));
      hit = { body, etag: await etagOf(body) };
      this.rendered.set(key, hit);
    }
    return { ...hit, ageSeconds: read?.ageSeconds ?? 0, stale: read?.stale ?? false };
  }

  /** Told by the predictions service after a customer's recompute: the entry follows their purchases. */
  async afterRecompute(customerId: string, history: CustomerHistory, prediction: CustomerPrediction): Promise<void> {
    const customer = await this.deps.customers.get(customerId);
    if (!customer) return;
    if (!customer.consents.profiling.granted) return this.profilingWithdrawn(customerId);
    const [segmentId, view, build] = await Promise.all([this.deps.segmentOf(customerId), this.catalog.get(), this.builds.get()]);
    const asOfDay = this.asOfDay();
    const src = sourcesOf(build?.aggregates ?? emptyAggregates(asOfDay), view, asOfDay);
    const entry = computeEntry({
      customerId,
      history,
      prediction,
      profiling: true,
      ...(segmentId ? { segmentId } : {}),
      src,
      ...(build ? { buildId: build.buildId } : {}),
      computedAt: new Date(this.deps.now()).toISOString(),
    });
    await this.deps.entries.putIfNotOlder(await entryWithEtag(entry));
    this.reads.delete(customerId);
  }

  /** Consent withdrawn: the entry is replaced now by one with nothing personal in it. */
  async profilingWithdrawn(customerId: string): Promise<void> {
    const entry = nonPersonalEntry(customerId, new Date(this.deps.now()).toISOString(), (await this.builds.get())?.aggregates.weightsSource ?? 'default');
    await this.deps.entries.putIfNotOlder(await entryWithEtag(entry));
    this.reads.delete(customerId);
  }

  /** Consent given again: the predictions' recompute tells `afterRecompute`, which makes the entry personal. */
  async profilingGranted(): Promise<void> {}

  /** The population job: aggregates, weights, then every entry (see rebuild.ts). */
  async rebuild(): Promise<RebuildReport> {
    const { report, build } = await rebuild({ ...this.deps, catalog: () => this.catalog.get(), aggregates: this.deps.aggregates });
    this.builds.replaced(build);
    return report;
  }

  /** Catalog products like this one (non-personal). */
  async similar(productId: string, limit: number) {
    const { catalog, content } = await this.catalog.get();
    if (!catalog.items.has(productId)) throw notFound('product');
    const name = nameOf(catalog, productId);
    const items = similarProducts(content, productId, limit).map((s) => {
      const item = catalog.items.get(s.productId)!;
      const what = [s.sameCategory ? 'same category' : undefined, s.sharedWords.length > 0 ? `"${s.sharedWords.slice(0, 2).join(' ')}"` : undefined].filter(Boolean).join(', ');
      return { productId: s.productId, score: Number(s.score.toFixed(4)), evidence: `like ${name}${what ? ` (${what})` : ''}`, ...(item.category ? { category: item.category } : {}), ...(item.price !== undefined ? { price: item.price } : {}) };
    });
    return { productId, algorithm: 'content-v1', items, ...(items.length === 0 ? { empty: { reason: 'no_candidates' as const } } : {}) };
  }

  /** What this jurisdiction's customers buy with this product (its aggregates; pairs of five customers or more). */
  async boughtTogether(productId: string, limit: number) {
    const [{ catalog }, build] = await Promise.all([this.catalog.get(), this.builds.get()]);
    if (!catalog.items.has(productId)) throw notFound('product');
    const name = nameOf(catalog, productId);
    const items = (build?.aggregates.together.get(productId) ?? [])
      .filter((n) => catalog.items.has(n.productId))
      .slice(0, limit)
      .map((n) => {
        const item = catalog.items.get(n.productId)!;
        return { productId: n.productId, score: Number(n.score.toFixed(4)), customers: n.support, evidence: `bought with ${name} by ${Math.max(1, Math.round(100 * n.share))}% of its buyers`, ...(item.category ? { category: item.category } : {}), ...(item.price !== undefined ? { price: item.price } : {}) };
      });
    const empty = items.length > 0 ? undefined : build ? ('no_candidates' as const) : ('no_aggregates_yet' as const);
    return { productId, jurisdiction: this.deps.region.jurisdiction, ...(build ? { builtAt: build.builtAt } : {}), items, ...(empty ? { empty: { reason: empty } } : {}) };
  }

  /** Forgets a customer's cached entry in this isolate. */
  forget(customerId: string): void {
    this.reads.delete(customerId);
  }
}
