import {
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { isUnavailable } from '../storage/errors.ts';
import { StreamUnavailable, type EventStream, type ShardInfo, type ShardPage, type StreamRecordInput } from './stream.ts';

export interface KinesisConnection {
  /** The stream's AWS region: the jurisdiction's home region. */
  region: string;
  /** Set only for local stand-ins (kinesalite). */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Extra SDK options (on Node, an HTTP/1.1 request handler with timeouts). */
  clientOptions?: Record<string, unknown>;
}

/** Kinesis' own limit per PutRecords call. */
export const PUT_RECORDS_LIMIT = 500;

const translate = (err: unknown): unknown => {
  if (err instanceof StreamUnavailable) return err;
  // Throughput exceeded, a 5xx, a refused connection, a timeout: the stream cannot take it now.
  const name = (err as { name?: string } | undefined)?.name ?? '';
  if (isUnavailable(err) || /ProvisionedThroughputExceeded|LimitExceeded|KMSThrottling|ResourceNotFound/.test(name)) {
    return new StreamUnavailable(`Kinesis is unavailable (${name || 'error'})`, { cause: err });
  }
  return err;
};

/** Bounds on one PutRecords attempt (decision 156): two attempts wait at most about 4 s in all. */
export const STREAM_ATTEMPT_TIMEOUTS = { connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true } as const;

/** The Kinesis Data Streams adapter of the EventStream port (the only module that imports the SDK's client). */
export class KinesisEventStream implements EventStream {
  private readonly client: KinesisClient;

  constructor(readonly name: string, conn: KinesisConnection) {
    this.client = new KinesisClient({
      region: conn.region,
      ...(conn.endpoint ? { endpoint: conn.endpoint } : {}),
      ...(conn.credentials ? { credentials: conn.credentials } : {}),
      // A purchase waits for this call: few retries, each bounded (a stream that never answers must not hold
      // the checkout); what is left goes to the outbox.
      maxAttempts: 2,
      requestHandler: STREAM_ATTEMPT_TIMEOUTS,
      ...conn.clientOptions,
    });
  }

  private async send<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw translate(err);
    }
  }

  async put(records: readonly StreamRecordInput[]): Promise<{ failed: number[] }> {
    if (records.length === 0) return { failed: [] };
    if (records.length > PUT_RECORDS_LIMIT) throw new Error(`at most ${PUT_RECORDS_LIMIT} records per call`);
    const encoder = new TextEncoder();
    const res = await this.send(() =>
      this.client.send(new PutRecordsCommand({ StreamName: this.name, Records: records.map((r) => ({ PartitionKey: r.partitionKey, Data: encoder.encode(r.data) })) })),
    );
    const failed: number[] = [];
    (res.Records ?? []).forEach((r, i) => {
      if (r.ErrorCode || !r.SequenceNumber) failed.push(i);
    });
    return { failed };
  }

  async shards(): Promise<ShardInfo[]> {
    const out: ShardInfo[] = [];
    let NextToken: string | undefined;
    do {
      const res = await this.send(() => this.client.send(new ListShardsCommand(NextToken ? { NextToken } : { StreamName: this.name })));
      out.push(...(res.Shards ?? []).map(shardInfo));
      NextToken = res.NextToken;
    } while (NextToken);
    return out;
  }

  async iterator(shardId: string, afterSequenceNumber?: string): Promise<string> {
    const res = await this.send(() =>
      this.client.send(
        new GetShardIteratorCommand({
          StreamName: this.name,
          ShardId: shardId,
          ...(afterSequenceNumber ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: afterSequenceNumber } : { ShardIteratorType: 'TRIM_HORIZON' }),
        }),
      ),
    );
    if (!res.ShardIterator) throw new StreamUnavailable(`no iterator for ${shardId}`);
    return res.ShardIterator;
  }

  async read(iterator: string, limit: number): Promise<ShardPage> {
    try {
      const res = await this.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
      const decoder = new TextDecoder();
      return {
        records: (res.Records ?? []).map((r) => ({ sequenceNumber: r.SequenceNumber!, data: decoder.decode(r.Data), arrivedAt: r.ApproximateArrivalTimestamp?.getTime() ?? Date.now() })),
        nextIterator: res.NextShardIterator ?? undefined,
        millisBehindLatest: res.MillisBehindLatest ?? 0,
      };
    } catch (err) {
      if (err instanceof ExpiredIteratorException) throw new StreamUnavailable('the shard iterator expired', { cause: err });
      throw translate(err);
    }
  }
}

const shardInfo = (s: Shard): ShardInfo => ({
  shardId: s.ShardId!,
  ...(s.ParentShardId ? { parentShardId: s.ParentShardId } : {}),
  ...(s.AdjacentParentShardId ? { adjacentParentShardId: s.AdjacentParentShardId } : {}),
});
