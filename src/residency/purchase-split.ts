import type { Jurisdiction } from '../regions/region.schema.ts';
import { ordersOf, resultCount } from '../purchases/purchases.model.ts';
import { PurchasesBody, PurchasesResult, type LineResult, type OrderOrCancellation } from '../purchases/purchases.schemas.ts';
import type { BatchSplitter } from './guard.ts';
import { jurisdictionOfCustomerId } from './jurisdiction.ts';

export interface PurchaseSplitDeps {
  /** The checks of the request as a whole (its size, impossible times): they throw a problem. */
  checkWhole(body: PurchasesBody): void;
  /** The read-only checks of the local part (its customers exist here). */
  checkLocal(local: PurchasesBody): Promise<void>;
}

/**
 * A purchase batch may mix EU and ROW customers (the orders service does not sort them): each
 * jurisdiction's orders are stored there, and the answer is put back in request order.
 */
export function purchaseSplit(deps: PurchaseSplitDeps): BatchSplitter {
  return {
    method: 'POST',
    path: '/v1/purchases',
    split(_c, body) {
      const parsed = PurchasesBody.safeParse(body);
      if (!parsed.success) return undefined; // the route answers with the validation errors
      deps.checkWhole(parsed.data);
      const parts = new Map<Jurisdiction, OrderOrCancellation[]>();
      for (const order of ordersOf(parsed.data)) {
        const j = jurisdictionOfCustomerId(order.customerId)!;
        parts.set(j, [...(parts.get(j) ?? []), order]);
      }
      return new Map([...parts].map(([j, orders]) => [j, { orders }]));
    },
    // `split` produced it: a valid batch.
    precheck: (local) => deps.checkLocal(local as PurchasesBody),
    merge(body, answers) {
      const parsed = new Map([...answers].map(([j, a]) => [j, PurchasesResult.parse(a)]));
      const next = new Map([...parsed.keys()].map((j) => [j, 0]));
      const results: LineResult[] = [];
      for (const order of ordersOf(PurchasesBody.parse(body))) {
        const j = jurisdictionOfCustomerId(order.customerId)!;
        for (let k = 0; k < resultCount(order); k++) {
          const i = next.get(j)!;
          results.push(parsed.get(j)!.results[i]!);
          next.set(j, i + 1);
        }
      }
      const sum = (k: 'created' | 'duplicates' | 'conflicts' | 'predictionsUpdated') => [...parsed.values()].reduce((s, a) => s + a[k], 0);
      const unconfirmed = results.filter((r) => r.status === 'unconfirmed').length;
      const queued = [...parsed.values()].reduce((s, a) => s + (a.predictionsQueued ?? 0), 0);
      return { results, created: sum('created'), duplicates: sum('duplicates'), conflicts: sum('conflicts'), ...(unconfirmed > 0 ? { unconfirmed } : {}), predictionsUpdated: sum('predictionsUpdated'), ...(queued > 0 ? { predictionsQueued: queued } : {}) };
    },
  };
}
