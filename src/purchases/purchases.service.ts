import type { CustomerRepository } from '../customers/customers.repository.ts';
import { erasedCustomer, notFound, Problem } from '../http/problem.ts';
import type { Defer } from '../shared/defer.ts';
import { mapLimit } from '../shared/map-limit.ts';
import { resolveAdjustments } from './purchases.adjustments.ts';
import { checkBatch, linesOf, ordersOf, summarize, type PurchaseLine } from './purchases.model.ts';
import type { PurchaseRepository } from './purchases.repository.ts';
import type { LineResult, Purchase, PurchasesBody, PurchasesResult } from './purchases.schemas.ts';
import { LineWriter } from './purchases.writes.ts';

/** A request about more customers than this has its predictions recomputed by a queue job. */
export const SYNC_RECOMPUTE_CUSTOMERS = 20;

export interface PurchaseServiceDeps {
  purchases: PurchaseRepository;
  customers: Pick<CustomerRepository, 'existing' | 'get'>;
  /** The ids among these that were erased (the suppression list). */
  erasedCustomers(ids: readonly string[]): Promise<Set<string>>;
  /**
   * Brings the customers' predictions up to date with their stored lines; how many were recomputed. With
   * `defer`, what follows a recompute (segment, recommendations, insights) may finish after the answer.
   */
  recompute(customerIds: readonly string[], options?: { defer?: Defer }): Promise<number>;
  /** Asks for the same off the request path (a queue job); unset: always at once. */
  recomputeLater?(customerIds: readonly string[]): Promise<void>;
  now: () => number;
}

/** Told about the lines of a request that are stored (new or sent before), after they are stored. */
export type StoredListener = (lines: readonly PurchaseLine[]) => Promise<unknown>;

/**
 * Ingestion and listing of purchase lines. Every line is stored once however often it is sent (see
 * LineWriter); a request about more than SYNC_RECOMPUTE_CUSTOMERS customers is a bulk sync, written in
 * batches, its predictions recomputed through the queue.
 */
export class PurchaseService {
  private readonly listeners: { listener: StoredListener; required: boolean; cancellations: boolean }[] = [];
  private readonly writer: LineWriter;

  constructor(private readonly deps: PurchaseServiceDeps) {
    this.writer = new LineWriter(deps.purchases);
  }

  /**
   * Adds a listener told about every request's stored lines. Best effort by default (its failure is
   * logged); a required one (the event producer) failing makes the request answer 503, so the sender
   * resends and the listener hears the lines again (they answer duplicate). With `cancellations`, it hears
   * the stored cancellations instead, after the purchases' listeners (an order bought and cancelled at once).
   */
  onStored(listener: StoredListener, options: { required?: boolean; cancellations?: boolean } = {}): void {
    this.listeners.push({ listener, required: options.required ?? false, cancellations: options.cancellations ?? false });
  }

  /** The request's lines, after the checks of the whole request (size, impossible times). */
  linesOf(body: PurchasesBody): PurchaseLine[] {
    const lines = linesOf(ordersOf(body));
    checkBatch(lines, this.deps.now());
    return lines;
  }

  /** Refuses the request (422) when it names customers that do not exist here; reads only. */
  async checkCustomers(lines: readonly PurchaseLine[]): Promise<void> {
    const ids = [...new Set(lines.map((l) => l.customerId))];
    // All ids, not only the unknown: a customer being erased still has a profile until the job ends.
    const [existing, gone] = await Promise.all([this.deps.customers.existing(ids), this.deps.erasedCustomers(ids)]);
    const unknown = ids.filter((id) => !existing.has(id));
    if (gone.size > 0) {
      throw erasedCustomer({ customerIds: [...gone].slice(0, 50) });
    }
    if (unknown.length > 0) {
      throw new Problem(422, 'purchases.unknownCustomer', 'Purchases name customers that do not exist; nothing was stored', { customerIds: unknown.slice(0, 50) });
    }
  }

