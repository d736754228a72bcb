import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
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
import { BedrockAnalyzer } from './insights/bedrock.ts';
import { DynamoCostStore } from './insights/costs.repository.ts';
import { InsightsPersonalData } from './insights/insights.personal-data.ts';
import { InsightsService } from './insights/insights.service.ts';
import { DynamoJobRepository } from './insights/jobs.repository.ts';
import { DynamoLedgerRepository } from './insights/ledger.repository.ts';
import { priceOf } from './insights/pricing.ts';
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
import { DynamoAssignmentRepository, DynamoSegmentStore } from './segments/segments.repository.ts';
import { SegmentService } from './segments/segments.service.ts';
import { CredentialCache } from './http/credentials.ts';
import { storefrontFastPath, type FastPath } from './storefront/fast-path.ts';
import { IntelligenceService } from './storefront/intelligence.service.ts';
import { ViewCache } from './storefront/view-cache.ts';
import { documentClient, type DynamoConnection } from './storage/client.ts';
import { storeProbe } from './storage/readiness.ts';
import type { KinesisConnection } from './streaming/kinesis.ts';
import { LiveRepository } from './streaming/live.repository.ts';
import { DynamoOutbox } from './streaming/outbox.repository.ts';
import { deploymentStreaming, type StreamingParts } from './streaming/parts.ts';

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
  /**
   * The jurisdiction's Kinesis stream (its name and AWS region come from the region file); unset: no
   * events are published and the live figures answer `streaming.disabled`.
   */
  streaming?: Omit<KinesisConnection, 'region'>;
}

export type { StreamingParts };

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
  /** Set when the deployment streams events. */
  streaming?: StreamingParts;
}

function analyzerFor(config: DeploymentConfig): BedrockAnalyzer | undefined {
  const bedrock = config.ai?.bedrock;
  if (!bedrock) return undefined;
  const modelId = bedrock.modelId ?? config.region.bedrock.modelId;
  // A model without a price could be called but not charged: refuse to start instead.
  if (!priceOf(modelId)) throw new Error(`no price for Bedrock model ${modelId}: add it to src/insights/pricing.ts`);
  const client = new BedrockRuntimeClient({
    region: config.region.bedrock.region,
    credentials: bedrock.credentials,
    ...(bedrock.endpoint ? { endpoint: bedrock.endpoint } : {}),
    // Throttling and 5xx: the SDK's standard retries, exponential backoff with jitter.
    maxAttempts: 4,
    retryMode: 'standard',
    ...config.bedrockClientOptions,
  });
  return new BedrockAnalyzer(client, modelId);
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
  const queue = config.queue ?? new InProcessQueue(`insights-${region.id}`, { auto: true, maxRetries: 5 });

  // Serialized storefront answers and verified credentials: what the fast path answers from.
  const views = new ViewCache(60_000, 50_000, now);
  const credentials = new CredentialCache(now);
  const predictions = new PredictionService({ region, purchases: purchaseStore, customers, catalog, predictions: predictionStore, models: new DynamoModelRepository(global, tables.models), views, now });
  const segments = new SegmentService({ region, snapshot: () => predictions.snapshot(), customers, assignments, store: new DynamoSegmentStore(global, tables.models), views, now });
  const analyzer = analyzerFor(config);
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
      analyses: new DynamoAnalysisRepository(personal, tables.insights, inactiveDerivedDays),
      jobs: new DynamoJobRepository(personal, tables.insights),
      ledger: new DynamoLedgerRepository(personal, tables.insights),
      batches: new DynamoBatchRepository(personal, tables.insights),
      costs: new DynamoCostStore(global, tables.models),
    },
    queue,
    ...(analyzer ? { analyzer } : {}),
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
    // The intelligence views carry running variations: a definition change forgets them in this isolate.
    definitionsChanged: () => views.forgetView('intelligence'),
    now,
  });
  const privacyStore = new DynamoPrivacyRepository(personal, tables.privacy);
  const hasher = new KeyedHasher(config.privacyKey);
  const suppression = new Suppression(privacyStore, hasher);
  // The profile's owner last: an erasure that stops half-way still finds the customer to resume with.
  const outbox = new DynamoOutbox(personal, tables.events);
  const personalData = [purchaseStore, predictionStore, assignments, new InsightsPersonalData(personal, tables.insights), exposures, outbox, customers];
  const forget = (id: string) => {
    views.forget(id);
    experiments.forget(id);
    predictions.forget(id);
    segments.forget(id);
    insights.reads.forget(id);
  };
  const customerService = new CustomerService({ region, customers, idempotency: new DynamoIdempotencyRegistry(global, tables.models), erased: suppression, consent: consentFanOut([insights.consent, predictions, segments, { profilingWithdrawn: async (id) => views.forget(id), profilingGranted: async (id) => views.forget(id) }]), now });
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

  // An in-process queue is consumed by the jurisdiction's home region when it shares the queue (as
  // Cloudflare allows one consumer per queue), else by whichever region has it.
  const handlers: JobHandlers = {
    ...insights.handlers,
    'privacy.erase': (m) => privacy.erasure.run(m.requestId, m.customerId, m.verify),
    'predictions.recompute': async (m) => void (await predictions.recompute(m.customerIds)),
  };
  const deadLettered = (body: unknown) => insights.jobs.deadLettered(body);
  if (queue instanceof InProcessQueue && (region.home || Object.keys(queue.handlers).length === 0)) {
    queue.handlers = handlers;
    queue.onDeadLetter = deadLettered;
  }
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
      intelligence: new IntelligenceService({ customers: customerService, predictions, segments, insights, experiments, now }),
      experiments,
      streaming,
    },
    views,
    credentials,
    fastPath: storefrontFastPath({ region, views, credentials, experiments: (id, key, options) => experiments.warm(id, key, options), now }),
    queue,
    handlers,
    deadLettered,
    // Readiness: every store this deployment serves from (its jurisdiction's tables and the global ones).
    readiness: {
      [`dynamodb:${region.jurisdiction.toLowerCase()}`]: storeProbe(personal, tables.customers, { customerId: 'readiness-probe' }),
      'dynamodb:global': storeProbe(global, tables.apiKeys, { keyId: 'readiness-probe' }),
    },
    personalData,
    ...(streamingParts ? { streaming: streamingParts } : {}),
    now,
  };
}

