import { handleQueueBatch, type QueueMessage } from './dispatch.ts';
import type { JobHandlers, JobMessage } from './messages.ts';

/** Where jobs are sent: a Cloudflare Queue in Workers, an in-process queue under Node and in tests. */
export interface JobQueue {
  send(message: JobMessage, options?: { delaySeconds?: number }): Promise<void>;
  sendBatch(messages: readonly JobMessage[]): Promise<void>;
  /** Sends a message no delivery can help straight to the queue's dead-letter queue. */
  deadLetter(body: unknown, reason: string): Promise<void>;
}

/** The subset of a Workers Queue binding Cadence uses. */
export interface QueueBinding {
  send(body: unknown, options?: { delaySeconds?: number; contentType?: 'json' }): Promise<void>;
  sendBatch(messages: Iterable<{ body: unknown; contentType?: 'json' }>): Promise<void>;
}

/** Cloudflare Queues take at most 100 messages per sendBatch. */
const SEND_BATCH_LIMIT = 100;

export function workersQueue(binding: QueueBinding, deadLetters: QueueBinding): JobQueue {
  return {
    send: (message, options) => binding.send(message, { contentType: 'json', ...options }),
    // The reason is logged by the dispatcher; the dead-letter consumer sees the message as it was.
    deadLetter: (body) => deadLetters.send(body, { contentType: 'json' }),
    async sendBatch(messages) {
      for (let i = 0; i < messages.length; i += SEND_BATCH_LIMIT) {
        await binding.sendBatch(messages.slice(i, i + SEND_BATCH_LIMIT).map((body) => ({ body, contentType: 'json' as const })));
      }
    },
  };
}

export interface InProcessQueueOptions {
  /** Deliveries after the first before a message goes to the dead-letter handler (Cloudflare's max_retries). */
  maxRetries?: number;
  /** Deliver by itself on a timer (the Node server); tests leave it off and call drain(). */
  auto?: boolean;
  /** Scales retry delays (the Node server keeps real seconds; 0 ignores them). */
  delayScale?: number;
  batchSize?: number;
  /**
   * Requests of the same process (the Node entry's): while it is busy, a delivery waits, at most `yieldMs`
   * after its oldest ready message became due (default 30,000 ms).
   */
  yieldTo?: { readonly busy: boolean };
  yieldMs?: number;
}

/** How often a held-back delivery looks again whether the requests are done. */
const POLL_MS = 50;

interface Pending {
  id: string;
  body: unknown;
  attempts: number;
  notBefore: number;
}

/**
 * The queue semantics Cadence relies on, in process: at-least-once delivery in batches, ack or retry per
 * message with a delay, and a dead-letter handler after `maxRetries` retries. Used by the Node entry and
 * by tests; the Worker uses Cloudflare Queues (and Miniflare's locally).
 */
export class InProcessQueue implements JobQueue {
  private readonly pending: Pending[] = [];
  private seq = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  readonly deadLetters: { body: unknown; attempts: number; reason?: string }[] = [];
  /** Every message ever sent, in order (tests read it). */
  readonly sent: JobMessage[] = [];
  handlers: JobHandlers = {};
  onDeadLetter: (body: unknown) => Promise<void> = async () => {};

  constructor(
    readonly name: string,
    private readonly options: InProcessQueueOptions = {},
  ) {}

  async send(message: JobMessage, options: { delaySeconds?: number } = {}): Promise<void> {
    // A copy, as a real queue serialises the body.
    const body = structuredClone(message);
    this.sent.push(body);
    this.pending.push({ id: `m${++this.seq}`, body, attempts: 0, notBefore: Date.now() + (options.delaySeconds ?? 0) * 1000 * (this.options.delayScale ?? 1) });
    this.schedule();
  }

  async sendBatch(messages: readonly JobMessage[]): Promise<void> {
    for (const m of messages) await this.send(m);
  }

  async deadLetter(body: unknown, reason: string): Promise<void> {
    this.deadLetters.push({ body, attempts: 0, reason });
    await this.onDeadLetter(body).catch(() => {});
  }

  /** Forgets every message not delivered yet (what a worker that dies with its queue loses; tests). */
  clear(): void {
    this.pending.length = 0;
  }

  get size(): number {
    return this.pending.length;
  }

  private schedule(): void {
    if (!this.options.auto || this.timer || this.running) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.yielding()) return this.schedule();
      this.running = this.deliverReady().then(() => {}).finally(() => {
        this.running = undefined;
        if (this.pending.length > 0) this.schedule();
      });
    }, POLL_MS);
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** Requests are in flight and the oldest due message has not waited its bound yet. */
  private yielding(): boolean {
    if (!this.options.yieldTo?.busy) return false;
    const now = Date.now();
    let oldestDue = Infinity;
    for (const p of this.pending) if (p.notBefore <= now && p.notBefore < oldestDue) oldestDue = p.notBefore;
    return oldestDue !== Infinity && now - oldestDue < (this.options.yieldMs ?? 30_000);
  }

  /** One batch of the messages that are due (all of them when `ignoreDelays`). Returns how many were delivered. */
  async deliverReady(ignoreDelays = false): Promise<number> {
    const now = Date.now();
    const ready = this.pending.filter((p) => ignoreDelays || p.notBefore <= now).slice(0, this.options.batchSize ?? 10);
    if (ready.length === 0) return 0;
    for (const p of ready) this.pending.splice(this.pending.indexOf(p), 1);
    const outcomes = new Map<string, { retry: boolean; delaySeconds: number }>();
    const messages: QueueMessage[] = ready.map((p) => ({
      id: p.id,
      body: structuredClone(p.body),
      attempts: p.attempts + 1,
      ack: () => void outcomes.set(p.id, { retry: false, delaySeconds: 0 }),
      retry: (o) => void outcomes.set(p.id, { retry: true, delaySeconds: o?.delaySeconds ?? 0 }),
    }));
    try {
      await handleQueueBatch({ queue: this.name, messages }, this.handlers, (body, reason) => this.deadLetter(body, reason));
    } catch {
      // A batch that throws is retried whole, as Cloudflare does.
      for (const p of ready) if (!outcomes.has(p.id)) outcomes.set(p.id, { retry: true, delaySeconds: 0 });
    }
    for (const p of ready) {
      const o = outcomes.get(p.id) ?? { retry: false, delaySeconds: 0 }; // not told: acked implicitly
      if (!o.retry) continue;
      p.attempts++;
      if (p.attempts > (this.options.maxRetries ?? 3)) {
        this.deadLetters.push({ body: p.body, attempts: p.attempts });
        await this.onDeadLetter(p.body).catch(() => {});
        continue;
      }
      p.notBefore = Date.now() + o.delaySeconds * 1000 * (this.options.delayScale ?? 1);
      this.pending.push(p);
    }
    return ready.length;
  }

  /** Delivers until nothing is left, ignoring delays (tests). */
  async drain(maxRounds = 1000): Promise<void> {
    for (let i = 0; i < maxRounds && this.pending.length > 0; i++) await this.deliverReady(true);
    if (this.pending.length > 0) throw new Error(`queue ${this.name} still holds ${this.pending.length} messages after ${maxRounds} rounds`);
  }
}
