import { describe, expect, it } from 'vitest';
import { useApi } from '../support/api.ts';
import { regions } from '../../regions/index.ts';
import { EventProducer } from '../../src/streaming/producer.ts';
import { purchaseLineEvent } from '../../src/streaming/events.model.ts';
import { kinesisHandler } from '../../src/streaming/lambda.ts';
import type { EventStream } from '../../src/streaming/stream.ts';
import { DescribeStreamSummaryCommand, KinesisClient, ListShardsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { LOCAL_CREDENTIALS } from '../../src/local/bootstrap.ts';
import { localKinesisOptions } from '../../src/local/kinesis-streams.ts';
import { ShardPoller } from '../../src/streaming/poller.ts';
import { allRecords, homeStreaming, useKinesis } from './support.ts';

const eu = regions.find((r) => r.id === 'eu-central-1')!;
const line = (customerId: string, orderId: string, i: number) => ({
  customerId, orderId, lineId: `l${i}`, productId: `p${i % 3}`, quantity: 1, unitPrice: 2.5, currency: 'EUR', purchasedAt: new Date(Date.now() - 60_000).toISOString(),
});

describe('the producer and the consumer, on their own', () => {
  const k = useKinesis();
  const t = useApi(() => ({ streaming: (region) => k.kinesis.connection(region) }));

  it('retries the records a PutRecords call refused (partial failure) until every one is on the stream', async () => {
    const parts = homeStreaming(t.api, 'eu-central-1');
    const before = (await allRecords(parts)).length;
    // The real stream, refusing every other record of the first two calls (as Kinesis does when a shard is hot).
    let calls = 0;
    const flaky: EventStream = {
      ...parts.stream,
      name: parts.stream.name,
      shards: () => parts.stream.shards(),
      iterator: (s, a) => parts.stream.iterator(s, a),
      read: (i, l) => parts.stream.read(i, l),
      async put(records) {
        if (++calls > 2) return parts.stream.put(records);
        const kept = records.filter((_, i) => i % 2 === 0);
        await parts.stream.put(kept);
        return { failed: records.map((_, i) => i).filter((i) => i % 2 === 1) };
      },
    };
    const outbox = { save: async () => void expect.fail('nothing should wait'), pending: async () => [], remove: async () => {} };
    const producer = new EventProducer({ stream: flaky, outbox, now: Date.now, sleep: async () => {} });
    const events = Array.from({ length: 9 }, (_, i) => purchaseLineEvent(line('cus_eu_partial', 'o1', i), { jurisdiction: 'EU', region: eu.id }));
    expect(await producer.publish(events)).toEqual({ published: 9, queued: 0 });
    expect(calls).toBe(3);
    const ids = (await allRecords(parts)).slice(before).map((d) => JSON.parse(d).id).sort();
    expect(ids).toEqual(events.map((e) => e.id).sort());
  });

  it('skips the events of an erased customer still in the stream, and runs as a Lambda handler', async () => {
    const parts = homeStreaming(t.api, 'eu-central-1');
    const [kept, erased] = [await t.newCustomer({ country: 'DE' }), await t.newCustomer({ country: 'FR' })];
    const events = [kept, erased].map((c, i) => purchaseLineEvent(line(c, `lambda-${i}`, i), { jurisdiction: 'EU', region: eu.id }));
    await parts.producer.publish(events);
    const erasure = await t.api.call('DELETE', `/v1/customers/${erased}`, { key: t.admin });
    expect(erasure.status).toBe(202);
    for (const q of new Set(t.api.queues.values())) await q.drain();
    expect((await t.api.call('POST', '/v1/purchases', { key: t.admin, body: { orderId: 'after', customerId: erased, purchasedAt: new Date().toISOString(), lines: [{ productId: 'p', quantity: 1, unitPrice: 1, currency: 'EUR' }] } })).body.code).toBe('customers.erased');
    // The records as Lambda's event source mapping hands them over (base64 data, shard in the event id).
    const shards = await parts.stream.shards();
    let applied = 0;
    let skippedOthers = 0;
    const handler = kinesisHandler({
      apply: async (shardId, records) => {
        const outcome = await parts.consumer.apply(shardId, records);
        applied += outcome.applied;
        skippedOthers += outcome.skipped;
        return outcome;
      },
    });
    for (const shard of shards) {
      let it: string | undefined = await parts.stream.iterator(shard.shardId);
      const Records = [];
      while (it) {
        const page = await parts.stream.read(it, 1000);
        if (page.records.length === 0) break;
        Records.push(...page.records.filter((r) => events.some((e) => r.data.includes(e.id))).map((r) => ({
          eventID: `${shard.shardId}:${r.sequenceNumber}`,
          kinesis: { sequenceNumber: r.sequenceNumber, data: Buffer.from(r.data).toString('base64'), approximateArrivalTimestamp: r.arrivedAt / 1000 },
        })));
        it = page.nextIterator;
      }
      if (Records.length > 0) expect(await handler({ Records })).toEqual({ batchItemFailures: [] });
    }
    expect([applied, skippedOthers]).toEqual([1, 1]);
    expect(await handler({ Records: 'nope' }).catch((e: Error) => e.name)).toBe('ZodError');
  });

  it('survives a reshard: the parent shard is read to its end before its children, every event counted once', async () => {
    const parts = homeStreaming(t.api, 'eu-central-1');
    const order: string[] = [];
    const consumer = { apply: async (shardId: string, records: Parameters<typeof parts.consumer.apply>[1]) => (order.push(shardId), parts.consumer.apply(shardId, records)) };
    const poller = () => new ShardPoller({ stream: parts.stream, consumer, checkpoints: parts.live, batchSize: 10 });
    await poller().pollOnce(); // what earlier tests left in the stream
    const live = async () => (await t.api.call('GET', '/v1/ops/live?jurisdiction=EU', { key: t.admin })).body.ordersLastHour as number;
    const before = await live();
    const customer = await t.newCustomer({ country: 'DE' });
    // Thirty partition keys: both shards (so the one split too) hold unread records when it is split.
    const publish = (tag: string) => parts.producer.publish(Array.from({ length: 30 }, (_, i) => purchaseLineEvent(line(`${customer}${i}`, `${tag}-${i}`, 0), { jurisdiction: 'EU', region: eu.id })));
    await publish('before-split');
    const client = new KinesisClient({ region: 'eu-central-1', endpoint: k.kinesis.endpoints['eu-central-1']!, credentials: LOCAL_CREDENTIALS, ...localKinesisOptions() });
    const StreamName = parts.stream.name;
    const target = (await client.send(new ListShardsCommand({ StreamName }))).Shards!.find((s) => !s.SequenceNumberRange?.EndingSequenceNumber && !s.ParentShardId)!;
    const range = target.HashKeyRange!;
    const mid = ((BigInt(range.StartingHashKey!) + BigInt(range.EndingHashKey!)) / 2n).toString();
    await client.send(new SplitShardCommand({ StreamName, ShardToSplit: target.ShardId!, NewStartingHashKey: mid }));
    while ((await client.send(new DescribeStreamSummaryCommand({ StreamName }))).StreamDescriptionSummary?.StreamStatus !== 'ACTIVE') await new Promise((r) => setTimeout(r, 20));
    // The customer's shard may or may not be the one split: publish under many partition keys too.
    await publish('after-split');
    const others = await Promise.all(Array.from({ length: 6 }, () => t.newCustomer({ country: 'DE' })));
    await parts.producer.publish(others.map((c, i) => purchaseLineEvent(line(c, `spread-${i}`, 0), { jurisdiction: 'EU', region: eu.id })));
    order.length = 0;
    await poller().pollOnce();
    expect(await live()).toBe(before + 60 + others.length);
    const shards = await parts.stream.shards();
    const children = shards.filter((s) => s.parentShardId === target.ShardId).map((s) => s.shardId);
    expect(children).toHaveLength(2);
    expect((await parts.live.checkpoints(StreamName))[target.ShardId!]?.finished).toBe(true);
    const lastParent = order.lastIndexOf(target.ShardId!);
    const firstChild = Math.min(...children.map((c) => order.indexOf(c)).filter((i) => i >= 0));
    expect(lastParent).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(firstChild)).toBe(true);
    expect(lastParent).toBeLessThan(firstChild);
  });
});
