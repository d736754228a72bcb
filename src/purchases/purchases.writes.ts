import { DependencyUnavailable } from '../shared/errors.ts';
import { mapLimit } from '../shared/map-limit.ts';
import { BATCH_WRITE_LIMIT } from '../storage/batch.ts';
import { publicLineId, sameLine, type PurchaseLine } from './purchases.model.ts';
import type { PurchaseRepository } from './purchases.repository.ts';
import type { LineResult, Purchase } from './purchases.schemas.ts';

/** A request with more new lines than this is an import, not a checkout: its lines are written in batches. */
export const BATCHED_WRITE_LINES = 200;
/** Conditional puts in flight per request: enough to hide round trips, few enough to stay under quotas. */
const WRITE_CONCURRENCY = 16;
/** BatchWriteItem calls in flight per bulk request (25 lines each). */
const BATCH_CONCURRENCY = 4;

export const storedKey = (l: { customerId: string; orderId: string; lineId: string }) => `${l.customerId}#${l.orderId}#${l.lineId}`;

/**
 * How a request's lines are written so that each is stored once however often it is sent: its key is
 * derived from the line; a checkout's lines are written conditionally on that key, a bulk sync's in
 * batches checked by a read after the write.
 */
export class LineWriter {
  constructor(private readonly purchases: PurchaseRepository) {}

  /** The lines among these stored before (the usual redelivery), by key: read before anything is written. */
  storedBefore(lines: readonly PurchaseLine[]): Promise<Map<string, Purchase>> {
    return this.purchases.find(lines);
  }

  /**
   * Stores each line once: `stored` holds the lines found before (see storedBefore); each remaining line
   * is written with a condition on its deterministic key, so two concurrent sends of one line store it
   * once and exactly one of them reports it as created. A bulk sync (`manyCustomers`, or more than
   * BATCHED_WRITE_LINES new lines) is written in batches instead.
   */
  async store(lines: readonly PurchaseLine[], stored: ReadonlyMap<string, Purchase>, manyCustomers: boolean): Promise<LineResult[]> {
    const seen = new Map<string, PurchaseLine>();
    const firstOfKey: PurchaseLine[] = [];
    for (const line of lines) {
      const key = storedKey(line);
      if (seen.has(key)) continue;
      seen.set(key, line);
      if (!stored.has(key)) firstOfKey.push(line);
    }
    const bulk = manyCustomers || firstOfKey.length > BATCHED_WRITE_LINES;
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
        const res = await this.purchases.putIfAbsent(line);
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
        await this.purchases.putAll(chunk);
        sent.push(...chunk);
      } catch (err) {
        if (!(err instanceof DependencyUnavailable)) throw err;
        storeDown = true;
        for (const line of chunk) written.set(storedKey(line), 'unconfirmed');
      }
    });
    try {
      const stored = await this.purchases.find(sent, true);
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
}
