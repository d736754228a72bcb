/**
 * Load-suite target: the Node entry as `npm run start:node` serves it (all four regions, streaming on,
 * Bedrock through the real SDK client), against stores, kinesalite and a Bedrock stand-in that the suite
 * runs elsewhere (so it can stop them): BENCH_ENDPOINTS, BENCH_KINESIS (endpoint by AWS region),
 * BENCH_BEDROCK (a Converse endpoint), BENCH_JWT_SECRET. The stream consumers run here too, as they do
 * in the local stack.
 */
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { AiEnv, aiSettings } from '../../src/config/env.ts';
import { edgeFastPath, edgeRouter } from '../../src/hosting/edge-router.ts';
import { nodeRegions } from '../../src/hosting/node-regions.ts';
import { LOCAL_CREDENTIALS, localConnection } from '../../src/local/bootstrap.ts';
import type { StoreName } from '../../src/local/dynamo-stores.ts';
import { localKinesisOptions } from '../../src/local/kinesis-streams.ts';
import { startStreamConsumers } from '../../src/local/stream-consumers.ts';
import type { Region } from '../../src/regions/region.schema.ts';
import { serveFetch } from '../../src/node.ts';

const endpoints = JSON.parse(process.env.BENCH_ENDPOINTS!) as Record<StoreName, string>;
const kinesisEndpoints = JSON.parse(process.env.BENCH_KINESIS!) as Record<string, string>;
const jwtSecret = process.env.BENCH_JWT_SECRET!;
const privacyKey = jwtSecret.split('').reverse().join('');
const kinesis = { connection: (region: Region) => ({ endpoint: kinesisEndpoints[region.stream.awsRegion]!, credentials: LOCAL_CREDENTIALS, clientOptions: localKinesisOptions() }) };
const ai = aiSettings(AiEnv.parse({ BEDROCK_ACCESS_KEY_ID: 'local', BEDROCK_SECRET_ACCESS_KEY: 'local', BEDROCK_ENDPOINT: process.env.BENCH_BEDROCK! }));
const apps = nodeRegions({
  connections: (region) => ({
    personal: localConnection(endpoints[region.jurisdiction], region.awsRegion),
    global: localConnection(endpoints.GLOBAL, region.awsRegion),
  }),
  jwtSecret,
  privacyKey,
  ai,
  // HTTP/1.1 to the local stand-in, as the tests and bench:insights do.
  bedrockClientOptions: { requestHandler: new NodeHttpHandler() },
  streaming: kinesis.connection,
  // Customer tokens limited far above the load: measured, never refused (the keys' own limits: bench/load/stack.ts).
  rateLimits: { storefront: { perSecond: 1_000_000, burst: 1_000_000 } },
});
const consumers = startStreamConsumers({ endpoints, kinesis, privacyKey, jwtSecret, pollMs: 500, drainMs: 1000 });
const edge = process.env.BENCH_EDGE_REGION ?? 'eu-central-1';
const server = await serveFetch(edgeRouter(apps, edge), 0, '127.0.0.1', {}, edgeFastPath(apps, edge));
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
process.on('SIGTERM', () => void consumers.stop().finally(() => process.exit(0)));
