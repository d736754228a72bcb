import { describe, expect, it } from 'vitest';
import { useApi } from '../support/api.ts';
import { drainAndPoll as drainAll, homeStreaming, liveOf, useKinesis } from './support.ts';
import { decodeEvent } from '../../src/streaming/events.model.ts';
import { LiveConsumer } from '../../src/streaming/consumer.ts';
import { StreamingService } from '../../src/streaming/streaming.service.ts';
import type { StreamingParts } from '../../src/deps.ts';

const DAY = 86_400_000;

/** `n` orders of coffee, one every `gap` days, the last `lastDaysAgo` days ago. */
const history = (customerId: string, gap: number, n: number, lastDaysAgo: number) =>
  Array.from({ length: n }, (_, i) => ({
    orderId: `due-${customerId}-${i}`,
    customerId,
    purchasedAt: new Date(Date.now() - (lastDaysAgo + gap * (n - 1 - i)) * DAY).toISOString(),
    lines: [{ productId: 'coffee', quantity: 1, unitPrice: 5, currency: 'EUR' }],
  }));

/** Every record of every shard of the stream, with its shard. */
async function recordsByShard(parts: StreamingParts) {
  const out = new Map<string, Awaited<ReturnType<StreamingParts['stream']['read']>>['records']>();
  for (const shard of await parts.stream.shards()) {
    const list = [];
    let it: string | undefined = await parts.stream.iterator(shard.shardId);
    while (it) {
      const page = await parts.stream.read(it, 1000);
      list.push(...page.records);
      if (page.records.length === 0) break;
      it = page.nextIterator;
    }
    out.set(shard.shardId, list);
  }
  return out;
}

describe('live figures: customers who became due today (kinesalite)', () => {
  const k = useKinesis();
  const t = useApi(() => ({ streaming: (region) => k.kinesis.connection(region) }));
  const live = (jurisdiction: 'EU' | 'ROW') => liveOf(t.api, t.admin, jurisdiction);
  const drainAndPoll = () => drainAll(t.api);
  const dueOnStream = async (parts: StreamingParts) =>
    [...(await recordsByShard(parts)).values()].flat().map((r) => decodeEvent(r.data)).filter((e) => e?.type === 'customer.due');

  it("counts each customer whose predicted next purchase entered the due window today once, per jurisdiction, under duplicate publishes and redelivery; the count starts again tomorrow", async () => {
    const [soon, due, later] = [await t.newCustomer({ country: 'DE' }), await t.newCustomer({ country: 'FR' }), await t.newCustomer({ country: 'AT' })];
    const rowDue = await t.newCustomer({ country: 'US' });
    // Under the default population model (decision 137): every 24 days, last 2 days ago → due_soon (likely within
    // 30 days, not 14); every 2 days, last yesterday → due; monthly, three orders, last yesterday → not due.
    const orders = [...history(soon, 24, 16, 2), ...history(due, 2, 16, 1), ...history(later, 30, 3, 1), ...history(rowDue, 2, 16, 1)];
    expect((await t.api.call('POST', '/v1/purchases', { key: t.admin, body: { orders } })).status).toBe(200);
    await drainAndPoll();

    const eu = homeStreaming(t.api, 'eu-central-1');
    const published = await dueOnStream(eu);
    expect(new Set(published.map((e) => e!.customerId))).toEqual(new Set([soon, due]));
    expect(published.map((e) => e!.type === 'customer.due' && e!.status).sort()).toEqual(['due', 'due_soon']);
    const first = await live('EU');
    expect([first.becameDueToday, first.today]).toEqual([2, new Date().toISOString().slice(0, 10)]);
    expect((await live('ROW')).becameDueToday).toBe(1);
    expect(JSON.stringify(first)).not.toMatch(/cus_/);
    // The Server-Sent Events carry the same figure.
    const sse = await t.api.call('GET', '/v1/ops/live/stream?jurisdiction=EU&count=1', { key: t.admin });
    expect(sse.type).toContain('text/event-stream');
    const data = JSON.parse(String(sse.body).split('\n').find((l: string) => l.startsWith('data:'))!.slice(5));
    expect(data.becameDueToday).toBe(2);

    // The same facts told again: the events published a second time, and the daily refit, which sees
    // everyone due again (same ids: one per customer and purchase interval).
    await eu.producer.publish(published.map((e) => e!));
    const refit = await t.api.regions.get('eu-central-1')!.jobs.run('predictions.refit', { suffix: 'became-due' });
    expect(refit.status).toBe('succeeded');
    await drainAndPoll();
    const seenDue = new Set((await dueOnStream(eu)).map((e) => e!.customerId));
    expect((await dueOnStream(eu)).length).toBeGreaterThan(published.length);
    expect((await live('EU')).becameDueToday).toBe(seenDue.size);
    expect(seenDue.has(later)).toBe(false);

    // Every record delivered again (a Lambda retry, a poller restarted without its checkpoints): nothing moves.
    const again = new LiveConsumer({ jurisdiction: 'EU', live: eu.live, erasedCustomers: async () => new Set(), now: Date.now });
    for (const [shardId, records] of await recordsByShard(eu)) await again.apply(shardId, records);
    expect((await live('EU')).becameDueToday).toBe(seenDue.size);

    // A day later the count starts again (its own day's items), and the event of today counts for today only.
    const tomorrow = new StreamingService({ jurisdiction: 'EU', producer: eu.producer, live: eu.live, now: () => Date.now() + DAY });
    const next = await tomorrow.live();
    expect([next.becameDueToday, next.today]).toEqual([0, new Date(Date.now() + DAY).toISOString().slice(0, 10)]);
  });
});
