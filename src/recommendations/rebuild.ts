import type { CustomerRepository } from '../customers/customers.repository.ts';
import type { CustomerSnapshot } from '../predictions/predictions.service.ts';
import type { Region } from '../regions/region.schema.ts';
import { dayOf } from '../shared/days.ts';
import { etagOf } from '../shared/etag.ts';
import { mapLimit } from '../shared/map-limit.ts';
import { computeEntry, type StoredEntry } from './entry.ts';
import { algorithmNamed, DEFAULT_ALGORITHM } from './model/algorithms.ts';
import type { SourceContext } from './model/candidates.ts';
import { fitRecommender } from './model/fit.ts';
import { kMeansSegmenter } from './model/kmeans-segmenter.ts';
import { LIST_HORIZON_DAYS } from './model/replenishment.ts';
import type { RebuildReport } from './recommendations.schemas.ts';
import type { AggregateStore, RecommendationRepository } from './recommendations.repository.ts';
import type { CatalogView } from './sources.ts';
import type { StoredAggregates } from './stored-aggregates.ts';

/** The inner split holds out the population's last 30 days: weights are chosen for what a month brings. */
export const INNER_SPLIT_DAYS = 30;
/** Lists are built for this many items; a request asks for at most 50 after its filters. */
const K = 10;

export interface RebuildDeps {
  region: Region;
  snapshot(): Promise<CustomerSnapshot[]>;
  customers: Pick<CustomerRepository, 'objectors'>;
  /** Every customer's current segment (the segments feature's assignments). */
  segments(): Promise<Map<string, string>>;
  catalog(): Promise<CatalogView>;
  entries: RecommendationRepository;
  aggregates: AggregateStore;
  now: () => number;
}

/** Sources as of a day from a build and the catalog (what every entry of the jurisdiction is computed from). */
export function sourcesOf(build: StoredAggregates['aggregates'], view: CatalogView, asOfDay: number): SourceContext {
  return { aggregates: build, catalog: view.catalog, content: view.content, asOfDay, horizonDays: INNER_SPLIT_DAYS, listDays: LIST_HORIZON_DAYS };
}

export async function entryWithEtag(e: Omit<StoredEntry, 'etag'>): Promise<StoredEntry> {
  return { ...e, etag: await etagOf(JSON.stringify(e)) };
}

/** What a page's entries are computed from: the build, the catalog and the day. */
export interface BuildContext {
  build: StoredAggregates;
  view: CatalogView;
  asOfDay: number;
}

/**
 * The plan of the population job of one jurisdiction (decision 118), in its home region, on its own
 * customers: the aggregates (co-purchases, segment favourites, best sellers, each with a support of at
 * least five customers) and the ranker's weights (an inner time split of the jurisdiction's own
 * purchases) are rebuilt and stored in the jurisdiction's table. The job's pages then recompute every
 * customer's entry with them (`entriesFor`).
 */
export async function fitBuild(d: RebuildDeps): Promise<{ report: Omit<RebuildReport, 'entries'>; build: StoredAggregates }> {
  const started = d.now();
  const builtAt = new Date(started).toISOString();
  // Purchases up to the end of today count, as for the predictions.
  const asOfDay = dayOf(started) + 1;
  // The snapshot leaves out customers who objected to profiling: nothing is derived from their purchases,
  // neither the aggregates nor the weights' inner split.
  const [snapshots, view, segments] = await Promise.all([d.snapshot(), d.catalog(), d.segments()]);
  const options = { catalog: view.catalog, content: view.content, segmenter: kMeansSegmenter(), horizonDays: INNER_SPLIT_DAYS, k: K };
  const fitted = fitRecommender(snapshots, asOfDay, algorithmNamed(DEFAULT_ALGORITHM)!, options, (id) => segments.get(id), snapshots);
  const buildId = `${d.region.jurisdiction.toLowerCase()}-${builtAt.replace(/[-:.]/g, '').toLowerCase()}`;
  const build: StoredAggregates = { buildId, builtAt, aggregates: fitted.aggregates };
  await d.aggregates.put(build);
  const report = {
    jurisdiction: d.region.jurisdiction,
    buildId,
    customers: snapshots.length,
    products: view.catalog.items.size,
    productsWithNeighbours: fitted.aggregates.together.size,
    weights: fitted.aggregates.weights,
    weightsSource: fitted.aggregates.weightsSource,
    ...(fitted.aggregates.innerNdcg !== undefined ? { innerNdcg: Number(fitted.aggregates.innerNdcg.toFixed(4)) } : {}),
    durationMs: d.now() - started,
  };
  return { report, build };
}

/**
 * One page of the job: these customers' entries with the build. Objectors get none (their profile is read
 * just before: a customer who objected while the build ran gets none either). Returns the entries written.
 */
export async function entriesFor(
  d: Pick<RebuildDeps, 'entries' | 'now'> & { segmentOf(id: string): Promise<string | undefined> },
  snapshots: readonly CustomerSnapshot[],
  ctx: BuildContext,
): Promise<number> {
  const src = sourcesOf(ctx.build.aggregates, ctx.view, ctx.asOfDay);
  const computedAt = new Date(d.now()).toISOString();
  const written = await mapLimit([...snapshots], 16, async (s) => {
    const segmentId = await d.segmentOf(s.customerId);
    const entry = await entryWithEtag(computeEntry({ ...s, profiling: true, ...(segmentId ? { segmentId } : {}), src, buildId: ctx.build.buildId, computedAt }));
    return (await d.entries.putIfNotOlder(entry)) ? 1 : 0;
  });
  return written.reduce<number>((a, b) => a + b, 0);
}
