import type { AppDeps } from './app.ts';
import { dynamoApiKeyRepository } from './auth/api-keys.ts';
import { dynamoCustomerRepository } from './customers/customers.repository.ts';
import type { Peers } from './http/peers.ts';
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
  const predictions = predictionService({
    region: config.region,
    purchases,
    catalog,
    predictions: dynamoPredictionRepository(personal, tables.predictions),
    models: dynamoModelRepository(global, tables.models),
    now,
    onComputed: (id, history, prediction) => segments!.assign(id, history, prediction),
  });
  segments = segmentService({
    region: config.region,
    predictions,
    assignments: dynamoAssignmentRepository(personal, tables.segments),
    store: dynamoSegmentStore(global, tables.models),
    now,
  });
  return {
    region: config.region,
    customers: dynamoCustomerRepository(personal, tables.customers),
    purchases,
    catalog,
    predictions,
    segments,
    apiKeys: dynamoApiKeyRepository(global, tables.apiKeys),
    peers: config.peers,
    jwtSecret: config.jwtSecret,
    corsOrigins: config.corsOrigins ?? [],
    now,
  };
}
