import { z } from 'zod';
import type { LiveConsumer } from './consumer.ts';
import type { StreamRecord } from './stream.ts';

/** The part of a Lambda Kinesis event Cadence reads (the event source mapping delivers one shard per batch). */
const KinesisEvent = z.object({
  Records: z.array(
    z.object({
      eventID: z.string(),
      kinesis: z.object({ sequenceNumber: z.string(), data: z.string(), approximateArrivalTimestamp: z.number() }),
    }),
  ),
});

/** Partial batch response (ReportBatchItemFailures): Lambda retries from the first failed record. */
export interface BatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

const shardOf = (eventId: string) => eventId.split(':')[0]!;

/**
 * The consumer as a Lambda Kinesis handler. It applies the batch shard by shard; on a failure it names
 * the first record of the failed shard, so the mapping retries from there (bisecting on error, then the
 * on-failure destination after the maximum record age). Re-applying a record changes nothing.
 */
export function kinesisHandler(consumer: Pick<LiveConsumer, 'apply'>) {
  return async (event: unknown): Promise<BatchResponse> => {
    const { Records } = KinesisEvent.parse(event);
    const byShard = new Map<string, StreamRecord[]>();
    for (const r of Records) {
      const list = byShard.get(shardOf(r.eventID)) ?? [];
      list.push({ sequenceNumber: r.kinesis.sequenceNumber, data: Buffer.from(r.kinesis.data, 'base64').toString('utf8'), arrivedAt: r.kinesis.approximateArrivalTimestamp * 1000 });
      byShard.set(shardOf(r.eventID), list);
    }
    const failures: BatchResponse['batchItemFailures'] = [];
    for (const [shardId, records] of byShard) {
      try {
        await consumer.apply(shardId, records);
      } catch (err) {
        console.error(JSON.stringify({ level: 'error', msg: 'stream batch failed', shardId, records: records.length, error: String(err) }));
        failures.push({ itemIdentifier: records[0]!.sequenceNumber });
      }
    }
    return { batchItemFailures: failures };
  };
}
