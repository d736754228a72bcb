import { z } from 'zod';
import type { CustomerRepository } from '../customers/customers.repository.ts';
import { objectsToProfiling } from '../customers/customers.model.ts';
import type { Customer } from '../customers/customers.schemas.ts';
import type { ExperimentService } from '../experiments/experiments.service.ts';
import { notFound } from '../http/problem.ts';
import type { CustomerPrediction } from '../predictions/model/customer.ts';
import type { CustomerHistory } from '../predictions/model/history.ts';
import type { CustomerSnapshot } from '../predictions/predictions.service.ts';
import { MAX_CLOCK_SKEW_MS } from '../purchases/purchases.schemas.ts';
import { dayOf } from '../shared/days.ts';
import { etagOf } from '../shared/etag.ts';
import { readThrough } from '../shared/read-through.ts';
import { TtlCache } from '../shared/ttl-cache.ts';
import type { ViewCache } from '../storefront/view-cache.ts';
import { answer, type Experiment } from './answer.ts';
import { computeEntry, type StoredEntry } from './entry.ts';
import { algorithmNamed } from './model/algorithms.ts';
import { similarProducts } from './model/content.ts';
import { nameOf } from './model/explain.ts';
import { entriesFor, entryWithEtag, fitBuild, sourcesOf, type RebuildDeps } from './rebuild.ts';
import type { RebuildReport, RecommendationsQuery } from './recommendations.schemas.ts';
import type { AggregateStore, RecommendationRepository } from './recommendations.repository.ts';
import { AggregateSource, CatalogSource, emptyAggregates, type AggregateReader } from './sources.ts';
import { TrendingSource, type TrendingReader } from './trending.ts';

export interface RecommendationServiceDeps extends Omit<RebuildDeps, 'catalog' | 'aggregates'> {
  customers: Pick<CustomerRepository, 'get' | 'objectors'>;
  /** The customer's current segment, if any. */
  segmentOf(customerId: string): Promise<string | undefined>;
  /** These customers' histories and predictions (a page of the population job). */
  snapshotsOf(customerIds: readonly string[]): Promise<CustomerSnapshot[]>;
  products: ConstructorParameters<typeof CatalogSource>[0];
  entries: RecommendationRepository;
  aggregates: AggregateStore & AggregateReader;
  /** The A/B seam: a running experiment on the 'recommendations' surface picks the algorithm per variant. */
  experiments?: Pick<ExperimentService, 'variantFor'>;
  /** The storefront's serialized views, forgotten whenever the customer's entry changes. */
  views?: ViewCache;
  /** The jurisdiction's products trending now (the live figures), blended into the popular fallback. */
  trending?: TrendingReader;
}

/** What a recommendations variant's `value` names (docs/experiments.md, "The recommendations seam"). */
const VariantValue = z.object({ algorithm: z.string() });

/** A customer as a read sees them: their entry (if any) and whether they objected to profiling. */
interface CustomerRead {
  entry: StoredEntry | undefined;
  objected: boolean;
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
  private readonly reads: TtlCache<CustomerRead>;
  private readonly rendered: TtlCache<{ body: string; etag: string }>;
  readonly catalog: CatalogSource;
  private readonly builds: AggregateSource;
  private readonly trending: TrendingSource;

  constructor(private readonly deps: RecommendationServiceDeps) {
    this.reads = new TtlCache(READ_CACHE_MS, 10_000, deps.now);
    this.rendered = new TtlCache(READ_CACHE_MS, 5_000, deps.now);
    this.catalog = new CatalogSource(deps.products, deps.now);
    this.builds = new AggregateSource(deps.aggregates, deps.now);
    this.trending = new TrendingSource(deps.trending, deps.now);
  }

  private asOfDay = () => dayOf(this.deps.now() + MAX_CLOCK_SKEW_MS) + 1;

  /**
   * The algorithm the running 'recommendations' experiment gives this customer, when it names a known one
   * that can serve them (a personal one cannot serve a customer with no personal list). The exposure is
   * recorded only then, and only when `expose`: a variant that is not shown is not an exposure. Nothing
   * running, the customer outside it, an unknown name or a failing lookup: the default serves.
   */
  private async assigned(customerId: string, personal: boolean, expose: boolean): Promise<{ algorithm: string; experiment: Experiment } | undefined> {
    const experiments = this.deps.experiments;
    if (!experiments) return undefined;
    try {
      const looked = await experiments.variantFor(customerId, 'recommendations', { expose: false });
      if (!looked) return undefined;
      const named = VariantValue.safeParse(looked.value);
      const algorithm = named.success ? algorithmNamed(named.data.algorithm) : undefined;
      if (!algorithm) {
        console.error(JSON.stringify({ level: 'warn', msg: 'experiment names no known algorithm; the default serves', experimentKey: looked.experimentKey, variationKey: looked.variationKey }));
        return undefined;
      }
      if (algorithm.personal && !personal) return undefined;
      const shown = expose ? await experiments.variantFor(customerId, 'recommendations', { expose: true }) : looked;
      if (!shown || shown.variationKey !== looked.variationKey || shown.phase !== looked.phase) return undefined;
      return { algorithm: algorithm.name, experiment: { experimentKey: shown.experimentKey, phase: shown.phase, variationKey: shown.variationKey } };
    } catch (err) {
      console.error(JSON.stringify({ level: 'error', msg: 'experiment lookup failed; the default algorithm serves', error: String(err) }));
      return undefined;
    }
  }

