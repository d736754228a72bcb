/**
 * `npm run cadence -- <command>`: operator commands.
 *   api-key --name NAME --scopes a,b [--store]   make an API key; --store writes its hash to the global key
 *                                               table (DYNAMODB_ENDPOINT_GLOBAL, or AWS with default credentials)
 *   token --customer ID [--ttl SECONDS]         mint a storefront token with CADENCE_JWT_SECRET (or the local stack's)
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { regions } from '../regions/index.ts';
import { apiKeyRecord, dynamoApiKeyRepository, generateApiKey, Scope } from '../src/auth/api-keys.ts';
import { MAX_TOKEN_TTL_SECONDS, mintCustomerToken } from '../src/auth/customer-tokens.ts';
import { parseNodeEnv } from '../src/config/env.ts';
import { CUSTOMER_ID_PATTERN } from '../src/shared/ids.ts';
import { documentClient } from '../src/storage/client.ts';

const [command, ...rest] = process.argv.slice(2);
const env = parseNodeEnv(process.env);

function fail(message: string): never {
  console.error(`cadence ${command ?? ''}: ${message}`);
  process.exit(2);
}

async function apiKey(): Promise<void> {
  const { values } = parseArgs({ args: rest, options: { name: { type: 'string' }, scopes: { type: 'string' }, store: { type: 'boolean', default: false } } });
  if (!values.name) fail('--name is required');
  const scopes = (values.scopes ?? '').split(',').filter(Boolean).map((s) => {
    const parsed = Scope.safeParse(s);
    if (!parsed.success) fail(`unknown scope "${s}" (known: ${Scope.options.join(', ')})`);
    return parsed.data;
  });
  if (scopes.length === 0) fail('--scopes is required, e.g. --scopes purchases:write,customers:write');
  const key = generateApiKey();
  const record = await apiKeyRecord(key, values.name, scopes, new Date().toISOString());
  if (values.store) {
    const home = regions.find((r) => r.jurisdiction === 'EU' && r.home)!;
    const doc = documentClient({ region: home.awsRegion, ...(env.DYNAMODB_ENDPOINT_GLOBAL ? { endpoint: env.DYNAMODB_ENDPOINT_GLOBAL } : {}) });
    await dynamoApiKeyRepository(doc, home.tables.apiKeys).put(record);
    console.error(`stored key ${record.keyId} in ${home.tables.apiKeys}`);
  } else {
    console.error(`record to store in ${regions[0]!.tables.apiKeys} (the key itself is not in it):\n${JSON.stringify(record)}`);
  }
  console.log(key);
}

async function token(): Promise<void> {
  const { values } = parseArgs({ args: rest, options: { customer: { type: 'string' }, ttl: { type: 'string', default: '3600' } } });
  if (!values.customer || !CUSTOMER_ID_PATTERN.test(values.customer)) fail('--customer must be a customer id (cus_eu_… or cus_row_…)');
  const ttl = Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl < 60 || ttl > MAX_TOKEN_TTL_SECONDS) fail(`--ttl must be 60..${MAX_TOKEN_TTL_SECONDS} seconds`);
  const localSecrets = join(env.CADENCE_DATA_DIR, 'local-secrets.json');
  const secret = env.CADENCE_JWT_SECRET ?? (existsSync(localSecrets) ? (JSON.parse(readFileSync(localSecrets, 'utf8')) as { jwtSecret: string }).jwtSecret : undefined);
  if (!secret) fail('set CADENCE_JWT_SECRET (or start the local stack once)');
  console.log(await mintCustomerToken(secret, values.customer, ttl));
}

const commands: Record<string, () => Promise<void>> = { 'api-key': apiKey, token };
const run = command ? commands[command] : undefined;
if (!run) fail(`usage: npm run cadence -- <${Object.keys(commands).join('|')}> …`);
await run();
