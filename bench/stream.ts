/**
 * npm run bench:stream — events per second from the purchases API through Kinesis (kinesalite) to the
 * live aggregates, against raw PutRecords of the same number of records to the same kinesalite in the
 * same run (the ratio), and the consumer's lag (oldest record's wait until applied). In process: the
 * region apps are called without an HTTP server (as the tests do); the stores and kinesalite are real.
 * BENCH_LINES (default 4,000) lines in requests of BENCH_BATCH (default 200) lines, 4 in flight.
 */
import { regions } from '../regions/index.ts';
import { startLocalKinesis } from '../src/local/kinesis-streams.ts';
import { mapLimit } from '../src/shared/map-limit.ts';
import { ShardPoller } from '../src/streaming/poller.ts';
import { client } from '../test/support/app.ts';
import { startDynaliteStores } from '../test/support/stores.ts';

const totalLines = Number(process.env.BENCH_LINES ?? 4_000);
const perRequest = Number(process.env.BENCH_BATCH ?? 200);
const stores = await startDynaliteStores();
const kinesis = await startLocalKinesis(regions);
const api = client(stores, { streaming: (region) => kinesis.connection(region) });
const parts = api.regions.get('eu-central-1')!.streaming!;
try {
  const customers: string[] = [];
  for (let i = 0; i < 20; i++) customers.push((await api.call('POST', '/v1/customers', { key: stores.adminKey, body: { country: 'DE' } })).body.id);

  // Raw PutRecords: the same number of records of the same size, 500 per call, 4 calls in flight.
  const sample = JSON.stringify({ v: 1, id: `evt:${customers[0]}:purchase.line:8:raw-0000:a`, type: 'purchase.line', jurisdiction: 'EU', region: 'eu-central-1', at: new Date().toISOString(), customerId: customers[0], orderId: 'raw-0000', lineId: 'a', productId: 'coffee', quantity: 1, unitPrice: 12.5, currency: 'EUR' });
  const chunks = Array.from({ length: Math.ceil(totalLines / 500) }, (_, c) => Array.from({ length: Math.min(500, totalLines - c * 500) }, (_, i) => ({ partitionKey: customers[i % customers.length]!, data: sample })));
  let t0 = performance.now();
  await mapLimit(chunks, 4, (records) => parts.stream.put(records));
  const rawPerSecond = totalLines / ((performance.now() - t0) / 1000);
  const drainRaw = new ShardPoller({ stream: parts.stream, consumer: parts.consumer, checkpoints: parts.live });
  await drainRaw.pollOnce(); // the raw records are read past (their ids repeat: counted once), so the run starts at the tip

  // Through the API: requests of `perRequest` lines, while a poller applies what arrives.
  const poller = new ShardPoller({ stream: parts.stream, consumer: parts.consumer, checkpoints: parts.live });
  poller.start(50);
  const requests = Array.from({ length: Math.ceil(totalLines / perRequest) }, (_, r) => ({
    orders: Array.from({ length: perRequest / 2 }, (_, i) => ({
      orderId: `bench-${r}-${i}`,
      customerId: customers[(r + i) % customers.length],
      purchasedAt: new Date(Date.now() - (i % 30) * 60_000).toISOString(),
      lines: [
        { lineId: 'a', productId: 'coffee', quantity: 1, unitPrice: 12.5, currency: 'EUR' },
        { lineId: 'b', productId: 'milk', quantity: 2, unitPrice: 1.9, currency: 'EUR' },
      ],
    })),
  }));
  const before = (await api.call('GET', '/v1/ops/live?jurisdiction=EU', { key: stores.adminKey })).body.linesLastHour as number;
  t0 = performance.now();
  let maxLag = 0;
  await mapLimit(requests, 4, async (body) => {
    const res = await api.call('POST', '/v1/purchases', { key: stores.adminKey, body });
    if (res.status !== 200) throw new Error(`purchase failed: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    maxLag = Math.max(maxLag, ...poller.lag.values());
  });
  const accepted = performance.now();
  for (;;) {
    const lines = (await api.call('GET', '/v1/ops/live?jurisdiction=EU', { key: stores.adminKey })).body.linesLastHour as number;
    if (lines - before >= totalLines) break;
    if (performance.now() - accepted > 120_000) throw new Error(`only ${lines - before} of ${totalLines} lines reached the aggregates`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const done = performance.now();
  await poller.stop();
  const endToEnd = totalLines / ((done - t0) / 1000);
  console.log(JSON.stringify({
    lines: totalLines,
    rawPutRecordsPerSecond: Math.round(rawPerSecond),
    apiToAggregatesPerSecond: Math.round(endToEnd),
    ratio: Number((endToEnd / rawPerSecond).toFixed(3)),
    acceptedPerSecond: Math.round(totalLines / ((accepted - t0) / 1000)),
    consumerCatchUpMsAfterLastAccept: Math.round(done - accepted),
    maxMillisBehindLatest: maxLag,
  }, null, 2));
} finally {
  await kinesis.close();
  await stores.close();
}
