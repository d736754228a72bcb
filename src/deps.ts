import { regions } from '../regions/index.ts';
import { repositoriesOf } from './deployment.ts';
import { DynamoAccuracyStore } from './accuracy/accuracy.repository.ts';
import { AccuracyService } from './accuracy/accuracy.service.ts';
import { AccuracyPersonalData } from './accuracy/accuracy.personal-data.ts';
import { DynamoApiKeyRepository } from './auth/api-keys.ts';
import { CustomerService } from './customers/customers.service.ts';
import { DynamoIdempotencyRegistry } from './customers/idempotency.repository.ts';
import { DynamoExperimentStore } from './experiments/experiments.repository.ts';
import { ExperimentService } from './experiments/experiments.service.ts';
import { DynamoBatchRepository } from './insights/batches.repository.ts';
import { InsightsPersonalData } from './insights/insights.personal-data.ts';
import { InsightsService } from './insights/insights.service.ts';
import { analyzerFor, inferenceFor, segmentAi } from './deps-ai.ts';
import { DynamoJobRepository } from './insights/jobs.repository.ts';
import { DynamoLedgerRepository } from './insights/ledger.repository.ts';
import { DynamoJobRepository as DynamoJobStore } from './jobs/jobs.repository.ts';
import { deploymentJobs } from './deps-jobs.ts';
import { InProcessQueue } from './jobs/queue.ts';
import { requestActivity } from './shared/activity.ts';
import { PredictionService } from './predictions/predictions.service.ts';
import { testAccountRule } from './predictions/test-accounts.ts';
import { KeyedHasher } from './privacy/keyed-hash.ts';
import { jointOwner } from './privacy/personal-data.ts';
import { consentFanOut } from './privacy/objection.ts';
import { PrivacyService } from './privacy/privacy.service.ts';
import { Suppression } from './privacy/suppression.ts';
import { ProductService } from './products/products.service.ts';
import { cancelledTest } from './purchases/purchases.adjustments.ts';
import { cancelledLineOf } from './purchases/purchases.model.ts';
import { PurchaseService } from './purchases/purchases.service.ts';
import { DynamoAggregateStore } from './recommendations/recommendations.repository.ts';
import { RecommendationService } from './recommendations/recommendations.service.ts';
import { DynamoSegmentStore } from './segments/segments.repository.ts';
import { SegmentService } from './segments/segments.service.ts';
import { CredentialCache } from './http/credentials.ts';
import { RateLimiter } from './ratelimit/limiter.ts';
import { storefrontFastPath } from './storefront/fast-path.ts';
import { IntelligenceService } from './storefront/intelligence.service.ts';
import { ViewCache } from './storefront/view-cache.ts';
import { documentClient } from './storage/client.ts';
import { LiveRepository } from './streaming/live.repository.ts';
import { deploymentStreaming } from './streaming/parts.ts';
import { trendingNow } from './streaming/streaming.service.ts';
import { consumeInProcess, readinessOf, type Deployment, type DeploymentConfig } from './deployment.ts';
import { DashboardService } from './dashboard/dashboard.service.ts';
import { METRICS, metricsSink } from './ops/metrics.ts';
import type { ModelRepository } from './predictions/predictions.repository.ts';
import type { Region } from './regions/region.schema.ts';
import type { StreamingService } from './streaming/streaming.service.ts';

export type { Deployment, DeploymentConfig, StreamingParts } from './deployment.ts';

/**
 * Builds a deployment's dependencies once per isolate or process: SDK clients, repositories, then the
 * services in the order they depend on each other (no forward references); handlers never build clients.
 */
