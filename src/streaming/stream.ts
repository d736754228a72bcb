import { DependencyUnavailable } from '../shared/errors.ts';

/** One record to publish: the partition key decides the shard (Cadence uses the customer id). */
export interface StreamRecordInput {
  partitionKey: string;
  data: string;
}

/** One record read from a shard. */
export interface StreamRecord {
  sequenceNumber: string;
  data: string;
  arrivedAt: number;
}

export interface ShardInfo {
  shardId: string;
  parentShardId?: string;
  adjacentParentShardId?: string;
}

export interface ShardPage {
  records: StreamRecord[];
  /** Undefined when the shard is closed (after a reshard) and every record of it was read. */
  nextIterator: string | undefined;
  millisBehindLatest: number;
}

/**
 * The port of a jurisdiction's event stream (Kinesis Data Streams; kinesalite locally). Only the adapter
 * (kinesis.ts) knows the SDK; what fails there leaves it as StreamUnavailable.
 */
export interface EventStream {
  readonly name: string;
  /** Publishes the records in one call; the indexes of the records the stream refused (retry those). */
  put(records: readonly StreamRecordInput[]): Promise<{ failed: number[] }>;
  shards(): Promise<ShardInfo[]>;
  /** An iterator after `sequenceNumber`, or at the shard's oldest record when undefined. */
  iterator(shardId: string, afterSequenceNumber?: string): Promise<string>;
  read(iterator: string, limit: number): Promise<ShardPage>;
}

export class StreamUnavailable extends DependencyUnavailable {
  constructor(message: string, options?: { cause?: unknown }) {
    super('streaming.unavailable', message, 5, options);
    this.name = 'StreamUnavailable';
  }
}
