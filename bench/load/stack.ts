/**
 * The load suite's system under test: the EU store as a dynalite process of its own (so a fault can kill
 * it), the ROW and global stores in another, kinesalite and the Bedrock Converse stand-in in the suite's
 * process (so faults can stop or script them), and the Node entry (bench/servers/cadence-load.ts) pinned
 * to the first core. Demo data, the daily refit, segments and recommendations, and one experiment.
 */
import { regions } from '../../regions/index.ts';
import { generateApiKey, type Scope } from '../../src/auth/api-keys.ts';
import { createLocalTables, registerApiKey } from '../../src/local/bootstrap.ts';
import { generateDemoData, type DemoData } from '../../src/local/demo-data.ts';
import type { StoreName } from '../../src/local/dynamo-stores.ts';
import { startLocalKinesis, type LocalKinesis } from '../../src/local/kinesis-streams.ts';
import { refitAndSegment } from '../../src/local/refit.ts';
import { loadDemoData } from '../../src/local/seed.ts';
import { startConverseServer, type ConverseServer } from '../../test/support/converse-server.ts';
import { startStoreProcess, type StoreProcess } from '../../test/support/dynalite-process.ts';
import { autoAnswer } from '../../test/support/plausible-answer.ts';
import { startServer } from '../support.ts';

export interface LoadKeys {
  /** Set-up, operations and the checks (admin). */
  admin: string;
  /** The storefront's reads. */
  storefront: string;
  /** The shop's purchase feed. */
  ingest: string;
}

/**
 * Every API key the suite uses, made in one place: when keys carry their own rate limit, give these
 * one far above the rates the suite sends (the suite measures the server, not the limiter).
 */
export async function createLoadKeys(globalEndpoint: string): Promise<LoadKeys> {
  const make = async (name: string, scopes: Scope[]) => {
    const key = generateApiKey();
    // Limited far above what the generator sends: the limiter runs (its cost is measured), nothing is refused.
    await registerApiKey(globalEndpoint, key, name, scopes, { perSecond: 1_000_000, burst: 1_000_000 });
    return key;
  };
  return {
    admin: await make('load suite: admin', ['admin']),
    storefront: await make('load suite: storefront', ['predictions:read', 'segments:read', 'recommendations:read', 'experiments:read', 'insights:read', 'customers:read']),
    ingest: await make('load suite: ingestion', ['purchases:write', 'customers:read']),
  };
}

export interface LoadStack {
  url: string;
  apiPid: number;
  eu: StoreProcess;
  endpoints: Record<StoreName, string>;
  kinesis: LocalKinesis;
  bedrock: ConverseServer;
  keys: LoadKeys;
  jwtSecret: string;
  data: DemoData;
  close(): Promise<void>;
}

export async function startLoadStack(demoCustomers: number): Promise<LoadStack> {
  const eu = await startStoreProcess();
  const others = await startServer<{ endpoints: Record<StoreName, string> }>('bench/servers/stores.ts');
  const endpoints = { EU: eu.endpoint, ROW: others.endpoints.ROW, GLOBAL: others.endpoints.GLOBAL };
  await createLocalTables(endpoints);
  const keys = await createLoadKeys(endpoints.GLOBAL);
  const data = generateDemoData({ customers: demoCustomers, now: Date.now() });
  await loadDemoData(endpoints, data);
  const kinesis = await startLocalKinesis(regions);
  const bedrock = await startConverseServer();
  bedrock.autoAnswer = autoAnswer;
  const jwtSecret = generateApiKey();
  const { url, pid: apiPid } = await startServer<{ url: string }>(
    'bench/servers/cadence-load.ts',
    { BENCH_ENDPOINTS: JSON.stringify(endpoints), BENCH_KINESIS: JSON.stringify(kinesis.endpoints), BENCH_BEDROCK: bedrock.endpoint, BENCH_JWT_SECRET: jwtSecret },
    { pin: true },
  );
  await refitAndSegment(url, keys.admin);
  const experiment = await fetch(`${url}/v1/experiments/load-banner`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${keys.admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Load banner', variations: [{ key: 'control' }, { key: 'warm' }], status: 'running' }),
  });
  if (!experiment.ok) throw new Error(`experiment: ${experiment.status} ${await experiment.text()}`);
  return {
    url,
    apiPid,
    eu,
    endpoints,
    kinesis,
    bedrock,
    keys,
    jwtSecret,
    data,
    async close() {
      await kinesis.close();
      await bedrock.close();
      await eu.stop();
    },
  };
}