export function deploymentDeps(config: DeploymentConfig): Deployment {
  const personal = documentClient(config.personal);
  const global = documentClient(config.global);
  const { region } = config;
  const { tables } = region;
  const now = config.now ?? Date.now;

  const { customers, purchaseStore, predictionStore, assignments, catalog, recommendationStore, models, analysisStore, costStore, exposures, privacyStore, outbox } = repositoriesOf(region, personal, global, now);
  // In process (the Node entry): deliveries yield to the process's requests for at most 30 s (decision 144).
  const queue = config.queue ?? new InProcessQueue(`insights-${region.id}`, { auto: true, maxRetries: 5, yieldTo: requestActivity });
  // Bulk pages (jobs, the daily batch's analyses) have a queue of their own: on-demand work never waits behind them.
  const bulkQueue = config.bulkQueue ?? new InProcessQueue(`insights-${region.id}-bulk`, { auto: true, maxRetries: 5, yieldTo: requestActivity });

  // Serialized storefront answers and verified credentials: what the fast path answers from.
  const views = new ViewCache(60_000, 50_000, now);
  const credentials = new CredentialCache(now);
  const limiter = new RateLimiter({ region: region.id, ...config.rateLimits });
  const predictions = new PredictionService({ region, purchases: purchaseStore, customers, catalog, predictions: predictionStore, models, views, testAccounts: testAccountRule(config.testAccounts), now });
  const analyzer = analyzerFor(config);
  const inference = inferenceFor(config, analyzer);
  const segments = new SegmentService({
    region,
    snapshot: () => predictions.snapshot(),
    customers,
    assignments,
    store: new DynamoSegmentStore(global, tables.models),
    views,
    ...segmentAi({ region, analyzer, analyses: analysisStore, costs: costStore, queue, now }),
    now,
  });
  const insights = new InsightsService({
    region,
    allRegions: regions,
    customers,
    purchases: purchaseStore,
    catalog,
    predictions: predictionStore,
    currentLineCount: async (id) => (await predictions.read(id))?.stored.lineCount,
    segmentName: (id) => segments.segmentName(id),
    store: {
      analyses: analysisStore,
      jobs: new DynamoJobRepository(personal, tables.insights),
      ledger: new DynamoLedgerRepository(personal, tables.insights),
      batches: new DynamoBatchRepository(personal, tables.insights),
      costs: costStore,
    },
    queue,
    bulkQueue,
    ...(analyzer ? { analyzer } : {}),
    ...(inference ? { inference } : {}),
    budgets: config.ai?.budgets ?? { dailyUsd: 50, monthlyUsd: 1000 },
    views,
    now,
  });
  const experiments = new ExperimentService({
    region,
    store: new DynamoExperimentStore(global, tables.experiments),
    exposures,
    customers,
    segmentOf: async (id) => (await segments.read(id))?.assignment.segmentId,
    cancelledOf: async (id) => cancelledTest(await purchaseStore.allOf(id)),
    // Views that carry a running variation (intelligence) or the algorithm it picked (recommendations, decision 86).
    definitionsChanged: () => ['intelligence' as const, 'recommendations' as const].forEach((v) => views.forgetView(v)),
    now,
  });
  // The consumer's figures, read by the recommendations' popular fallback (trending now) and the live view.
  const live = new LiveRepository(personal, tables.events, now);
  const recommendations = new RecommendationService({
    region,
    snapshot: () => predictions.snapshot(),
    customers,
    segmentOf: async (id) => (await assignments.get(id))?.segmentId,
    segments: () => assignments.all(),
    snapshotsOf: (ids) => predictions.snapshotsOf(ids),
    products: catalog,
    entries: recommendationStore,
    aggregates: new DynamoAggregateStore(personal, tables.recommendations),
    experiments,
    views,
    ...(config.streaming ? { trending: (min: number) => trendingNow(live, region.jurisdiction, now, min) } : {}),
    now,
  });
  const hasher = new KeyedHasher(config.privacyKey);
  const suppression = new Suppression(privacyStore, hasher);
  // The profile's owner last: an erasure that stops half-way still finds the customer to resume with.
  const accuracyStore = new DynamoAccuracyStore(personal, region.tables.predictions, now);
  const accuracyHash = (id: string) => hasher.hash('customer', `accuracy\u0000${id}`);
  const predictionsOwner = jointOwner('predictions', [predictionStore, new AccuracyPersonalData({ store: accuracyStore, hash: accuracyHash, now })]);
  const personalData = [purchaseStore, predictionsOwner, assignments, new InsightsPersonalData(personal, tables.insights), recommendationStore, exposures, outbox, customers];
  const forget = (id: string) => [views, experiments, predictions, segments, insights.reads, recommendations].forEach((cache) => cache.forget(id));
  const customerService = new CustomerService({ region, customers, idempotency: new DynamoIdempotencyRegistry(global, tables.models), erased: suppression, consent: consentFanOut([insights.consent, predictions, segments, recommendations, { profilingWithdrawn: async (id) => views.forget(id), profilingGranted: async (id) => views.forget(id) }]), onChanged: (id) => [views, experiments].forEach((cache) => cache.forget(id)), now });
  const privacy = new PrivacyService({ region, owners: personalData, customers, privacy: privacyStore, suppression, hasher, queue, forget, now });
  const accuracy = accuracyOf(region, accuracyStore, accuracyHash, predictions, now);
  const purchases = new PurchaseService({
    purchases: purchaseStore,
    customers,
    erasedCustomers: (ids) => suppression.erasedCustomers(ids),
    recompute: (ids, options) => predictions.recompute(ids, options),
    recomputeLater: async (ids) => {
      for (let i = 0; i < ids.length; i += 100) await queue.send({ kind: 'predictions.recompute', customerIds: ids.slice(i, i + 100) });
    },
    now,
  });
  conversionListeners(purchases, experiments);
  const { parts: streamingParts, service: streaming } = deploymentStreaming({ region, connection: config.streaming, outbox, live, sources: { purchases, customers: customerService, exposures: experiments.lookup, erasures: privacy.erasure, predictions }, erasedCustomers: (ids) => suppression.erasedCustomers(ids), now });
  predictions.onComputed((id, history, prediction) => segments.assign(id, history, prediction));
  predictions.onComputed((id, _history, prediction, customer) => insights.afterRecompute(id, prediction, customer));
  // After segments: the entry uses the customer's segment just assigned.
  predictions.onComputed((id, history, prediction, customer) => recommendations.afterRecompute(id, history, prediction, customer));

  const { jobs, handlers, deadLettered } = deploymentJobs({ region, store: new DynamoJobStore(personal, tables.jobs), bulkQueue, queue, customers, predictions, recommendations, insights, privacy, segments, ...(config.jobPageCustomers ? { perPage: config.jobPageCustomers } : {}), now });
  consumeInProcess(queue, region, handlers, deadLettered);
  consumeInProcess(bulkQueue, region, handlers, deadLettered);
  return {
    region,
    peers: config.peers,
    apiKeys: new DynamoApiKeyRepository(global, tables.apiKeys),
    jwtSecret: config.jwtSecret,
    corsOrigins: config.corsOrigins ?? [],
    ...(config.docsAsset ? { docsAsset: config.docsAsset } : {}),
    services: {
      customers: customerService,
      purchases,
      products: new ProductService({ catalog, now }),
      predictions,
      segments,
      insights,
      privacy,
      intelligence: new IntelligenceService({ customers: customerService, predictions, segments, insights, experiments, recommendations, now }),
      experiments,
      recommendations,
      streaming,
      accuracy,
      dashboard: operatorDashboard(region, { segments, insights, streaming, experiments, accuracy }, models, now),
      jobs,
    },
    views,
    credentials,
    limiter,
    fastPath: storefrontFastPath({ region, views, credentials, limiter, experiments: (id, key, options) => experiments.warmAnswer(id, key, options), now }),
    queue,
    bulkQueue,
    handlers,
    deadLettered,
    readiness: readinessOf(region, personal, global),
    personalData,
    ...(streamingParts ? { streaming: streamingParts } : {}),
    now,
  };
}


