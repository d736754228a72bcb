import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient, ResourceInUseException } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import kinesalite from 'kinesalite';
import type { Region } from '../regions/region.schema.ts';
import type { KinesisConnection } from '../streaming/kinesis.ts';
import { LOCAL_CREDENTIALS } from './bootstrap.ts';

/** Shards per local stream: two, so that tests see records spread over shards. */
export const LOCAL_SHARDS = 2;

export interface LocalKinesis {
  /** One kinesalite per AWS region that holds a stream (eu-central-1 for EU, us-east-1 for ROW). */
  endpoints: Record<string, string>;
  /** The connection a region's producer uses (HTTP/1.1: the SDK's HTTP/2 default fails against kinesalite). */
  connection(region: Region): Omit<KinesisConnection, 'region'>;
  /** Stops one region's kinesalite (an outage) and starts it again on the same port and data. */
  stop(awsRegion: string): Promise<void>;
  start(awsRegion: string): Promise<void>;
  close(): Promise<void>;
}

export const localKinesisOptions = () => ({ requestHandler: new NodeHttpHandler({ connectionTimeout: 500, requestTimeout: 3000, throwOnRequestTimeout: true }) });

/**
 * Kinesis-compatible kinesalite servers, one per stream region as production has one stream per
 * jurisdiction in its home region: an EU event can only reach the EU server. Started by `npm start` and
 * the tests; with a data folder the streams persist across restarts.
 */
export async function startLocalKinesis(regions: readonly Region[], options: { dataDir?: string } = {}): Promise<LocalKinesis> {
  const streamRegions = [...new Set(regions.map((r) => r.stream.awsRegion))];
  const servers = new Map<string, { server: Server; port: number }>();
  // On disk even without a data folder, so that a stopped server comes back with its records.
  const base = options.dataDir ? join(options.dataDir, 'kinesis') : mkdtempSync(join(tmpdir(), 'cadence-kinesis-'));
  const listen = async (awsRegion: string, port = 0) => {
    const path = join(base, awsRegion);
    mkdirSync(path, { recursive: true });
    const server = kinesalite({ path, createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 50 });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    servers.set(awsRegion, { server, port: (server.address() as AddressInfo).port });
    ports.set(awsRegion, (server.address() as AddressInfo).port);
  };
  const close = (awsRegion: string) =>
    new Promise<void>((resolve) => {
      const entry = servers.get(awsRegion);
      if (!entry) return resolve();
      entry.server.closeAllConnections?.();
      servers.delete(awsRegion);
      entry.server.close(() => resolve());
    });
  const ports = new Map<string, number>();
  for (const awsRegion of streamRegions) await listen(awsRegion);
  const endpoints = Object.fromEntries([...servers].map(([r, s]) => [r, `http://127.0.0.1:${s.port}`]));
  for (const region of regions.filter((r) => r.home)) await ensureStream(region.stream.name, region.stream.awsRegion, endpoints[region.stream.awsRegion]!);
  return {
    endpoints,
    connection: (region) => ({ endpoint: endpoints[region.stream.awsRegion]!, credentials: LOCAL_CREDENTIALS, clientOptions: localKinesisOptions() }),
    stop: close,
    async start(awsRegion) {
      if (!servers.has(awsRegion)) await listen(awsRegion, ports.get(awsRegion) ?? 0);
    },
    async close() {
      await Promise.all(streamRegions.map(close));
      if (!options.dataDir) rmSync(base, { recursive: true, force: true });
    },
  };
}

async function ensureStream(name: string, region: string, endpoint: string): Promise<void> {
  const client = new KinesisClient({ region, endpoint, credentials: LOCAL_CREDENTIALS, ...localKinesisOptions() });
  try {
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: LOCAL_SHARDS }));
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
  for (let i = 0; i < 200; i++) {
    const d = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`stream ${name} did not become ACTIVE`);
}
