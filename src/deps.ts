import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { regions } from '../regions/index.ts';
import type { AppDeps } from './app.ts';
import type { AiSettings } from './config/env.ts';
import { dynamoCostStore } from './insights/costs.repository.ts';
import { priceOf } from './insights/pricing.ts';
import { dynamoInsightsRepository } from './insights/insights.repository.ts';
import { insightsService, type InsightsService } from './insights/insights.service.ts';
import { InProcessQueue, type JobQueue } from './jobs/queue.ts';
import { dynamoApiKeyRepository } from './auth/api-keys.ts';
import { dynamoCustomerRepository } from './customers/customers.repository.ts';
import type { Peers } from './residency/peers.ts';
import { dynamoModelRepository, dynamoPredictionRepository } from './predictions/predictions.repository.ts';
import { predictionService } from './predictions/predictions.service.ts';
import { dynamoAssignmentRepository, dynamoSegmentStore } from './segments/segments.repository.ts';
import { segmentService, type SegmentService } from './segments/segments.service.ts';
import { dynamoProductRepository } from './products/products.repository.ts';
import { dynamoPurchaseRepository } from './purchases/purchases.repository.ts';
import type { Region } from './regions/region.schema.ts';
import { documentClient, type DynamoConnection } from './storage/client.ts';

export interface DeploymentConfig {
  region: Region;
  /** The jurisdiction's personal tables, in this region. */
  personal: DynamoConnection;
  /** The global (non-personal) tables, in this region. */
  global: DynamoConnection;
  peers: Peers;
  jwtSecret: string;
  corsOrigins?: readonly string[];
  now?: () => number;
  /** Where jobs go (a Cloudflare Queue in Workers); by default an in-process queue that runs them here. */
  queue?: JobQueue;
  /** Bedrock and budgets; without Bedrock credentials analyses are statistical. */
  ai?: AiSettings;
  /** Options for the Bedrock client (a request handler, retries). */
  bedrockClientOptions?: Record<string, unknown>;
}

/** Builds the app's dependencies once per isolate or process; handlers never build clients. */
export function deploymentDeps(config: DeploymentConfig): AppDeps {
  const personal = documentClient(config.personal);
  const global = documentClient(config.global);
  const { tables } = config.region;
  const now = config.now ?? Date.now;
  const purchases = dynamoPurchaseRepository(personal, tables.purchases);
  const catalog = dynamoProductRepository(global, tables.catalog);
  // Predictions tell segments about every customer they recompute; segments read predictions' snapshots.
  let segments: SegmentService | undefined;
  let insights: InsightsService | undefined;
  const customers = dynamoCustomerRepository(personal, tables.customers);
  const predictionsStore = dynamoPredictionRepository(personal, tables.predictions);
  const predictions = predictionService({
    region: config.region,
    purchases,
    catalog,
    predictions: predictionsStore,
    models: dynamoModelRepository(global, tables.models),
    now,
    onComputed: async (id, history, prediction) => {
      await segments!.assign(id, history, prediction);
      await insights!.afterRecompute(id, prediction);
    },
  });
  segments = segmentService({
    region: config.region,
    predictions,
    assignments: dynamoAssignmentRepository(personal, tables.segments),
    store: dynamoSegmentStore(global, tables.models),
    now,
  });
  const queue = config.queue ?? new InProcessQueue(`insights-${config.region.id}`, { auto: true, maxRetries: 5 });
  const ai = config.ai ?? { budgets: { dailyUsd: 50, monthlyUsd: 1000 } };
  const modelId = ai.bedrock?.modelId ?? config.region.bedrock.modelId;
  // A model without a price could be called but not charged: refuse to start instead.
  if (ai.bedrock && !priceOf(modelId)) throw new Error(`no price for Bedrock model ${modelId}: add it to src/insights/pricing.ts`);
  insights = insightsService({
    region: config.region,
    allRegions: regions,
    customers,
    purchases,
    catalog,
    predictionsStore,
    segments,
    insights: dynamoInsightsRepository(personal, tables.insights),
    costs: dynamoCostStore(global, tables.models),
    queue,
    ...(ai.bedrock
      ? {
          bedrock: {
            client: new BedrockRuntimeClient({
              region: config.region.bedrock.region,
              credentials: ai.bedrock.credentials,
              ...(ai.bedrock.endpoint ? { endpoint: ai.bedrock.endpoint } : {}),
              // Throttling and 5xx: the SDK's standard retries, exponential backoff with jitter.
              maxAttempts: 4,
              retryMode: 'standard',
              ...config.bedrockClientOptions,
            }),
            modelId,
          },
        }
      : {}),
    budgets: ai.budgets,
    now,
  });
  // An in-process queue is consumed by the jurisdiction's home region when it shares the queue (as
  // Cloudflare allows one consumer per queue), else by whichever region has it.
  if (queue instanceof InProcessQueue && (config.region.home || Object.keys(queue.handlers).length === 0)) {
    queue.handlers = insights.handlers;
    queue.onDeadLetter = insights.deadLetter;
  }
  return {
    region: config.region,
    customers,
    purchases,
    catalog,
    predictions,
    segments,
    insights,
    queue,
    apiKeys: dynamoApiKeyRepository(global, tables.apiKeys),
    peers: config.peers,
    jwtSecret: config.jwtSecret,
    corsOrigins: config.corsOrigins ?? [],
    now,
  };
}
