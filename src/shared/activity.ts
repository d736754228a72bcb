/** How long after its last request a process counts as busy: requests in a stream leave gaps of milliseconds. */
export const QUIET_MS = 250;

/**
 * The requests a Node process is answering right now: the Node entry counts each that reaches the app
 * until the app has made its answer (not while a streamed body is sent; the storefront fast path answers
 * synchronously and is not counted). A Worker's queue consumer runs in an invocation of its own; the Node
 * entry's in-process queue shares the requests' core, so it holds its deliveries back while the process is
 * busy, for a bounded time (InProcessQueueOptions.yieldMs).
 */
export class RequestActivity {
  private inFlight = 0;
  private lastEnd = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Counts a request until the returned function is called (once). */
  begin(): () => void {
    this.inFlight++;
    return () => {
      this.inFlight--;
      this.lastEnd = this.now();
    };
  }

  /** A request is in flight, or one ended less than QUIET_MS ago. */
  get busy(): boolean {
    return this.inFlight > 0 || this.now() - this.lastEnd < QUIET_MS;
  }
}

/** The process's one count (every region app of a Node process shares its cores). */
export const requestActivity = new RequestActivity();
