import { regions } from '../regions/index.ts';
import { DynamoApiKeyRepository } from './auth/api-keys.ts';
import { DynamoCustomerRepository } from './customers/customers.repository.ts';
import { CustomerService } from './customers/customers.service.ts';
import { DynamoIdempotencyRegistry } from './customers/idempotency.repository.ts';
import { DynamoExperimentStore } from './experiments/experiments.repository.ts';
import { ExperimentService } from './experiments/experiments.service.ts';
import { DynamoExposureRepository } from './experiments/exposures.repository.ts';
import { DynamoAnalysisRepository } from './insights/analyses.repository.ts';
import { DynamoBatchRepository } from './insights/batches.repository.ts';
import { DynamoCostStore } from './insights/costs.repository.ts';
import { InsightsPersonalData } from './insights/insights.personal-data.ts';
import { InsightsService } from './insights/insights.service.ts';
import { analyzerFor, inferenceFor, segmentAi } from './deps-ai.ts';
import { DynamoJobRepository } from './insights/jobs.repository.ts';
import { DynamoLedgerRepository } from './insights/ledger.repository.ts';
import { DynamoJobRepository as DynamoJobStore } from './jobs/jobs.repository.ts';
import { deploymentJobs } from './deps-jobs.ts';
import { InProcessQueue } from './jobs/queue.ts';
import { DynamoModelRepository, DynamoPredictionRepository } from './predictions/predictions.repository.ts';
import { PredictionService } from './predictions/predictions.service.ts';
import { KeyedHasher } from './privacy/keyed-hash.ts';
import { consentFanOut } from './privacy/objection.ts';
import { DynamoPrivacyRepository } from './privacy/privacy.repository.ts';
import { PrivacyService } from './privacy/privacy.service.ts';
import { Suppression } from './privacy/suppression.ts';
import { DynamoProductRepository } from './products/products.repository.ts';
import { ProductService } from './products/products.service.ts';
import { DynamoPurchaseRepository } from './purchases/purchases.repository.ts';
import { PurchaseService } from './purchases/purchases.service.ts';
import { DynamoAggregateStore, DynamoRecommendationRepository } from './recommendations/recommendations.repository.ts';
import { RecommendationService } from './recommendations/recommendations.service.ts';
import { DynamoAssignmentRepository, DynamoSegmentStore } from './segments/segments.repository.ts';
import { SegmentService } from './segments/segments.service.ts';
import { CredentialCache } from './http/credentials.ts';
import { storefrontFastPath } from './storefront/fast-path.ts';
import { IntelligenceService } from './storefront/intelligence.service.ts';
import { ViewCache } from './storefront/view-cache.ts';
import { documentClient } from './storage/client.ts';
import { LiveRepository } from './streaming/live.repository.ts';
import { DynamoOutbox } from './streaming/outbox.repository.ts';
import { deploymentStreaming } from './streaming/parts.ts';
import { consumeInProcess, readinessOf, type Deployment, type DeploymentConfig } from './deployment.ts';

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

  const customers = new DynamoCustomerRepository(personal, tables.customers);
  const { purchasesDays, inactiveDerivedDays } = region.retention;
  const purchaseStore = new DynamoPurchaseRepository(personal, tables.purchases, purchasesDays, now);
  const predictionStore = new DynamoPredictionRepository(personal, tables.predictions, inactiveDerivedDays, now);
  const assignments = new DynamoAssignmentRepository(personal, tables.segments, inactiveDerivedDays);
  const catalog = new DynamoProductRepository(global, tables.catalog);
  const recommendationStore = new DynamoRecommendationRepository(personal, tables.recommendations, inactiveDerivedDays, now);
  const queue = config.queue ?? new InProcessQueue(`insights-${region.id}`, { auto: true, maxRetries: 5 });
  // Bulk pages (jobs, the daily batch's analyses) have a queue of their own: on-demand work never waits behind them.
  const bulkQueue = config.bulkQueue ?? new InProcessQueue(`insights-${region.id}-bulk`, { auto: true, maxRetries: 5 });

  // Serialized storefront answers and verified credentials: what the fast path answers from.
  const views = new ViewCache(60_000, 50_000, now);
  const credentials = new CredentialCache(now);
  const predictions = new PredictionService({ region, purchases: purchaseStore, customers, catalog, predictions: predictionStore, models: new DynamoModelRepository(global, tables.models), views, now });
  const analysisStore = new DynamoAnalysisRepository(personal, tables.insights, inactiveDerivedDays);
  const costStore = new DynamoCostStore(global, tables.models);
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
  const exposures = new DynamoExposureRepository(personal, tables.exposures);
  const experiments = new ExperimentService({
    region,
    store: new DynamoExperimentStore(global, tables.experiments),
    exposures,
    customers,
    segmentOf: async (id) => (await segments.read(id))?.assignment.segmentId,
    // Views that carry a running variation (intelligence) or the algorithm it picked (recommendations, decision 86).
    definitionsChanged: () => ['intelligence' as const, 'recommendations' as const].forEach((v) => views.forgetView(v)),
    now,
  });
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
    now,
  });
  const privacyStore = new DynamoPrivacyRepository(personal, tables.privacy);
  const hasher = new KeyedHasher(config.privacyKey);
  const suppression = new Suppression(privacyStore, hasher);
  // The profile's owner last: an erasure that stops half-way still finds the customer to resume with.
  const outbox = new DynamoOutbox(personal, tables.events);
  const personalData = [purchaseStore, predictionStore, assignments, new InsightsPersonalData(personal, tables.insights), recommendationStore, exposures, outbox, customers];
  const forget = (id: string) => [views, experiments, predictions, segments, insights.reads, recommendations].forEach((cache) => cache.forget(id));
  const customerService = new CustomerService({ region, customers, idempotency: new DynamoIdempotencyRegistry(global, tables.models), erased: suppression, consent: consentFanOut([insights.consent, predictions, segments, recommendations, { profilingWithdrawn: async (id) => views.forget(id), profilingGranted: async (id) => views.forget(id) }]), now });
  const privacy = new PrivacyService({ region, owners: personalData, customers, privacy: privacyStore, suppression, hasher, queue, forget, now });
  const purchases = new PurchaseService({
    purchases: purchaseStore,
    customers,
    erasedCustomers: (ids) => suppression.erasedCustomers(ids),
    recompute: (ids) => predictions.recompute(ids),
    recomputeLater: async (ids) => {
      for (let i = 0; i < ids.length; i += 100) await queue.send({ kind: 'predictions.recompute', customerIds: ids.slice(i, i + 100) });
    },
    now,
  });
  purchases.onStored((lines) => experiments.afterPurchases(lines));
  const live = new LiveRepository(personal, tables.events, now);
  const { parts: streamingParts, service: streaming } = deploymentStreaming({ region, connection: config.streaming, outbox, live, purchases, erasedCustomers: (ids) => suppression.erasedCustomers(ids), now });
  predictions.onComputed((id, history, prediction) => segments.assign(id, history, prediction));
  predictions.onComputed((id, _history, prediction, customer) => insights.afterRecompute(id, prediction, customer));
  // After segments: the entry uses the customer's segment just assigned.
  predictions.onComputed((id, history, prediction, customer) => recommendations.afterRecompute(id, history, prediction, customer));

  const { jobs, handlers, deadLettered } = deploymentJobs({ region, store: new DynamoJobStore(personal, tables.jobs), bulkQueue, customers, predictions, recommendations, insights, privacy, segments, ...(config.jobPageCustomers ? { perPage: config.jobPageCustomers } : {}), now });
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
      jobs,
    },
    views,
    credentials,
    fastPath: storefrontFastPath({ region, views, credentials, experiments: (id, key, options) => experiments.warm(id, key, options), now }),
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

