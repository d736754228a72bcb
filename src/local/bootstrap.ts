import { regions } from '../../regions/index.ts';
import { apiKeyRecord, DynamoApiKeyRepository, type Scope } from '../auth/api-keys.ts';
import type { Jurisdiction, Region } from '../regions/region.schema.ts';
import type { RateLimitSetting } from '../ratelimit/limits.ts';
import { documentClient, dynamoClient, type DynamoConnection } from '../storage/client.ts';
import { ensureTables, globalTableDefinitions, jurisdictionTableDefinitions } from '../storage/tables.ts';
import type { StoreName } from './dynamo-stores.ts';

export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** The connection of a local store, as every local component (Node, Worker, tests) reaches it. */
export function localConnection(endpoint: string, region = 'eu-central-1'): DynamoConnection {
  return { region, endpoint, credentials: LOCAL_CREDENTIALS };
}

export function homeRegion(jurisdiction: Jurisdiction): Region {
  return regions.find((r) => r.jurisdiction === jurisdiction && r.home)!;
}

/** Creates every table in the store that holds it: personal tables per jurisdiction, global ones once. */
export async function createLocalTables(endpoints: Record<StoreName, string>): Promise<void> {
  for (const jurisdiction of ['EU', 'ROW'] as const) {
    await ensureTables(dynamoClient(localConnection(endpoints[jurisdiction])), jurisdictionTableDefinitions(homeRegion(jurisdiction)));
  }
  await ensureTables(dynamoClient(localConnection(endpoints.GLOBAL)), globalTableDefinitions(regions[0]!));
}

/** Stores an API key's hash in the global key table (the key itself is never stored). */
export async function registerApiKey(globalEndpoint: string, key: string, name: string, scopes: Scope[], rateLimit?: RateLimitSetting): Promise<void> {
  const repo = new DynamoApiKeyRepository(documentClient(localConnection(globalEndpoint)), regions[0]!.tables.apiKeys);
  await repo.put(await apiKeyRecord(key, name, scopes, new Date().toISOString(), rateLimit));
}
