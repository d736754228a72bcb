import type { CustomerRepository } from '../customers/customers.repository.ts';
import { Problem } from '../http/problem.ts';
import { mapLimit } from '../shared/map-limit.ts';
import { sameLine, type PurchaseLine } from './purchases.model.ts';
import { storedKey, type PurchaseRepository } from './purchases.repository.ts';
import type { LineResult } from './purchases.schemas.ts';

/** Conditional puts in flight per request: enough to hide round trips, few enough to stay under quotas. */
const WRITE_CONCURRENCY = 16;

/** Customers that do not exist in this jurisdiction; the request is refused before anything is written. */
export async function unknownCustomers(customers: CustomerRepository, lines: readonly PurchaseLine[]): Promise<string[]> {
  const ids = [...new Set(lines.map((l) => l.customerId))];
  const existing = await customers.existing(ids);
  return ids.filter((id) => !existing.has(id));
}

export function unknownCustomersProblem(ids: string[]): Problem {
  return new Problem(422, 'purchases.unknownCustomer', 'Purchases name customers that do not exist; nothing was stored', {
    customerIds: ids.slice(0, 50),
  });
}

/**
 * Stores each line once. A batch read finds lines stored before (the usual redelivery); each remaining
 * line is written with a condition on its deterministic key, so two concurrent sends of one line store it
 * once and exactly one of them reports it as created. BatchWriteItem cannot carry that condition, which is
 * why new lines are not written with it.
 */
export async function ingestLines(repo: PurchaseRepository, lines: readonly PurchaseLine[]): Promise<LineResult[]> {
  const seen = new Map<string, PurchaseLine>();
  const stored = await repo.find(lines);
  const firstOfKey: PurchaseLine[] = [];
  for (const line of lines) {
    const key = storedKey(line);
    if (!seen.has(key)) {
      seen.set(key, line);
      if (!stored.has(key)) firstOfKey.push(line);
    }
  }
  const written = new Map<string, LineResult['status']>();
  await mapLimit(firstOfKey, WRITE_CONCURRENCY, async (line) => {
    const res = await repo.putIfAbsent(line);
    const status = res.created ? 'created' : res.stored && sameLine(res.stored, line) ? 'duplicate' : 'conflict';
    written.set(storedKey(line), status);
  });

  const reported = new Set<string>();
  return lines.map((line) => {
    const key = storedKey(line);
    const result = (status: LineResult['status']): LineResult => ({
      orderId: line.orderId,
      lineId: line.lineId,
      customerId: line.customerId,
      status,
    });
    const before = stored.get(key);
    if (before) return result(sameLine(before, line) ? 'duplicate' : 'conflict');
    const first = seen.get(key)!;
    if (first !== line || reported.has(key)) return result(sameLine(first, line) ? 'duplicate' : 'conflict');
    reported.add(key);
    return result(written.get(key)!);
  });
}
