/**
 * `npm start`: the whole system on this machine, no cloud account. `npm run start:node` serves the Node
 * entry instead of workerd on the same stores.
 */
import { parseNodeEnv, splitList } from '../src/config/env.ts';
import { startLocalStack } from '../src/local/stack.ts';

const env = parseNodeEnv(process.env);
const mode = process.argv.includes('--node') ? 'node' : 'workerd';
const log = (line: string) => console.log(`· ${line}`);

const stack = await startLocalStack({
  mode,
  port: env.PORT,
  dataDir: env.CADENCE_DATA_DIR,
  ...(env.CADENCE_ADMIN_KEY ? { adminKey: env.CADENCE_ADMIN_KEY } : {}),
  ...(env.CADENCE_JWT_SECRET ? { jwtSecret: env.CADENCE_JWT_SECRET } : {}),
  demoCustomers: env.CADENCE_DEMO_CUSTOMERS,
  edgeRegion: env.CADENCE_EDGE_REGION,
  ...(env.CADENCE_STORE_PORT ? { storeBasePort: env.CADENCE_STORE_PORT } : {}),
  corsOrigins: splitList(env.CADENCE_CORS_ORIGINS),
  testAccounts: splitList(env.CADENCE_TEST_ACCOUNTS),
  streaming: env.CADENCE_STREAMING === 'on',
  aiEnv: Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => /^(BEDROCK_|CADENCE_AI_|CADENCE_BATCH_|CADENCE_S3_)/.test(e[0]) && e[1] !== undefined)),
  log,
});

const sample = await fetch(`${stack.url}/v1/products?limit=1`, { headers: { authorization: `Bearer ${stack.adminKey}` } });
const demoCustomer = await firstDemoCustomer();

console.log(`
Cadence is running (${mode === 'node' ? 'Node entry' : 'workerd, one Worker per region'}) at ${stack.url}
  data folder:   ${env.CADENCE_DATA_DIR}${stack.seeded ? ` (demo data loaded: ${stack.seeded.customers} customers, ${stack.seeded.purchases} purchase lines)` : ''}
  API docs:      ${stack.url}/docs   (OpenAPI: ${stack.url}/openapi.json)
  operator page: ${stack.url}/dashboard   (log in with the operator key below)
  stores:        EU ${stack.stores.endpoints.EU}, ROW ${stack.stores.endpoints.ROW}, global ${stack.stores.endpoints.GLOBAL}   (fix them with CADENCE_STORE_PORT)
  operator key:  ${stack.adminKey}
  requests enter at ${env.CADENCE_EDGE_REGION}; send "cadence-edge-region: eu-central-1" (or eu-west-1, ap-southeast-2) to enter elsewhere
  catalog check: ${sample.status === 200 ? 'ok' : `HTTP ${sample.status}`}${stack.daily.map((d) => `\n  ${d.jurisdiction} segments: ${'k' in d.segments ? `${d.segments.k} segments of ${d.customers} customers` : `none yet (${d.segments.none})`}`).join('')}
  streaming:     ${stack.kinesis ? `kinesalite ${Object.entries(stack.kinesis.endpoints).map(([r, e]) => `${r} ${e}`).join(', ')}; live figures: GET ${stack.url}/v1/ops/live?jurisdiction=EU` : 'off (CADENCE_STREAMING=off)'}
  AI analysis:   ${env.BEDROCK_ACCESS_KEY_ID && env.BEDROCK_SECRET_ACCESS_KEY ? `Claude on Bedrock${env.BEDROCK_ENDPOINT ? ` at ${env.BEDROCK_ENDPOINT}` : ''}` : 'statistical (no BEDROCK_ACCESS_KEY_ID / BEDROCK_SECRET_ACCESS_KEY set)'}

Try:
  export CADENCE_KEY=${stack.adminKey}
  curl -s ${stack.url}/v1/customers -H "authorization: Bearer $CADENCE_KEY" -H 'content-type: application/json' \\
       -d '{"displayName":"Anna","country":"DE","consents":{"profiling":true}}'
  curl -s ${stack.url}/v1/customers/${demoCustomer ?? '<customer id>'}/predictions -H "authorization: Bearer $CADENCE_KEY"   # or …/purchases
  curl -s "${stack.url}/v1/segments?jurisdiction=EU" -H "authorization: Bearer $CADENCE_KEY"   # …and /v1/customers/<id>/segment
  curl -s -X POST ${stack.url}/v1/customers/${demoCustomer ?? '<customer id>'}/tokens -H "authorization: Bearer $CADENCE_KEY" \\
       -H 'content-type: application/json' -d '{"ttlSeconds":3600}'      # a storefront token for that customer
  (or: npm run cadence -- token --customer ${demoCustomer ?? '<customer id>'})
  curl -s -X POST ${stack.url}/v1/customers/${demoCustomer ?? '<customer id>'}/insights/refresh -H "authorization: Bearer $CADENCE_KEY"   # 202 and a job
  curl -s ${stack.url}/v1/customers/${demoCustomer ?? '<customer id>'}/insights -H "authorization: Bearer $CADENCE_KEY"   # the analysis
  curl -s ${stack.url}/v1/ops/costs -H "authorization: Bearer $CADENCE_KEY"   # AI spend and budgets

Refit the population models, recompute all predictions and re-segment (the Worker does it daily): npm run cadence -- refit
Ctrl-C stops everything; data stays in ${env.CADENCE_DATA_DIR} (delete it to start over).
`);

// Miniflare registers its own exit hook that disposes workerd and exits on SIGINT/SIGTERM; ours runs first,
// and closes the stores too when the Node entry serves (the stores are LevelDB files, safe either way).
let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping…`);
  void stack.stop().then(() => process.exit(0));
};
process.prependListener('SIGINT', () => stop('SIGINT'));
process.prependListener('SIGTERM', () => stop('SIGTERM'));
process.on('exit', () => console.log('stopped.'));

async function firstDemoCustomer(): Promise<string | undefined> {
  const { ScanCommand } = await import('@aws-sdk/lib-dynamodb');
  const { documentClient } = await import('../src/storage/client.ts');
  const { localConnection, homeRegion } = await import('../src/local/bootstrap.ts');
  const doc = documentClient(localConnection(stack.stores.endpoints.EU));
  const res = await doc.send(new ScanCommand({ TableName: homeRegion('EU').tables.customers, Limit: 1, ProjectionExpression: 'customerId' }));
  return res.Items?.[0]?.customerId as string | undefined;
}
