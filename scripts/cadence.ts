/**
 * `npm run cadence -- <command>`: operator commands.
 *   api-key --name NAME --scopes a,b [--rate-limit TIER|PER_S/BURST] [--store]   make an API key; --store writes
 *                                               its hash to the global key table (DYNAMODB_ENDPOINT_GLOBAL, or AWS
 *                                               with default credentials); --rate-limit: standard, operator, orders,
 *                                               unlimited or e.g. 20/100 (default: the tier its scopes call for)
 *   token --customer ID [--ttl SECONDS]         mint a storefront token with CADENCE_JWT_SECRET (or the local stack's)
 *   predict --transactions FILE --as-of DATE --horizon-days N --level customer|product --out FILE
 *   backtest --transactions FILE --as-of DATE --holdout-end DATE [--level customer|product] [--min-purchases N]
 *   dataset cdnow|online-retail|online-retail-catalog --source FILE --out FILE   convert a research data set with its protocol
 *   dataset grocery --out FILE [--catalog-out FILE] [--customers 1000] [--seed 7]   generate the grocery shop
 *   refit [--url URL] [--key KEY]                 refit both jurisdictions' population models and segments on a running stack
 *   simulate [--days 30]                          replay the local stack's last N days of purchases on a simulated clock, a refit a day (local stack only)
 *   segment --transactions FILE --as-of DATE --out FILE [--k-min 5] [--k-max 7] [--seed 42]
 *   recommend --transactions FILE --as-of DATE --k 10 --out FILE [--algorithm NAME] [--catalog FILE]
 *   evaluate-recs --transactions FILE --as-of DATE --holdout-end DATE --k 10 [--catalog FILE]
 *   import --transactions FILE [--url URL] [--key KEY] [--country XX] [--currency EUR] [--state FILE]
 *                                               bulk-load an order export through the purchases API; resumable
 */
import { parseArgs } from 'node:util';

const USAGE = `
  api-key --name NAME --scopes a,b [--rate-limit TIER|PER_S/BURST] [--store]
  token --customer ID [--ttl SECONDS]
  predict --transactions FILE --as-of DATE --horizon-days N --level customer|product --out FILE
  backtest --transactions FILE --as-of DATE --holdout-end DATE [--level customer|product] [--min-purchases N]
  dataset cdnow|online-retail|online-retail-catalog --source FILE --out FILE
  dataset grocery --out FILE [--catalog-out FILE] [--customers 1000] [--seed 7]
  refit [--url URL] [--key KEY]
  simulate [--days 30]
  segment --transactions FILE --as-of DATE --out FILE [--k-min 5] [--k-max 7] [--seed 42]
  recommend --transactions FILE --as-of DATE --k 10 --out FILE [--algorithm NAME] [--catalog FILE]
  evaluate-recs --transactions FILE --as-of DATE --holdout-end DATE --k 10 [--catalog FILE]
  import --transactions FILE [--url URL] [--key KEY] [--country XX] [--currency EUR] [--state FILE] [--concurrency 4] [--batch-orders 500]
`;
import { regions } from '../regions/index.ts';
import { backtest, type Level } from '../src/cli/backtest.ts';
import { cdnowToCsv, onlineRetailToCsv } from '../src/cli/datasets.ts';
import { printBacktest } from '../src/cli/report.ts';
import { printSegments, segmentFile } from '../src/cli/segment.ts';
import { SegmentationError } from '../src/segments/model/clustering.ts';
import { writePredictions } from '../src/cli/predict.ts';
import { readCatalog } from '../src/cli/catalog.ts';
import { groceryToCsv, onlineRetailCatalogToCsv } from '../src/cli/shop-datasets.ts';
import { evaluateRecs, printRecsEvaluation } from '../src/cli/evaluate-recs.ts';
import { algorithmOrFail, fitOnTransactions, requireProducts, writeRecommendations } from '../src/cli/recommend.ts';
import { InputError, parseDay, readTransactions } from '../src/cli/transactions.ts';
import { apiKeyRecord, DynamoApiKeyRepository, generateApiKey, Scope } from '../src/auth/api-keys.ts';
import { MAX_TOKEN_TTL_SECONDS, mintCustomerToken } from '../src/auth/customer-tokens.ts';
import { parseNodeEnv } from '../src/config/env.ts';
import { readLocalSecrets } from '../src/local/secrets.ts';
import { parseRateLimit, type RateLimitSetting } from '../src/ratelimit/limits.ts';
import { refitAndSegment } from '../src/local/refit.ts';
import { simulate } from '../src/local/simulate.ts';
import { CUSTOMER_ID_PATTERN } from '../src/residency/jurisdiction.ts';
import { importCommand } from '../src/cli/import-command.ts';
import { localConnection } from '../src/local/bootstrap.ts';
import { readStackFile } from '../src/local/stack-file.ts';
import { documentClient } from '../src/storage/client.ts';

