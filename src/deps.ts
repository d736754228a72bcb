import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { regions } from '../regions/index.ts';
import type { AppDeps } from './app.ts';
import { DynamoApiKeyRepository } from './auth/api-keys.ts';
import type { AiSettings } from './config/env.ts';
import type { DocsAsset } from './http/docs.ts';
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
import type { JobHandlers } from './jobs/messages.ts';
import { InProcessQueue, type JobQueue } from './jobs/queue.ts';
import { DynamoModelRepository, DynamoPredictionRepository } from './predictions/predictions.repository.ts';
import { PredictionService } from './predictions/predictions.service.ts';
import { KeyedHasher } from './privacy/keyed-hash.ts';
import { consentFanOut } from './privacy/objection.ts';
import type { PersonalData } from './privacy/personal-data.ts';
import { DynamoPrivacyRepository } from './privacy/privacy.repository.ts';
import { PrivacyService } from './privacy/privacy.service.ts';
import { Suppression } from './privacy/suppression.ts';
import { DynamoProductRepository } from './products/products.repository.ts';
import { ProductService } from './products/products.service.ts';
import { DynamoPurchaseRepository } from './purchases/purchases.repository.ts';
import { PurchaseService } from './purchases/purchases.service.ts';
import type { Region } from './regions/region.schema.ts';
import type { Peers } from './residency/peers.ts';
import { DynamoAggregateStore, DynamoRecommendationRepository } from './recommendations/recommendations.repository.ts';
import { RecommendationService } from './recommendations/recommendations.service.ts';
import { DynamoAssignmentRepository, DynamoSegmentStore } from './segments/segments.repository.ts';
import { SegmentService } from './segments/segments.service.ts';
import { CredentialCache } from './http/credentials.ts';
import { storefrontFastPath, type FastPath } from './storefront/fast-path.ts';
import { IntelligenceService } from './storefront/intelligence.service.ts';
import { ViewCache } from './storefront/view-cache.ts';
import { documentClient, type DynamoConnection } from './storage/client.ts';
import { storeProbe } from './storage/readiness.ts';

export interface DeploymentConfig {
  region: Region;
  /** The jurisdiction's personal tables, in this region. */
  personal: DynamoConnection;
  /** The global (non-personal) tables, in this region. */
  global: DynamoConnection;
  peers: Peers;
  jwtSecret: string;
  /** The key of the keyed hashes that recognise erased customers (32+ characters; never rotated lightly). */
  privacyKey: string;
  corsOrigins?: readonly string[];
  now?: () => number;
  /** Where jobs go (a Cloudflare Queue in Workers); by default an in-process queue that runs them here. */
  queue?: JobQueue;
  /** Bedrock and budgets; without Bedrock credentials analyses are statistical. */
  ai?: AiSettings;
  /** Options for the Bedrock client (a request handler, retries). */
  bedrockClientOptions?: Record<string, unknown>;
  /** Where the API reference's script comes from (a packaged file, static assets). */
  docsAsset?: DocsAsset;
}

export interface Deployment extends AppDeps {
  /** Warm storefront reads answered from bytes, before the app (undefined: go through the app). */
  fastPath: FastPath;
  queue: JobQueue;
  /** The handlers of every queue message kind (the home region's consumer runs them). */
  handlers: JobHandlers;
  /** What a dead-lettered message leaves behind is cleaned up here. */
  deadLettered(body: unknown): Promise<void>;
  /** Every holder of the jurisdiction's personal data (privacy requests walk it). */
  personalData: readonly PersonalData[];
}

/** Every store this deployment serves from (its jurisdiction's tables and the global ones). */
function readinessOf(region: Region, personal: DynamoDBDocumentClient, global: DynamoDBDocumentClient) {
  return {
    [`dynamodb:${region.jurisdiction.toLowerCase()}`]: storeProbe(personal, region.tables.customers, { customerId: 'readiness-probe' }),
    'dynamodb:global': storeProbe(global, region.tables.apiKeys, { keyId: 'readiness-probe' }),
  };
}

/** An in-process queue is consumed by the jurisdiction's home region when it shares the queue, else by whichever region has it. */
function consumeInProcess(queue: JobQueue, region: Region, handlers: JobHandlers, deadLettered: (body: unknown) => Promise<void>): void {
  if (queue instanceof InProcessQueue && (region.home || Object.keys(queue.handlers).length === 0)) {
    queue.handlers = handlers;
    queue.onDeadLetter = deadLettered;
  }
}

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
  const personalData = [purchaseStore, predictionStore, assignments, new InsightsPersonalData(personal, tables.insights), recommendationStore, exposures, customers];
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
  predictions.onComputed((id, history, prediction) => segments.assign(id, history, prediction));
  predictions.onComputed((id, _history, prediction, customer) => insights.afterRecompute(id, prediction, customer));
  // After segments: the entry uses the customer's segment just assigned.
  predictions.onComputed((id, history, prediction, customer) => recommendations.afterRecompute(id, history, prediction, customer));

  // An in-process queue is consumed by the jurisdiction's home region when it shares the queue (as
  // Cloudflare allows one consumer per queue), else by whichever region has it.
  const handlers: JobHandlers = {
    ...insights.handlers,
    'privacy.erase': (m) => privacy.erasure.run(m.requestId, m.customerId, m.verify),
    'predictions.recompute': async (m) => void (await predictions.recompute(m.customerIds)),
    'segments.name': async (m) => void (await segments.nameSegments(m.runId)),
  };
  const deadLettered = (body: unknown) => insights.jobs.deadLettered(body);
  consumeInProcess(queue, region, handlers, deadLettered);
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
    },
    views,
    credentials,
    fastPath: storefrontFastPath({ region, views, credentials, experiments: (id, key, options) => experiments.warm(id, key, options), now }),
    queue,
    handlers,
    deadLettered,
    // Readiness: every store this deployment serves from (its jurisdiction's tables and the global ones).
    readiness: readinessOf(region, personal, global),
    personalData,
    now,
  };
}
