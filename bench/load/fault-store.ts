/**
 * Fault 1: the EU store (a dynalite process) is killed under reads and writes, then started again on the
 * same port and data. Writes answered while it is down must be 503 with Retry-After; reads of customers
 * whose cached answers have expired must still answer, from the last known value, marked stale (the app
 * marks a stale serve with `warning: 110 cadence "Response is Stale"`); after the restart every write
 * that was accepted (2xx) must be in the store (read back with a Query per customer).
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { EDGE_REGION_HEADER } from '../../src/hosting/edge-router.ts';
import { homeRegion, localConnection } from '../../src/local/bootstrap.ts';
import { documentClient } from '../../src/storage/client.ts';
import { purchaseBody } from './mix.ts';
import type { LoadStack } from './stack.ts';

export interface Outcome {
  kind: 'read' | 'write';
  sentAt: number;
  answeredAt: number;
  status: number;
  retryAfter: boolean;
  stale: boolean;
  customerId: string;
  orderId?: string;
}

/** Sends `perSecond` calls a second for `seconds`, open loop; resolves when all have answered. */
export async function paced<T>(perSecond: number, seconds: number, call: (i: number) => Promise<T>): Promise<T[]> {
  const pending: Promise<T>[] = [];
  const start = performance.now();
  for (let i = 0; i < perSecond * seconds; i++) {
    const wait = start + (i * 1000) / perSecond - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(call(i));
  }
  return Promise.all(pending);
}

export interface StoreFaultReport {
  downSeconds: number;
  writes: { accepted: number; refusedWith503: number; refusedWithoutRetryAfter: number; duringOutage: number; duringOutageNot503: number };
  reads: { duringOutage: number; answered: number; markedStale: number };
  other5xx: number;
  acceptedWritesFound: number;
  acceptedWritesLost: number;
  ok: boolean;
}

export async function personalStoreOutage(stack: LoadStack, writers: readonly string[], staleReaders: readonly string[], downSeconds: number): Promise<StoreFaultReport> {
  const outcomes: Outcome[] = [];
  let n = 0;
  const write = async (customerId: string) => {
    const orderId = `fault-store-${n++}`;
    const sentAt = performance.now();
    const res = await fetch(`${stack.url}/v1/purchases`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.keys.ingest}`, 'content-type': 'application/json', [EDGE_REGION_HEADER]: 'eu-central-1' },
      body: purchaseBody(stack.data, customerId, orderId),
    });
    await res.arrayBuffer();
    outcomes.push({ kind: 'write', sentAt, answeredAt: performance.now(), status: res.status, retryAfter: res.headers.has('retry-after'), stale: false, customerId, orderId });
  };
  const read = async (customerId: string) => {
    const sentAt = performance.now();
    const res = await fetch(`${stack.url}/v1/customers/${customerId}/predictions`, { headers: { authorization: `Bearer ${stack.keys.storefront}`, [EDGE_REGION_HEADER]: 'eu-central-1' } });
    await res.arrayBuffer();
    outcomes.push({ kind: 'read', sentAt, answeredAt: performance.now(), status: res.status, retryAfter: res.headers.has('retry-after'), stale: res.headers.get('warning')?.startsWith('110') === true, customerId });
  };
  const pick = <T>(list: readonly T[], i: number) => list[i % list.length]!;

  await paced(10, 3, (i) => write(pick(writers, i)));
  const stopping = performance.now();
  const writesInFlight = paced(10, downSeconds, (i) => write(pick(writers, i)));
  await stack.eu.stop();
  const down = performance.now();
  await Promise.all([writesInFlight, paced(4, Math.max(1, downSeconds - 1), (i) => read(pick(staleReaders, i)))]);
  const restarting = performance.now();
  await stack.eu.start();
  for (let i = 0; (await fetch(`${stack.url}/health/ready`, { headers: { [EDGE_REGION_HEADER]: 'eu-central-1' } })).status !== 200; i++) {
    if (i > 200) throw new Error('the EU store did not come back');
    await new Promise((r) => setTimeout(r, 50));
  }
  await paced(10, 3, (i) => write(pick(writers, i)));

  const writes = outcomes.filter((o) => o.kind === 'write');
  const accepted = writes.filter((o) => o.status >= 200 && o.status < 300);
  const outage = (o: Outcome) => o.sentAt >= down && o.answeredAt <= restarting;
  const readsDown = outcomes.filter((o) => o.kind === 'read' && outage(o));
  const found = await storedOrders(stack, [...new Set(accepted.map((o) => o.customerId))]);
  const lost = accepted.filter((o) => !found.has(`${o.customerId}#${o.orderId}`)).length;
  const report: StoreFaultReport = {
    downSeconds: Math.round((restarting - stopping) / 100) / 10,
    writes: {
      accepted: accepted.length,
      refusedWith503: writes.filter((o) => o.status === 503).length,
      refusedWithoutRetryAfter: writes.filter((o) => o.status === 503 && !o.retryAfter).length,
      duringOutage: writes.filter(outage).length,
      duringOutageNot503: writes.filter((o) => outage(o) && o.status !== 503).length,
    },
    reads: { duringOutage: readsDown.length, answered: readsDown.filter((o) => o.status === 200).length, markedStale: readsDown.filter((o) => o.status === 200 && o.stale).length },
    other5xx: outcomes.filter((o) => o.status >= 500 && o.status !== 503).length,
    acceptedWritesFound: accepted.length - lost,
    acceptedWritesLost: lost,
    ok: false,
  };
  report.ok =
    lost === 0 &&
    report.other5xx === 0 &&
    report.writes.refusedWithoutRetryAfter === 0 &&
    report.writes.duringOutage > 0 &&
    report.writes.duringOutageNot503 === 0 &&
    report.reads.duringOutage > 0 &&
    report.reads.markedStale === report.reads.duringOutage;
  return report;
}

/** `customerId#orderId` of every purchase line in the EU store for these customers. */
async function storedOrders(stack: LoadStack, customers: readonly string[]): Promise<Set<string>> {
  const doc = documentClient(localConnection(stack.endpoints.EU));
  const out = new Set<string>();
  for (const customerId of customers) {
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const res = await doc.send(new QueryCommand({ TableName: homeRegion('EU').tables.purchases, KeyConditionExpression: 'customerId = :c', ExpressionAttributeValues: { ':c': customerId }, ProjectionExpression: 'orderId', ExclusiveStartKey }));
      for (const item of res.Items ?? []) out.add(`${customerId}#${String(item.orderId)}`);
      ExclusiveStartKey = res.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }
  return out;
}
