import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AiEnv, aiSettings } from '../config/env.ts';
import { edgeFastPath, edgeRouter } from '../hosting/edge-router.ts';
import { serveFetch } from '../node.ts';
import { createLocalTables, localConnection, registerApiKey } from './bootstrap.ts';
import { generateDemoData } from './demo-data.ts';
import { startLocalStores, type LocalStores } from './dynamo-stores.ts';
import { nodeRegions } from '../hosting/node-regions.ts';
import { refitAndSegment, type DailyOutcome } from './refit.ts';
import { localSecrets } from './secrets.ts';
import { removeStackFile, writeStackFile } from './stack-file.ts';
import { loadDemoData } from './seed.ts';
import { buildWorkerBundle, startWorkerdStack } from './workerd.ts';
import { startBatchServer } from './bedrock-batch-server.ts';
import { localS3Options, startLocalS3 } from './s3-server.ts';
import { regions } from '../../regions/index.ts';
import { startLocalKinesis, type LocalKinesis } from './kinesis-streams.ts';
import { startStreamConsumers } from './stream-consumers.ts';

export interface LocalStackOptions {
  mode: 'workerd' | 'node';
  port: number;
  /** Persist stores and local secrets here; in memory when undefined. */
  dataDir?: string;
  adminKey?: string;
  jwtSecret?: string;
  demoCustomers: number;
  edgeRegion: string;
  /** Fixes the stores' ports: EU, ROW and global on this port and the next two (default: free ports). */
  storeBasePort?: number;
  corsOrigins?: string[];
  /** Test-account patterns (CADENCE_TEST_ACCOUNTS). */
  testAccounts?: string[];
  /** Start kinesalite, publish events and run the live-analytics consumers (default: on). */
  streaming?: boolean;
  /** BEDROCK_* and CADENCE_AI_* settings (from the environment); without Bedrock credentials, statistical. */
  aiEnv?: Record<string, string>;
  log?: (line: string) => void;
}

export interface LocalStack {
  url: string;
  adminKey: string;
  jwtSecret: string;
  stores: LocalStores;
  /** The kinesalite servers, when streaming is on. */
  kinesis: LocalKinesis | undefined;
  seeded: { customers: number; purchases: number } | undefined;
  /** What the first refit and segment runs did (on first start with demo data). */
  daily: DailyOutcome[];
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const log = options.log ?? (() => {});
  const dataDir = options.dataDir ? resolve(options.dataDir) : undefined;
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const secrets = localSecrets(dataDir, {
    ...(options.adminKey ? { adminKey: options.adminKey } : {}),
    ...(options.jwtSecret ? { jwtSecret: options.jwtSecret } : {}),
  });