const [command, ...rest] = process.argv.slice(2);
const env = parseNodeEnv(process.env);

function fail(message: string): never {
  console.error(`cadence ${command ?? ''}: ${message}`);
  process.exit(2);
}

async function apiKey(): Promise<void> {
  const { values } = parseArgs({ args: rest, options: { name: { type: 'string' }, scopes: { type: 'string' }, 'rate-limit': { type: 'string' }, store: { type: 'boolean', default: false } } });
  if (!values.name) fail('--name is required');
  const scopes = (values.scopes ?? '').split(',').filter(Boolean).map((s) => {
    const parsed = Scope.safeParse(s);
    if (!parsed.success) fail(`unknown scope "${s}" (known: ${Scope.options.join(', ')})`);
    return parsed.data;
  });
  if (scopes.length === 0) fail('--scopes is required, e.g. --scopes purchases:write,customers:write');
  let rateLimit: RateLimitSetting | undefined;
  try {
    rateLimit = values['rate-limit'] === undefined ? undefined : parseRateLimit(values['rate-limit']);
  } catch (err) {
    fail(`--rate-limit: ${(err as Error).message}`);
  }
  const key = generateApiKey();
  const record = await apiKeyRecord(key, values.name, scopes, new Date().toISOString(), rateLimit);
  if (values.store) {
    const home = regions.find((r) => r.jurisdiction === 'EU' && r.home)!;
    // The global store: DYNAMODB_ENDPOINT_GLOBAL, else the running local stack's, else AWS (with its credentials).
    const local = readStackFile(env.CADENCE_DATA_DIR);
    const connection = env.DYNAMODB_ENDPOINT_GLOBAL
      ? { region: home.awsRegion, endpoint: env.DYNAMODB_ENDPOINT_GLOBAL }
      : local
        ? localConnection(local.endpoints.GLOBAL, home.awsRegion)
        : { region: home.awsRegion };
    try {
      await new DynamoApiKeyRepository(documentClient(connection), home.tables.apiKeys).put(record);
    } catch (err) {
      fail(`could not store the key (${err instanceof Error ? err.name : String(err)}): start the local stack (npm start), or set DYNAMODB_ENDPOINT_GLOBAL, or AWS credentials for ${home.awsRegion}`);
    }
    console.error(`stored key ${record.keyId} in ${home.tables.apiKeys}${local && !env.DYNAMODB_ENDPOINT_GLOBAL ? ` of the local stack at ${local.url}` : ''}`);
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
  const secret = env.CADENCE_JWT_SECRET ?? readLocalSecrets(env.CADENCE_DATA_DIR).jwtSecret;
  if (!secret) fail('set CADENCE_JWT_SECRET (or start the local stack once)');
  console.log(await mintCustomerToken(secret, values.customer, ttl));
}

function day(flag: string, value: string | undefined): number {
  const d = value === undefined ? undefined : parseDay(value);
  if (d === undefined) fail(`--${flag} must be an ISO date (YYYY-MM-DD)`);
  return d;
}

function level(value: string | undefined): Level {
  if (value !== 'customer' && value !== 'product') fail('--level must be customer or product');
  return value;
}

async function load(file: string | undefined) {
  if (!file) fail('--transactions FILE is required');
  const progress = (n: number) => process.stderr.write(`\rread ${n.toLocaleString('en')} rows…`);
  try {
    const rows = await readTransactions(file, progress);
    process.stderr.write(`\rread ${rows.length.toLocaleString('en')} rows from ${file}\n`);
    return rows;
  } catch (err) {
    if (err instanceof InputError || (err as NodeJS.ErrnoException).code === 'ENOENT') fail((err as Error).message);
    throw err;
  }
}

async function predict(): Promise<void> {
  const { values } = parseArgs({ args: rest, options: { transactions: { type: 'string' }, 'as-of': { type: 'string' }, 'horizon-days': { type: 'string' }, level: { type: 'string', default: 'customer' }, out: { type: 'string' } } });
  const asOfDay = day('as-of', values['as-of']);
  const horizonDays = Number(values['horizon-days']);
  if (!Number.isInteger(horizonDays) || horizonDays < 1 || horizonDays > 3650) fail('--horizon-days must be a whole number of days, 1..3650');
  if (!values.out) fail('--out FILE is required');
  const lvl = level(values.level);
  const rows = await writePredictions(await load(values.transactions), { asOfDay, horizonDays, level: lvl, out: values.out });
  process.stderr.write(`wrote ${rows} ${lvl} rows to ${values.out}\n`);
}

async function backtestCommand(): Promise<void> {
  const { values } = parseArgs({ args: rest, options: { transactions: { type: 'string' }, 'as-of': { type: 'string' }, 'holdout-end': { type: 'string' }, level: { type: 'string', default: 'customer' }, 'min-purchases': { type: 'string', default: '1' } } });
  const asOfDay = day('as-of', values['as-of']);
  const endDay = day('holdout-end', values['holdout-end']);
  if (endDay < asOfDay) fail('--holdout-end must not be before --as-of');
  const minPurchases = Number(values['min-purchases']);
  if (!Number.isInteger(minPurchases) || minPurchases < 1) fail('--min-purchases must be a positive whole number');
  const result = backtest(await load(values.transactions), { asOfDay, endDay, level: level(values.level), minPurchases });
  printBacktest(`backtest, as-of ${values['as-of']}, holdout to ${values['holdout-end']}`, result);
}

async function dataset(): Promise<void> {
  const [name, ...args] = rest;
  const { values } = parseArgs({ args, options: { source: { type: 'string' }, out: { type: 'string' }, 'catalog-out': { type: 'string' }, customers: { type: 'string', default: '1000' }, returns: { type: 'boolean', default: false }, seed: { type: 'string', default: '7' } } });
  if (!values.out) fail('--out FILE is required');
  if (name === 'grocery') {
    const [customers, seed] = [Number(values.customers), Number(values.seed)];
    if (!Number.isInteger(customers) || customers < 1 || customers > 1_000_000 || !Number.isInteger(seed)) fail('--customers must be 1..1000000 and --seed a whole number');
    const n = await groceryToCsv(values.out, values['catalog-out'], { customers, seed });
    process.stderr.write(`wrote ${n} rows to ${values.out}${values['catalog-out'] ? ` and the catalog to ${values['catalog-out']}` : ''}\n`);
    return;
  }
  if (!values.source) fail('--source FILE is required');
  const convert = name === 'cdnow' ? cdnowToCsv : name === 'online-retail' ? onlineRetailToCsv : name === 'online-retail-catalog' ? onlineRetailCatalogToCsv : undefined;
  if (!convert) fail('dataset cdnow|online-retail|online-retail-catalog --source FILE --out FILE, or dataset grocery --out FILE [--catalog-out FILE] [--customers 1000] [--seed 7]');
  // --returns keeps Online Retail's C invoices as type=return rows (the published protocol drops them).
  const n = name === 'online-retail' ? await onlineRetailToCsv(values.source, values.out, { returns: values.returns }) : await convert(values.source, values.out);
  process.stderr.write(`wrote ${n} rows to ${values.out}\n`);
}

async function refit(): Promise<void> {
  const { values } = parseArgs({ args: rest, options: { url: { type: 'string', default: readStackFile(env.CADENCE_DATA_DIR)?.url ?? `http://127.0.0.1:${env.PORT}` }, key: { type: 'string' } } });
  const key = values.key ?? env.CADENCE_ADMIN_KEY ?? readLocalSecrets(env.CADENCE_DATA_DIR).adminKey;
  if (!key) fail('--key (or CADENCE_ADMIN_KEY) is required');
  try {
    await refitAndSegment(values.url, key, (line) => process.stderr.write(`${line}\n`));
  } catch (err) {
    fail(`${values.url}: ${err instanceof Error ? err.message : String(err)} (is the stack running?)`);
  }
  process.stderr.write('done\n');
}

async function simulateCommand(): Promise<void> {
  const { values } = parseArgs({ args: rest, options: { days: { type: 'string', default: '30' } } });
  const days = Number(values.days);
  if (!Number.isInteger(days) || days < 1 || days > 120) fail('--days must be 1..120');
  // Over the running stack's own stores (its clock cannot be moved from outside): local only.
  const stack = readStackFile(env.CADENCE_DATA_DIR);
  const secrets = readLocalSecrets(env.CADENCE_DATA_DIR);
  if (!stack || !secrets.adminKey || !secrets.jwtSecret || !secrets.privacyKey) fail(`no running local stack with data folder ${env.CADENCE_DATA_DIR} (npm start first)`);
  const report = await simulate({ endpoints: stack.endpoints, jwtSecret: secrets.jwtSecret, privacyKey: secrets.privacyKey, days, log: (line) => process.stderr.write(`${line}\n`) });
  process.stderr.write(`replayed ${report.replayed.EU} EU and ${report.replayed.ROW} ROW lines, ${report.from} to ${report.to}\n`);
  for (const jurisdiction of ['EU', 'ROW'] as const) {
    const res = await fetch(`${stack.url}/v1/ops/accuracy?jurisdiction=${jurisdiction}&from=${report.from}&to=${report.to}`, { headers: { authorization: `Bearer ${secrets.adminKey}` } });
    const body = (await res.json()) as { weeks?: { week: string; modelVersion: string; customers: number; nextDate: { scored: number; maeDays?: number; coverage80?: number }; buysWithin30: { auc?: number; brier?: number } }[] };
    if (!res.ok) fail(`GET /v1/ops/accuracy: ${res.status} ${JSON.stringify(body)}`);
    const f = (v: number | undefined, d = 3) => (v === undefined ? '-' : v.toFixed(d));
    console.log(`${jurisdiction}  week      model            customer-days  dates scored  MAE days  80% coverage  AUC 30d  Brier 30d`);
    for (const w of body.weeks ?? []) console.log(`    ${w.week}  ${w.modelVersion.padEnd(16)} ${String(w.customers).padStart(13)}  ${String(w.nextDate.scored).padStart(12)}  ${f(w.nextDate.maeDays, 1).padStart(8)}  ${f(w.nextDate.coverage80).padStart(12)}  ${f(w.buysWithin30.auc).padStart(7)}  ${f(w.buysWithin30.brier).padStart(9)}`);
  }
}

async function segment(): Promise<void> {
  const { values } = parseArgs({ args: rest, options: { transactions: { type: 'string' }, 'as-of': { type: 'string' }, out: { type: 'string' }, 'k-min': { type: 'string', default: '5' }, 'k-max': { type: 'string', default: '7' }, seed: { type: 'string', default: '42' } } });
  const asOfDay = day('as-of', values['as-of']);
  if (!values.out) fail('--out FILE is required');
  const [kMin, kMax, seed] = [values['k-min'], values['k-max'], values.seed].map(Number) as [number, number, number];
  const transactions = await load(values.transactions);
  try {
    printSegments(await segmentFile(transactions, asOfDay, values.out, { kMin, kMax, seed }));
  } catch (err) {
    fail(err instanceof SegmentationError || err instanceof Error ? err.message : String(err));
  }
  process.stderr.write(`wrote ${values.out}\n`);
}

/** Runs a step whose input errors (a bad catalog row, an unknown algorithm, no product column) are the user's to fix. */
async function userInput<T>(step: () => Promise<T> | T): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof InputError || (err as NodeJS.ErrnoException).code === 'ENOENT') fail((err as Error).message);
    throw err;
  }
}

