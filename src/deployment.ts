import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoCustomerRepository } from './customers/customers.repository.ts';
import { DynamoExposureRepository } from './experiments/exposures.repository.ts';
import { DynamoAnalysisRepository } from './insights/analyses.repository.ts';
import { DynamoCostStore } from './insights/costs.repository.ts';
import { DynamoModelRepository, DynamoPredictionRepository } from './predictions/predictions.repository.ts';
import { DynamoPrivacyRepository } from './privacy/privacy.repository.ts';
import { DynamoProductRepository } from './products/products.repository.ts';
import { DynamoPurchaseRepository } from './purchases/purchases.repository.ts';
import { DynamoRecommendationRepository } from './recommendations/recommendations.repository.ts';
import { DynamoAssignmentRepository } from './segments/segments.repository.ts';
import { DynamoOutbox } from './streaming/outbox.repository.ts';
import type { AppDeps } from './app.ts';
import type { AiSettings } from './config/env.ts';
import type { DocsAsset } from './http/docs.ts';
import type { JobHandlers } from './jobs/messages.ts';
import { InProcessQueue, type JobQueue } from './jobs/queue.ts';
import type { PersonalData } from './privacy/personal-data.ts';
import type { Region } from './regions/region.schema.ts';
import type { Peers } from './residency/peers.ts';
import type { FastPath } from './storefront/fast-path.ts';
import type { RateLimiterOptions } from './ratelimit/limiter.ts';
import type { DynamoConnection } from './storage/client.ts';
import { storeProbe } from './storage/readiness.ts';
import type { KinesisConnection } from './streaming/kinesis.ts';
import type { StreamingParts } from './streaming/parts.ts';

/** What a deployment is built from and what it gives the entries (src/deps.ts builds it). */
export type { StreamingParts };

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
  /** Test or internal accounts: `id:<glob>` / `email:<glob>` patterns (CADENCE_TEST_ACCOUNTS, decision 69). */
  testAccounts?: readonly string[];
  now?: () => number;
  /** Where jobs go (a Cloudflare Queue in Workers); by default an in-process queue that runs them here. */
  queue?: JobQueue;
  /** Customers per page of a tracked job (default 100; tests make pages small to have many). */
  jobPageCustomers?: number;
  /** Where bulk pages go (a second Cloudflare Queue, `…-bulk`); by default a second in-process queue. */
  bulkQueue?: JobQueue;
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
  /** Per-credential rate limits: the customer tokens' limit, the limiter's clock, the Workers bindings. */
  rateLimits?: Omit<RateLimiterOptions, 'region'>;
}

export interface Deployment extends AppDeps {
  /** Warm storefront reads answered from bytes, before the app (undefined: go through the app). */
  fastPath: FastPath;
  queue: JobQueue;
  /** The bulk queue: job pages and the daily batch's analyses. */
  bulkQueue: JobQueue;
  /** The handlers of every queue message kind (the home region's consumer runs them). */
  handlers: JobHandlers;
  /** What a dead-lettered message leaves behind is cleaned up here. */
  deadLettered(body: unknown): Promise<void>;
  /** Every holder of the jurisdiction's personal data (privacy requests walk it). */
  personalData: readonly PersonalData[];
  /** Set when the deployment streams events. */
  streaming?: StreamingParts;
}

/** Every store this deployment serves from (its jurisdiction's tables and the global ones). */
export function readinessOf(region: Region, personal: DynamoDBDocumentClient, global: DynamoDBDocumentClient) {
  return {
    [`dynamodb:${region.jurisdiction.toLowerCase()}`]: storeProbe(personal, region.tables.customers, { customerId: 'readiness-probe' }),
    'dynamodb:global': storeProbe(global, region.tables.apiKeys, { keyId: 'readiness-probe' }),
  };
}

/** An in-process queue is consumed by the jurisdiction's home region when it shares the queue, else by whichever region has it. */
export function consumeInProcess(queue: JobQueue, region: Region, handlers: JobHandlers, deadLettered: (body: unknown) => Promise<void>): void {
  if (queue instanceof InProcessQueue && (region.home || Object.keys(queue.handlers).length === 0)) {
    queue.handlers = handlers;
    queue.onDeadLetter = deadLettered;
  }
}


/** The deployment's repositories that more than one service shares, on its personal and global tables. */
export function repositoriesOf(region: Region, personal: DynamoDBDocumentClient, global: DynamoDBDocumentClient, now: () => number) {
  const { tables } = region;
  const { purchasesDays, inactiveDerivedDays } = region.retention;
  return {
    customers: new DynamoCustomerRepository(personal, tables.customers),
    purchaseStore: new DynamoPurchaseRepository(personal, tables.purchases, purchasesDays, now),
    predictionStore: new DynamoPredictionRepository(personal, tables.predictions, inactiveDerivedDays, now),
    assignments: new DynamoAssignmentRepository(personal, tables.segments, inactiveDerivedDays),
    catalog: new DynamoProductRepository(global, tables.catalog),
    recommendationStore: new DynamoRecommendationRepository(personal, tables.recommendations, inactiveDerivedDays, now),
    models: new DynamoModelRepository(global, tables.models),
    analysisStore: new DynamoAnalysisRepository(personal, tables.insights, inactiveDerivedDays),
    costStore: new DynamoCostStore(global, tables.models),
    exposures: new DynamoExposureRepository(personal, tables.exposures),
    privacyStore: new DynamoPrivacyRepository(personal, tables.privacy),
    outbox: new DynamoOutbox(personal, tables.events),
  };
}
