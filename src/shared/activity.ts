/**
 * The requests a Node process is answering right now: the Node entry counts each that reaches the app
 * until the app has made its answer (not while a streamed body is sent; the storefront fast path answers
 * synchronously and is not counted). A Worker's queue consumer runs in
 * an invocation of its own; the Node entry's in-process queue shares the requests' core, so it holds its
 * deliveries back while requests are in flight, for a bounded time (InProcessQueueOptions.yieldMs).
 */
export class RequestActivity {
  private inFlight = 0;

  /** Counts a request until the returned function is called (once). */
  begin(): () => void {
    this.inFlight++;
    return () => void this.inFlight--;
  }

  get busy(): boolean {
    return this.inFlight > 0;
  }
}

/** The process's one count (every region app of a Node process shares its cores). */
export const requestActivity = new RequestActivity();
