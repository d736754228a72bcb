import { ListStreamsCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, expect } from 'vitest';
import { regions } from '../../regions/index.ts';
import type { StreamingParts } from '../../src/deps.ts';
import { LOCAL_CREDENTIALS } from '../../src/local/bootstrap.ts';
import { localKinesisOptions, startLocalKinesis, type LocalKinesis } from '../../src/local/kinesis-streams.ts';
import { ShardPoller } from '../../src/streaming/poller.ts';
import type { Client } from '../support/app.ts';

/** Real kinesalite servers (one per stream region), started before the suite and stopped after it. */
export function useKinesis(): { readonly kinesis: LocalKinesis } {
  const ctx = { kinesis: undefined as unknown as LocalKinesis };
  beforeAll(async () => {
    ctx.kinesis = await startLocalKinesis(regions);
  });
  afterAll(async () => ctx.kinesis?.close());
  return ctx;
}

/** The streaming parts of a jurisdiction's home region app. */
export function homeStreaming(api: Client, regionId: 'eu-central-1' | 'us-east-1'): StreamingParts {
  const parts = api.regions.get(regionId)?.streaming;
  if (!parts) throw new Error(`${regionId} does not stream`);
  return parts;
}

export const pollerOf = (parts: StreamingParts, consumer = parts.consumer) => new ShardPoller({ stream: parts.stream, consumer, checkpoints: parts.live, batchSize: 25 });

export async function streamNames(kinesis: LocalKinesis, awsRegion: string): Promise<string[]> {
  const client = new KinesisClient({ region: awsRegion, endpoint: kinesis.endpoints[awsRegion]!, credentials: LOCAL_CREDENTIALS, ...localKinesisOptions() });
  return (await client.send(new ListStreamsCommand({}))).StreamNames ?? [];
}

/** Every record's data on every shard of a stream, read from the start. */
export async function allRecords(parts: StreamingParts): Promise<string[]> {
  const out: string[] = [];
  for (const shard of await parts.stream.shards()) {
    let it: string | undefined = await parts.stream.iterator(shard.shardId);
    while (it) {
      const page = await parts.stream.read(it, 1000);
      out.push(...page.records.map((r) => r.data));
      if (page.records.length === 0) break;
      it = page.nextIterator;
    }
  }
  return out;
}

/** The live figures of a jurisdiction, as an operator reads them. */
export async function liveOf(api: Client, admin: string, jurisdiction: 'EU' | 'ROW') {
  const res = await api.call('GET', `/v1/ops/live?jurisdiction=${jurisdiction}`, { key: admin });
  expect(res.status).toBe(200);
  return res.body;
}

/** Sends what waits in both home regions' outboxes, then polls their streams once into the live figures. */
export async function drainAndPoll(api: Client): Promise<void> {
  for (const id of ['eu-central-1', 'us-east-1'] as const) {
    await homeStreaming(api, id).producer.drain();
    await pollerOf(homeStreaming(api, id)).pollOnce();
  }
}
