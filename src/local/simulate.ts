import { deploymentDeps } from '../deps.ts';
import { InProcessQueue } from '../jobs/queue.ts';
import type { PurchaseLine } from '../purchases/purchases.model.ts';
import { purchaseKey } from '../storage/keys.ts';
import { batchDeleteAll } from '../storage/batch.ts';
import { documentClient } from '../storage/client.ts';
import { DAY_MS, dayOf } from '../shared/days.ts';
import { homeRegion, localConnection } from './bootstrap.ts';
import type { StoreName } from './dynamo-stores.ts';
import { DynamoPurchaseRepository } from '../purchases/purchases.repository.ts';

export interface SimulateOptions {
  endpoints: Record<StoreName, string>;
  jwtSecret: string;
  privacyKey: string;
  /** How many days to replay, ending yesterday. */
  days: number;
  /** The real "now" the simulation ends at (default: the clock's). */
  end?: number;
  log?: (line: string) => void;
}

export interface SimulateReport {
  from: string;
  to: string;
  replayed: { EU: number; ROW: number };
}

/** Each simulated day's work happens at this hour (UTC), after the demo shop's orders (7:00 to 21:59). */
const DAILY_HOUR_MS = 23 * 3_600_000;

/**
 * Replays the stored purchases of the last `days` days forward in time (decision 68): takes them out of
 * the local stores, then, day by day on a simulated clock, sends each day's orders through the purchases
 * service (listeners, recompute) and runs the daily refit, which snapshots and scores. At the end the
 * stores hold exactly the lines they held before, and the accuracy tallies of every simulated day.
 */
export async function simulate(options: SimulateOptions): Promise<SimulateReport> {
  const log = options.log ?? (() => {});
  const end = options.end ?? Date.now();
  const lastDay = dayOf(end) - 1;
  const firstDay = lastDay - options.days + 1;
  let clock = firstDay * DAY_MS;
  const now = () => clock;
  const replayed = { EU: 0, ROW: 0 };
  const jurisdictions = (['EU', 'ROW'] as const).map((jurisdiction) => {
    const region = homeRegion(jurisdiction);
    const personal = localConnection(options.endpoints[jurisdiction], region.awsRegion);
    const deployment = deploymentDeps({
      region,
      personal,
      global: localConnection(options.endpoints.GLOBAL, region.awsRegion),
      peers: {},
      jwtSecret: options.jwtSecret,
      privacyKey: options.privacyKey,
      now,
      // Analysis jobs the replay causes are not run: the simulation is about predictions.
      queue: new InProcessQueue(`simulate-${jurisdiction}`, { auto: false }),
    });
    return { jurisdiction, region, doc: documentClient(personal), deployment, byDay: new Map<number, PurchaseLine[]>() };
  });

  for (const j of jurisdictions) {
    const purchases = new DynamoPurchaseRepository(j.doc, j.region.tables.purchases);
    for await (const page of purchases.scan()) {
      for (const line of page) {
        const day = dayOf(line.purchasedAt);
        if (day < firstDay) continue;
        if (line.type !== undefined) throw new Error('the replay takes back purchases only; these stores hold returns or cancellations in the window');
        j.byDay.set(day, [...(j.byDay.get(day) ?? []), line]);
      }
    }
    const taken = [...j.byDay.values()].flat();
    log(`${j.jurisdiction}: taking back ${taken.length} purchase lines from ${firstDay === lastDay ? 'yesterday' : `the last ${options.days} days`} to replay them`);
    await batchDeleteAll(j.doc, j.region.tables.purchases, taken.map((l) => purchaseKey(l.customerId, l.orderId, l.lineId)));
  }

  for (let day = firstDay; day <= lastDay; day++) {
    clock = day * DAY_MS + DAILY_HOUR_MS;
    for (const j of jurisdictions) {
      const lines = j.byDay.get(day) ?? [];
      for (const orders of chunks(ordersOf(lines), 500)) {
        await j.deployment.services.purchases.ingest({ orders });
        replayed[j.jurisdiction] += orders.reduce((s, o) => s + o.lines.length, 0);
      }
      // The daily refit: population model, everyone's predictions, the accuracy snapshot and its scoring.
      await j.deployment.services.jobs.run('predictions.refit');
    }
    log(`day ${new Date(clock).toISOString().slice(0, 10)}: ${jurisdictions.map((j) => `${j.jurisdiction} ${j.byDay.get(day)?.length ?? 0} lines`).join(', ')}, refitted`);
  }
  clock = end;
  return { from: new Date(firstDay * DAY_MS).toISOString().slice(0, 10), to: new Date(lastDay * DAY_MS).toISOString().slice(0, 10), replayed };
}

function ordersOf(lines: readonly PurchaseLine[]) {
  const orders = new Map<string, { orderId: string; customerId: string; purchasedAt: string; lines: { lineId: string; productId: string; quantity: number; unitPrice: number; currency: string }[] }>();
  for (const l of lines) {
    const key = `${l.customerId}#${l.orderId}`;
    const order = orders.get(key) ?? { orderId: l.orderId, customerId: l.customerId, purchasedAt: l.purchasedAt, lines: [] };
    order.lines.push({ lineId: l.lineId, productId: l.productId, quantity: l.quantity, unitPrice: l.unitPrice, currency: l.currency });
    orders.set(key, order);
  }
  return [...orders.values()];
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
