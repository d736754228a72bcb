import type { CustomerRepository } from '../customers/customers.repository.ts';
import { erasedCustomer, notFound, Problem } from '../http/problem.ts';
import { DependencyUnavailable } from '../shared/errors.ts';
import { mapLimit } from '../shared/map-limit.ts';
import { BATCH_WRITE_LIMIT } from '../storage/batch.ts';
import { resolveAdjustments } from './purchases.adjustments.ts';
import { checkBatch, linesOf, ordersOf, publicLineId, sameLine, summarize, type PurchaseLine } from './purchases.model.ts';
import type { PurchaseRepository } from './purchases.repository.ts';
import type { LineResult, Purchase, PurchasesBody, PurchasesResult } from './purchases.schemas.ts';

/** A request about more customers than this has its predictions recomputed by a queue job. */
export const SYNC_RECOMPUTE_CUSTOMERS = 20;
/** A request with more new lines than this is an import, not a checkout: its lines are written in batches. */
export const BATCHED_WRITE_LINES = 200;
/** Conditional puts in flight per request: enough to hide round trips, few enough to stay under quotas. */
const WRITE_CONCURRENCY = 16;
/** BatchWriteItem calls in flight per bulk request (25 lines each). */
const BATCH_CONCURRENCY = 4;

export interface PurchaseServiceDeps {
  purchases: PurchaseRepository;
  customers: Pick<CustomerRepository, 'existing' | 'get'>;
  /** The ids among these that were erased (the suppression list). */
  erasedCustomers(ids: readonly string[]): Promise<Set<string>>;
  /** Brings the customers' predictions up to date with their stored lines; how many were recomputed. */
  recompute(customerIds: readonly string[]): Promise<number>;
  /** Asks for the same off the request path (a queue job); unset: always at once. */
  recomputeLater?(customerIds: readonly string[]): Promise<void>;
  now: () => number;
}

/** Told about the lines of a request that are stored (new or sent before), after they are stored. */
export type StoredListener = (lines: readonly PurchaseLine[]) => Promise<unknown>;

const storedKey = (l: { customerId: string; orderId: string; lineId: string }) => `${l.customerId}#${l.orderId}#${l.lineId}`;

/**
 * Ingestion and listing of purchase lines. Every line is stored once however often it is sent: its key is
 * derived from the line; a checkout's lines are written conditionally on that key, a bulk sync's (more
 * than SYNC_RECOMPUTE_CUSTOMERS customers, or more than BATCHED_WRITE_LINES new lines) in batches checked
 * by a read after the write.
 */
export class PurchaseService {
  private readonly listeners: { listener: StoredListener; required: boolean; cancellations: boolean }[] = [];