function listSize(value: string | undefined): number {
  const k = Number(value);
  if (!Number.isInteger(k) || k < 1 || k > 100) fail('--k must be a whole number, 1..100');
  return k;
}

async function recsInput(values: { transactions?: string | undefined; catalog?: string | undefined }) {
  const transactions = await load(values.transactions);
  await userInput(() => requireProducts(values.transactions!, transactions));
  const catalog = values.catalog ? await userInput(() => readCatalog(values.catalog!)) : undefined;
  return { transactions, ...(catalog ? { catalog } : {}) };
}

async function recommend(): Promise<void> {
  const { values } = parseArgs({ args: rest, options: { transactions: { type: 'string' }, 'as-of': { type: 'string' }, k: { type: 'string', default: '10' }, out: { type: 'string' }, algorithm: { type: 'string' }, catalog: { type: 'string' } } });
  const asOfDay = day('as-of', values['as-of']);
  const k = listSize(values.k);
  if (!values.out) fail('--out FILE is required');
  const algorithm = await userInput(() => algorithmOrFail(values.algorithm));
  const { transactions, catalog } = await recsInput(values);
  const fitted = await userInput(() => fitOnTransactions(transactions, { asOfDay, k, algorithm, ...(catalog ? { catalog } : {}) }));
  if (fitted.inner) process.stderr.write(`weights chosen by an inner time split of the input (${fitted.inner.customers} customers): ${JSON.stringify(fitted.aggregates.weights)}\n`);
  const rows = await writeRecommendations(fitted, k, values.out);
  process.stderr.write(`wrote ${rows} rows (${algorithm.name}) for ${fitted.contexts.length} customers to ${values.out}\n`);
}