/** The operator page's figures of the deployment's jurisdiction, read through the services that serve the API. */
function operatorDashboard(
  region: Region,
  s: { segments: SegmentService; insights: InsightsService; streaming: StreamingService; experiments: ExperimentService; accuracy: AccuracyService },
  models: ModelRepository,
  now: () => number,
): DashboardService {
  return new DashboardService({
    jurisdiction: region.jurisdiction,
    regionId: region.id,
    jurisdictionRegions: regions.filter((r) => r.jurisdiction === region.jurisdiction).map((r) => r.id),
    segments: async () => {
      const def = await s.segments.current();
      if (!def) return undefined;
      const names = await s.segments.names();
      return { runId: def.runId, createdAt: def.createdAt, segments: def.segments.map((x) => s.segments.named(x, names)) };
    },
    costs: s.insights,
    cacheReads: () => metricsSink().values?.(METRICS.cacheReads.name),
    population: () => models.get(region.jurisdiction),
    live: () => s.streaming.live(),
    production: () => s.accuracy.report(undefined, undefined),
    experiments: s.experiments,
    now,
  });
}

/** Snapshots of what the refit predicted, scored as purchases come (decision 67). */
function accuracyOf(region: DeploymentConfig['region'], store: DynamoAccuracyStore, hash: (id: string) => Promise<string>, predictions: PredictionService, now: () => number) {
  const accuracy = new AccuracyService({ region, store, hash, now });
  predictions.onRefitted((outcome) => accuracy.afterRefit(outcome));
  return accuracy;
}

/** Purchases convert; a cancelled order's conversions are withdrawn from the experiments' results (decision 69). */
function conversionListeners(purchases: PurchaseService, experiments: ExperimentService) {
  purchases.onStored((lines) => experiments.afterPurchases(lines));
  purchases.onStored((lines) => experiments.afterCancellations(lines.map((l) => ({ customerId: l.customerId, orderId: l.orderId, cancelledLineId: cancelledLineOf(l.lineId) }))), { cancellations: true });
}