  constructor(private readonly deps: PurchaseServiceDeps) {}

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
    const existing = await this.deps.customers.existing(ids);
    const unknown = ids.filter((id) => !existing.has(id));
    // All ids, not only the unknown: a customer being erased still has a profile until the job ends.
    const gone = await this.deps.erasedCustomers(ids);
    if (gone.size > 0) {
      throw erasedCustomer({ customerIds: [...gone].slice(0, 50) });
    }
    if (unknown.length > 0) {
      throw new Problem(422, 'purchases.unknownCustomer', 'Purchases name customers that do not exist; nothing was stored', { customerIds: unknown.slice(0, 50) });
    }
  }

  async ingest(body: PurchasesBody): Promise<PurchasesResult> {
    const lines = this.linesOf(body);
    await this.checkCustomers(lines);
    await this.resolveAdjustments(lines);
    const results = await this.store(lines);
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
    await this.notify(stored(undefined), stored('cancellation'), results);
    // Every customer in the request, not only those with new lines: a retry after a failed recompute
    // sees only duplicates, and must still bring the predictions up to date.
    const { updated, queued } = await this.recompute(lines);
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

  /**
   * Stores each line once. A batch read finds lines stored before (the usual redelivery); each remaining
   * line is written with a condition on its deterministic key, so two concurrent sends of one line store it
   * once and exactly one of them reports it as created.
   */
  private async store(lines: readonly PurchaseLine[]): Promise<LineResult[]> {
    const seen = new Map<string, PurchaseLine>();
    const stored = await this.deps.purchases.find(lines);
    const firstOfKey: PurchaseLine[] = [];
    for (const line of lines) {
      const key = storedKey(line);
      if (seen.has(key)) continue;
      seen.set(key, line);
      if (!stored.has(key)) firstOfKey.push(line);
    }
    const bulk = firstOfKey.length > BATCHED_WRITE_LINES || new Set(lines.map((l) => l.customerId)).size > SYNC_RECOMPUTE_CUSTOMERS;
    const written = bulk ? await this.writeBatched(firstOfKey) : await this.writeEach(firstOfKey);
    const reported = new Set<string>();
    return lines.map((line) => {
      const key = storedKey(line);
      const result = (status: LineResult['status']): LineResult => ({ orderId: line.orderId, lineId: publicLineId(line), customerId: line.customerId, ...(line.type ? { type: line.type } : {}), status });
      const before = stored.get(key);
      if (before) return result(sameLine(before, line) ? 'duplicate' : 'conflict');
      const first = seen.get(key)!;
      if (first !== line || reported.has(key)) return result(sameLine(first, line) ? 'duplicate' : 'conflict');
      reported.add(key);
      return result(written.get(key)!);
    });
  }

  /**
   * One conditional put per line: of two concurrent sends of a line exactly one reports it created, and
   * the first content stays. Once the store has failed a write after the SDK's retries, the remaining
   * lines are not tried: they would each wait through the same retries, and the answer (resend) is the same.
   */
  private async writeEach(lines: readonly PurchaseLine[]): Promise<Map<string, LineResult['status']>> {
    const written = new Map<string, LineResult['status']>();
    let storeDown = false;
    await mapLimit(lines, WRITE_CONCURRENCY, async (line) => {
      if (storeDown) return void written.set(storedKey(line), 'unconfirmed');
      try {
        const res = await this.deps.purchases.putIfAbsent(line);
        written.set(storedKey(line), res.created ? 'created' : res.stored && sameLine(res.stored, line) ? 'duplicate' : 'conflict');
      } catch (err) {
        // Not confirmed: it may or may not have been written; a resend finds out (conditional on the key).
        if (!(err instanceof DependencyUnavailable)) throw err;
        storeDown = true;
        written.set(storedKey(line), 'unconfirmed');
      }
    });
    return written;
  }

  /**
   * A bulk sync's lines: BatchWriteItem, 25 per call (a put per line would cost the request one store
   * call per line), then one consistent read of what stuck. A line whose stored content is another's (a
   * concurrent send with other content wrote after this one) answers conflict; the content that stays is
   * the last written, and two concurrent sends of the same content may both answer created. If the store
   * goes away, the chunks it acknowledged are created and the rest unconfirmed.
   */
  private async writeBatched(lines: readonly PurchaseLine[]): Promise<Map<string, LineResult['status']>> {
    const written = new Map<string, LineResult['status']>();
    const sent: PurchaseLine[] = [];
    const chunks: PurchaseLine[][] = [];
    for (let i = 0; i < lines.length; i += BATCH_WRITE_LIMIT) chunks.push(lines.slice(i, i + BATCH_WRITE_LIMIT));
    let storeDown = false;
    await mapLimit(chunks, BATCH_CONCURRENCY, async (chunk) => {
      if (storeDown) return void chunk.forEach((line) => written.set(storedKey(line), 'unconfirmed'));
      try {
        await this.deps.purchases.putAll(chunk);
        sent.push(...chunk);
      } catch (err) {
        if (!(err instanceof DependencyUnavailable)) throw err;
        storeDown = true;
        for (const line of chunk) written.set(storedKey(line), 'unconfirmed');
      }
    });
    try {
      const stored = await this.deps.purchases.find(sent, true);
      for (const line of sent) {
        const now = stored.get(storedKey(line));
        written.set(storedKey(line), !now ? 'unconfirmed' : sameLine(now, line) ? 'created' : 'conflict');
      }
    } catch (err) {
      // The store acknowledged these writes before it went away: they are stored (a concurrent send's
      // other content cannot be told apart until the resend, which answers conflict then).
      if (!(err instanceof DependencyUnavailable)) throw err;
      for (const line of sent) written.set(storedKey(line), 'created');
    }
    return written;
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
  private async recompute(lines: readonly PurchaseLine[]): Promise<{ updated: number; queued: number }> {
    const ids = [...new Set(lines.map((l) => l.customerId))];
    if (ids.length === 0) return { updated: 0, queued: 0 };
    try {
      if (ids.length > SYNC_RECOMPUTE_CUSTOMERS && this.deps.recomputeLater) {
        await this.deps.recomputeLater(ids);
        return { updated: 0, queued: ids.length };
      }
      return { updated: await this.deps.recompute(ids), queued: 0 };
    } catch (err) {
      console.error(JSON.stringify({ level: 'error', msg: 'predictions recompute failed', error: String(err) }));
      return { updated: 0, queued: 0 };
    }
  }
}
