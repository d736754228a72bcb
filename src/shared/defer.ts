import { AsyncLocalStorage } from 'node:async_hooks';
/**
 * Hands work that may finish after the answer to whatever keeps the request's isolate alive for it: a
 * Worker's `ctx.waitUntil`, or the Node entry's BackgroundWork. The work must catch its own failures.
 */
export type Defer = (work: Promise<unknown>) => void;

/**
 * The Node entry's waitUntil: work handed over after an answer, tracked so that shutdown and tests can
 * wait for it (`settled`). A failure is logged, never thrown to anyone.
 */
export class BackgroundWork {
  private readonly pending = new Set<Promise<unknown>>();

  readonly defer: Defer = (work) => {
    const tracked: Promise<unknown> = work
      .catch((err: unknown) => console.error(JSON.stringify({ level: 'error', msg: 'background work failed', error: String(err) })))
      .finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  };

  /** Resolves once nothing handed over is still running (including work handed over meanwhile). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** As an ExecutionContext for `app.fetch(request, env, ctx)` (Hono's `c.executionCtx`). */
  get executionContext(): { waitUntil(work: Promise<unknown>): void; passThroughOnException(): void; props: Record<string, never> } {
    return { waitUntil: this.defer, passThroughOnException: () => undefined, props: {} };
  }
}

/** The request's waitUntil (Hono's `c.executionCtx`); undefined where the host gave none (then work is awaited). */
export function deferOf(c: { readonly executionCtx: { waitUntil(work: Promise<unknown>): void } }): Defer | undefined {
  try {
    const ctx = c.executionCtx;
    return (work) => ctx.waitUntil(work);
  } catch {
    return undefined; // Hono throws when the request came without an execution context
  }
}

const current = new AsyncLocalStorage<Defer>();

/**
 * Runs `fn` with `defer` as the waitUntil of the request, queue batch or cron run it works for, so code
 * that has no request context (an event listener, the producer's outbox drain) can still hand its work to it.
 */
export function withDefer<T>(defer: Defer, fn: () => T): T {
  return current.run(defer, fn);
}

/** The waitUntil of the request, batch or run this code works for; undefined outside one. */
export function currentDefer(): Defer | undefined {
  return current.getStore();
}

/** The app's first middleware: the rest of the request runs with its waitUntil as the current one. */
export const requestDefer = (c: Parameters<typeof deferOf>[0], next: () => Promise<void>): Promise<void> => {
  const defer = deferOf(c);
  return defer ? withDefer(defer, next) : next();
};
