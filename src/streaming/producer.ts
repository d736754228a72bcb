import { DependencyUnavailable } from '../shared/errors.ts';
import { currentDefer } from '../shared/defer.ts';
import { encodeEvent, type CadenceEvent } from './events.model.ts';
import { PUT_RECORDS_LIMIT } from './kinesis.ts';
import type { Outbox } from './outbox.repository.ts';
import type { EventStream } from './stream.ts';

/** PutRecords rounds for the records a call refused (partial failure), before they wait in the outbox. */
const PUT_ROUNDS = 3;
/** Outbox entries sent per drain call (a scheduled drain calls it again while it finds more). */
const DRAIN_PAGE = 200;

export interface ProducerDeps {
  stream: EventStream;
  outbox: Outbox;
  now: () => number;
  /** Waits between rounds (tests pass a no-op). */
  sleep?: (ms: number) => Promise<void>;
}

const wait = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Publishes events to the jurisdiction's stream and never loses one: a record the stream refuses is
 * retried, then written to the outbox, which `drain` sends once the stream is back. Publishing throws
 * only when neither the stream nor the outbox took an event (the caller must then not acknowledge it).
 * Delivery is at least once; consumers dedupe by event id.
 */
export class EventProducer {
  /** Set when this isolate queued events: the next successful publish also drains the outbox. */
  private outboxUsed = true;
  private draining: Promise<number> | undefined;

  constructor(private readonly deps: ProducerDeps) {}

  get streamName(): string {
    return this.deps.stream.name;
  }

  /** Publishes the events; those the stream did not take are in the outbox when this resolves. */
  async publish(events: readonly CadenceEvent[]): Promise<{ published: number; queued: number }> {
    if (events.length === 0) return { published: 0, queued: 0 };
    const left = await this.send(events);
    if (left.length > 0) {
      // Throws StoreUnavailable if the table cannot take them either: the purchase then answers 503.
      await this.deps.outbox.save(left, this.deps.now());
      this.outboxUsed = true;
      log('warn', 'events queued in the outbox', { stream: this.deps.stream.name, queued: left.length });
    } else if (this.outboxUsed) {
      // The stream is back: empty the outbox after this answer, kept alive by its waitUntil (on Workers
      // work not handed to it stops when the answer is sent, and a drain left hanging held every later one).
      const drained = this.drain().catch(() => undefined);
      currentDefer()?.(drained);
    }
    return { published: events.length - left.length, queued: left.length };
  }

  /**
   * Sends what waits in the outbox, oldest first, and removes what the stream took; how many were sent.
   * One drain at a time per isolate; a record sent twice (the removal failed) is deduped downstream.
   */
  drain(maxPages = 10): Promise<number> {
    if (!this.draining) {
      const run: Promise<number> = this.drainPages(maxPages).finally(() => {
        if (this.draining === run) this.draining = undefined;
      });
      this.draining = run;
    }
    return this.draining;
  }

  /** A drain of its own, joining none in flight (the scheduled drain runs its pages whatever else is draining). */
  drainAlone(maxPages = 10): Promise<number> {
    return this.drainPages(maxPages);
  }

  private async drainPages(maxPages: number): Promise<number> {
    let sent = 0;
    for (let page = 0; page < maxPages; page++) {
      const entries = await this.deps.outbox.pending(DRAIN_PAGE);
      if (entries.length === 0) {
        this.outboxUsed = false;
        break;
      }
      const events = entries.map((e) => e.event);
      const left = new Set((await this.send(events)).map((e) => e.id));
      const out = events.filter((e) => !left.has(e.id));
      await this.deps.outbox.remove(out);
      sent += out.length;
      if (left.size > 0) break; // the stream is still refusing: try again on the next drain
    }
    if (sent > 0) log('info', 'outbox drained', { stream: this.deps.stream.name, sent });
    return sent;
  }

  /** PutRecords in calls of 500, retrying refused records; the events that are still not on the stream. */
  private async send(events: readonly CadenceEvent[]): Promise<CadenceEvent[]> {
    const left: CadenceEvent[] = [];
    for (let i = 0; i < events.length; i += PUT_RECORDS_LIMIT) {
      let pending = events.slice(i, i + PUT_RECORDS_LIMIT);
      for (let round = 0; pending.length > 0 && round < PUT_ROUNDS; round++) {
        if (round > 0) await (this.deps.sleep ?? wait)(Math.random() * 50 * 2 ** round);
        try {
          const { failed } = await this.deps.stream.put(pending.map(encodeEvent));
          pending = failed.map((j) => pending[j]!);
        } catch (err) {
          // Down, misconfigured or refusing the call: no use asking again now; the outbox keeps them.
          if (!(err instanceof DependencyUnavailable)) log('warn', 'PutRecords failed', { stream: this.deps.stream.name, error: String(err) });
          break;
        }
      }
      left.push(...pending);
    }
    return left;
  }
}

function log(level: 'info' | 'warn', msg: string, fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ level, msg, ...fields }));
}