  /** The customer's entry and objection through the isolate cache; undefined for an unknown customer. */
  private async customerRead(customerId: string) {
    return readThrough(
      this.reads,
      customerId,
      async () => {
        const [entry, customer] = await Promise.all([this.deps.entries.get(customerId), this.deps.customers.get(customerId)]);
        return customer ? { entry, objected: objectsToProfiling(customer) } : undefined;
      },
      this.deps.now,
    );
  }

  /**
   * A customer's recommendations for a request; 404 `customers.notFound`, `products.notFound`. A customer
   * who objected to profiling gets the non-personal list whatever is stored for them. `expose: false`
   * looks at the experiment's variant without recording an exposure (the intelligence view).
   */
  async serve(customerId: string, query: RecommendationsQuery, options: { expose?: boolean } = {}): Promise<ServedRecommendations> {
    const read = await this.customerRead(customerId);
    if (!read) throw notFound('customer');
    const { objected } = read.value;
    const entry = objected ? undefined : read.value.entry;
    const [view, build, assigned, trending] = await Promise.all([this.catalog.get(), this.builds.get(), this.assigned(customerId, entry?.personal === true, options.expose ?? true), this.trending.get()]);
    if (query.productId && !view.catalog.items.has(query.productId)) throw notFound('product');
    const key = [customerId, objected ? 'objected' : (entry?.etag ?? '-'), build?.buildId ?? '-', assigned ? JSON.stringify(assigned) : '-', trending.version, queryKey(query)].join('|');
    let hit = this.rendered.get(key)?.value;
    if (!hit) {
      const body = JSON.stringify(answer({ customerId, entry, objected, aggregates: build, trending: trending.items, catalog: view, query, ...(assigned ? { assigned } : {}) }));
      hit = { body, etag: await etagOf(body) };
      this.rendered.set(key, hit);
    }
    return { ...hit, ageSeconds: read.ageSeconds, stale: read.stale };
  }

  /** Told by the predictions service after a customer's recompute: the entry follows their purchases. */
  async afterRecompute(customerId: string, history: CustomerHistory, prediction: CustomerPrediction, known?: Customer): Promise<void> {
    const customer = known ?? (await this.deps.customers.get(customerId));
    if (!customer) return;
    if (objectsToProfiling(customer)) return this.profilingWithdrawn(customerId);
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
    this.forget(customerId);
  }

  /** An objection to profiling: the entry goes, and is not made again until consent (reads serve best sellers). */
  async profilingWithdrawn(customerId: string): Promise<void> {
    await this.deps.entries.eraseOf(customerId);
    this.forget(customerId);
  }

  /** Consent given again: the predictions' recompute tells `afterRecompute`, which makes the entry again. */
  async profilingGranted(customerId: string): Promise<void> {
    this.forget(customerId);
  }

  /** The population job's plan: aggregates and weights, stored (see rebuild.ts and rebuild.job.ts). */
  async fitBuild(): Promise<Omit<RebuildReport, 'entries'>> {
    const { report, build } = await fitBuild({ ...this.deps, catalog: () => this.catalog.get(), aggregates: this.deps.aggregates });
    this.builds.replaced(build);
    this.forgetAll();
    return report;
  }

  /** One page of the population job: these customers' entries with the current build; the entries written. */
  async entriesPage(customers: readonly Customer[]): Promise<number> {
    const build = await this.deps.aggregates.current();
    if (!build) return 0;
    const asOfDay = dayOf(Date.parse(build.builtAt)) + 1;
    const snapshots = await this.deps.snapshotsOf(customers.filter((c) => !objectsToProfiling(c)).map((c) => c.id));
    const written = await entriesFor(this.deps, snapshots, { build, view: await this.catalog.get(), asOfDay });
    this.forgetAll();
    return written;
  }

  /** Every entry, and the lists of customers without one, changed with the build: this isolate forgets them. */
  private forgetAll(): void {
    this.reads.clear();
    this.deps.views?.forgetView('recommendations');
    this.deps.views?.forgetView('intelligence');
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

  /** Forgets a customer's cached entry and serialized views in this isolate (their entry changed, or they were erased). */
  forget(customerId: string): void {
    this.reads.delete(customerId);
    this.deps.views?.forget(customerId);
  }
}