  /**
   * Stores a request's lines and brings its customers' predictions up to date. The reads before the write
   * (the customers' checks, the adjusted customers' histories, the lines stored before) go out together;
   * the listeners and the recompute run side by side after it. With `defer` (the request's waitUntil), what
   * follows each recompute may finish after the answer: the answer waits for the lines, their events and
   * the predictions only (decision 134).
   */
  async ingest(body: PurchasesBody, options: { defer?: Defer } = {}): Promise<PurchasesResult> {
    const lines = this.linesOf(body);
    const reads = await Promise.allSettled([this.checkCustomers(lines), this.resolveAdjustments(lines), this.writer.storedBefore(lines)]);
    // The first refusal in that order (unknown customer before a bad return), whichever came back first.
    for (const r of reads) if (r.status === 'rejected') throw r.reason;
    const before = (reads[2] as PromiseFulfilledResult<Map<string, Purchase>>).value;
    const manyCustomers = new Set(lines.map((l) => l.customerId)).size > SYNC_RECOMPUTE_CUSTOMERS;
    const results = await this.writer.store(lines, before, manyCustomers);
    const unconfirmed = results.filter((r) => r.status === 'unconfirmed').length;
    if (unconfirmed > 0) {
      // The store went away part way: say line by line what is stored, and that a resend is safe.
      const summary = { ...summarize(results), unconfirmed, predictionsUpdated: 0 };
      const someStored = summary.created + summary.duplicates + summary.conflicts > 0;
      throw new Problem(503, someStored ? 'purchases.partiallyStored' : 'storage.unavailable', 'The store did not confirm every line; send the same request again (stored lines will answer duplicate)', summary);
    }
    // Re-sent lines too (a retry after a failed listener heals it); conflicting lines were not stored.
    // Listeners (conversions, the event stream) hear of purchases, and conversions of cancellations; returns act through the history.
    const stored = (type: PurchaseLine['type']) => lines.filter((l, i) => l.type === type && (results[i]!.status === 'created' || results[i]!.status === 'duplicate'));
    // Every customer in the request, not only those with new lines: a retry after a failed recompute
    // sees only duplicates, and must still bring the predictions up to date. The recompute never throws.
    const [notified, recomputed] = await Promise.allSettled([this.notify(stored(undefined), stored('cancellation'), results), this.recompute(lines, options.defer)]);
    if (notified.status === 'rejected') throw notified.reason;
    const { updated, queued } = (recomputed as PromiseFulfilledResult<{ updated: number; queued: number }>).value;
    return { ...summarize(results), predictionsUpdated: updated, ...(queued > 0 ? { predictionsQueued: queued } : {}) };
  }

  /**
   * Returns and cancellations are checked against the customer's stored lines (read consistently, only for
   * customers the request adjusts) before anything is written: a bad one refuses the whole request (422).
   * Two concurrent returns of one line can both pass; the history caps returns at what was bought.
   */
  private async resolveAdjustments(lines: PurchaseLine[]): Promise<void> {
    const ids = [...new Set(lines.filter((l) => l.type !== undefined).map((l) => l.customerId))];
    if (ids.length === 0) return;
    const stored = new Map<string, PurchaseLine[]>();
    await mapLimit(ids, 8, async (id) => void stored.set(id, await this.deps.purchases.allOf(id)));
    resolveAdjustments(lines, stored);
  }

  /** A page of a customer's lines, newest first; 404 when the customer does not exist. */
  async list(customerId: string, limit: number, beforeTimeKey?: string): Promise<{ items: Purchase[]; lastTimeKey?: string }> {
    const page = await this.deps.purchases.newestFirst(customerId, limit, beforeTimeKey);
    if (page.items.length === 0 && !beforeTimeKey && !(await this.deps.customers.get(customerId))) throw notFound('customer');
    return page;
  }

  private async notify(lines: readonly PurchaseLine[], cancellations: readonly PurchaseLine[], results: LineResult[]): Promise<void> {
    const ordered = [...this.listeners.filter((l) => !l.cancellations), ...this.listeners.filter((l) => l.cancellations)];
    for (const { listener, required, cancellations: hearsCancellations } of ordered) {
      await listener(hearsCancellations ? cancellations : lines).catch((err: unknown) => {
        console.error(JSON.stringify({ level: 'error', msg: 'after-store listener failed', required, error: String(err) }));
        if (required) {
          throw new Problem(503, 'purchases.eventsUnrecorded', 'The lines are stored but their events could not be recorded; send the same request again (stored lines answer duplicate)', { ...summarize(results), predictionsUpdated: 0 });
        }
      });
    }
  }

  /**
   * Predictions follow purchases: at once for a request about a few customers (a checkout, where the
   * storefront reads them next), through the queue for a bulk sync (where the request would otherwise
   * wait for every customer's recompute). A failure here is logged; the lines stay stored and a resend,
   * the queue's retry or the daily refit heals it.
   */
  private async recompute(lines: readonly PurchaseLine[], defer: Defer | undefined): Promise<{ updated: number; queued: number }> {
    const ids = [...new Set(lines.map((l) => l.customerId))];
    if (ids.length === 0) return { updated: 0, queued: 0 };
    try {
      if (ids.length > SYNC_RECOMPUTE_CUSTOMERS && this.deps.recomputeLater) {
        await this.deps.recomputeLater(ids);
        return { updated: 0, queued: ids.length };
      }
      return { updated: await this.deps.recompute(ids, defer ? { defer } : {}), queued: 0 };
    } catch (err) {
      console.error(JSON.stringify({ level: 'error', msg: 'predictions recompute failed', error: String(err) }));
      return { updated: 0, queued: 0 };
    }
  }
}