  log('starting the embedded DynamoDB stores (dynalite: EU, ROW, global)…');
  const stores = await startLocalStores({ ...(dataDir ? { dataDir } : {}), ...(options.storeBasePort ? { basePort: options.storeBasePort } : {}) });
  let kinesis: LocalKinesis | undefined;
  try {
    if (options.streaming ?? true) {
      log('starting Kinesis (kinesalite: one per stream region, eu-central-1 and us-east-1)…');
      kinesis = await startLocalKinesis(regions, dataDir ? { dataDir } : {});
    }
    await createLocalTables(stores.endpoints);
    await registerApiKey(stores.endpoints.GLOBAL, secrets.adminKey, 'local operator', ['admin']);

    let seeded: LocalStack['seeded'];
    const marker = dataDir ? join(dataDir, 'demo-seeded.json') : undefined;
    if (options.demoCustomers > 0 && !(marker && existsSync(marker))) {
      log(`loading demo data (${options.demoCustomers} customers)…`);
      const data = generateDemoData({ customers: options.demoCustomers, now: Date.now() });
      await loadDemoData(stores.endpoints, data);
      seeded = { customers: data.customers.length, purchases: data.lines.length };
      if (marker) writeFileSync(marker, JSON.stringify({ ...seeded, at: new Date().toISOString() }));
    }

    let url: string;
    let stopServer: () => Promise<void>;
    let stopBatch = async () => {};
    if (options.mode === 'node') {
      const ai = aiSettings(AiEnv.parse(options.aiEnv ?? {}));
      // Bedrock pointed at a local runtime stand-in: batch inference runs locally too, on s3rver and the
      // control-plane stand-in, which answer each record through that same runtime endpoint.
      if (ai.bedrock?.endpoint && !ai.batch) {
        const regionsHere = [...new Set(regions.map((r) => r.bedrock.region))];
        const s3 = await startLocalS3(regionsHere.map((r) => `cadence-batch-${r}`), dataDir ? { directory: join(dataDir, 's3') } : {});
        const control = await startBatchServer({ s3: s3.client(), runtimeEndpoint: ai.bedrock.endpoint });
        const env = AiEnv.parse(options.aiEnv ?? {});
        ai.batch = {
          bucket: 'cadence-batch-{region}',
          roleArn: 'arn:aws:iam::000000000000:role/cadence-batch-local',
          minRecords: env.CADENCE_BATCH_MIN_RECORDS,
          deadlineHours: env.CADENCE_BATCH_DEADLINE_HOURS,
          pollSeconds: Math.min(env.CADENCE_BATCH_POLL_SECONDS, 10),
          controlEndpoint: control.endpoint,
          s3Endpoint: s3.endpoint,
          s3Credentials: localS3Options(s3.endpoint).credentials,
        };
        log(`batch inference: local S3 (s3rver) at ${s3.endpoint}, Bedrock control-plane stand-in at ${control.endpoint}`);
        stopBatch = async () => {
          await control.close();
          await s3.close();
        };
      }
      const apps = nodeRegions({
        connections: (region) => ({
          personal: localConnection(stores.endpoints[region.jurisdiction], region.awsRegion),
          global: localConnection(stores.endpoints.GLOBAL, region.awsRegion),
        }),
        jwtSecret: secrets.jwtSecret,
        privacyKey: secrets.privacyKey,
        corsOrigins: options.corsOrigins ?? [],
        testAccounts: options.testAccounts ?? [],
        ai,
        sweepEveryMs: 60_000,
        ...(kinesis ? { streaming: kinesis.connection } : {}),
      });
      const server = await serveFetch(edgeRouter(apps, options.edgeRegion), options.port, '127.0.0.1', {}, edgeFastPath(apps, options.edgeRegion));
      url = server.url;
      stopServer = server.close;
    } else {
      log('bundling the Worker (wrangler deploy --dry-run)…');
      const bundlePath = await buildWorkerBundle();
      log('starting workerd (Miniflare): one Worker per region…');
      const { url: u, mf } = await startWorkerdStack({
        port: options.port,
        endpoints: stores.endpoints,
        jwtSecret: secrets.jwtSecret,
        privacyKey: secrets.privacyKey,
        defaultRegion: options.edgeRegion,
        corsOrigins: options.corsOrigins ?? [],
        testAccounts: options.testAccounts ?? [],
        bundlePath,
        aiBindings: options.aiEnv ?? {},
        ...(kinesis ? { kinesisEndpoints: kinesis.endpoints } : {}),
      });
      url = u.href.replace(/\/$/, '');
      stopServer = () => mf.dispose();
    }
    const consumers = kinesis ? startStreamConsumers({ endpoints: stores.endpoints, kinesis, privacyKey: secrets.privacyKey, jwtSecret: secrets.jwtSecret }) : undefined;
    const daily = seeded ? await refitAndSegment(url, secrets.adminKey, log) : [];
    // The CLI finds the running stack (and its stores) through this file.
    if (dataDir) writeStackFile(dataDir, { url, endpoints: stores.endpoints });
    return {
      url,
      ...secrets,
      stores,
      kinesis,
      seeded,
      daily,
      async stop() {
        if (dataDir) removeStackFile(dataDir);
        await consumers?.stop();
        await stopServer();
        await stopBatch();
        await kinesis?.close();
        await stores.close();
      },
    };
  } catch (err) {
    await kinesis?.close();
    await stores.close();
    throw err;
  }
}