async function evaluateRecsCommand(): Promise<void> {
  const { values } = parseArgs({ args: rest, options: { transactions: { type: 'string' }, 'as-of': { type: 'string' }, 'holdout-end': { type: 'string' }, k: { type: 'string', default: '10' }, catalog: { type: 'string' } } });
  const asOfDay = day('as-of', values['as-of']);
  const endDay = day('holdout-end', values['holdout-end']);
  if (endDay < asOfDay) fail('--holdout-end must not be before --as-of');
  const k = listSize(values.k);
  const { transactions, catalog } = await recsInput(values);
  const result = await userInput(() => evaluateRecs(transactions, { asOfDay, endDay, k, ...(catalog ? { catalog } : {}) }));
  printRecsEvaluation(`evaluate-recs, as-of ${values['as-of']}, holdout to ${values['holdout-end']}`, result);
}

async function importOrders(): Promise<void> {
  const options = { transactions: { type: 'string' }, url: { type: 'string', default: readStackFile(env.CADENCE_DATA_DIR)?.url ?? `http://127.0.0.1:${env.PORT}` }, key: { type: 'string' }, country: { type: 'string' }, currency: { type: 'string', default: 'EUR' }, state: { type: 'string' }, concurrency: { type: 'string', default: '4' }, 'batch-orders': { type: 'string', default: '500' } } as const;
  const { values } = parseArgs({ args: rest, options });
  if (!values.transactions) fail('import --transactions FILE [--url URL] [--key KEY] [--country XX] [--currency EUR] [--state FILE]');
  const key = values.key ?? env.CADENCE_ADMIN_KEY ?? readLocalSecrets(env.CADENCE_DATA_DIR).adminKey;
  if (!key) fail('--key (or CADENCE_ADMIN_KEY) is required: an API key with the purchases and customers scopes');
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32) fail('--concurrency must be a whole number, 1..32');
  const batchOrders = Number(values['batch-orders']);
  if (!Number.isInteger(batchOrders) || batchOrders < 1 || batchOrders > 500) fail('--batch-orders must be a whole number, 1..500');
  const code = await userInput(() => importCommand({ transactions: values.transactions!, url: values.url, key, currency: values.currency, concurrency, batchOrders, ...(values.country ? { country: values.country } : {}), ...(values.state ? { state: values.state } : {}) }));
  process.exitCode = code;
}

const commands: Record<string, () => Promise<void>> = { 'api-key': apiKey, token, predict, backtest: backtestCommand, dataset, refit, segment, recommend, 'evaluate-recs': evaluateRecsCommand, import: importOrders, simulate: simulateCommand };
const run = command ? commands[command] : undefined;
if (!run) fail(`usage: npm run cadence -- <${Object.keys(commands).join('|')}> …`);
try {
  await run();
} catch (err) {
  // A mistyped or missing option is the user's to fix: one line and the usage, not a stack trace.
  const code = (err as { code?: string }).code;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const usage = USAGE.split('\n').filter((l) => l.trimStart().startsWith(`${command} `)).map((l) => l.trim());
    fail(`${(err as Error).message}${usage.length > 0 ? `\nusage: npm run cadence -- ${usage.join('\n       npm run cadence -- ')}` : ''}`);
  }
  throw err;
}
