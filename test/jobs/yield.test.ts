import { afterEach, describe, expect, it } from 'vitest';
import { InProcessQueue } from '../../src/jobs/queue.ts';
import { serveFetch, type RunningServer } from '../../src/node.ts';
import { QUIET_MS, RequestActivity, requestActivity } from '../../src/shared/activity.ts';

const id = (n: number) => `cus_eu_${String(n).padStart(20, '0')}`;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A queue delivering by itself, as the Node entry's does, that yields to `activity`. */
function queueYieldingTo(activity: { busy: boolean }, yieldMs: number) {
  const queue = new InProcessQueue('yield-test', { auto: true, yieldTo: activity, yieldMs });
  const recomputed: string[][] = [];
  queue.handlers = { 'predictions.recompute': async (m) => void recomputed.push(m.customerIds) };
  return { queue, recomputed };
}

describe('the in-process queue yields to the requests of its process (decision 144)', () => {
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('holds a recompute back while requests are in flight, then runs what they queued as one batch', async () => {
    const activity = { busy: true };
    const { queue, recomputed } = queueYieldingTo(activity, 60_000);
    await queue.send({ kind: 'predictions.recompute', customerIds: [id(1), id(2)] });
    await pause(400); // eight of the queue's polls: without the yield it would have delivered on the first
    await queue.send({ kind: 'predictions.recompute', customerIds: [id(2), id(3)] });
    expect(recomputed).toEqual([]);
    activity.busy = false;
    await expect.poll(() => recomputed, { timeout: 10_000 }).toEqual([[id(1), id(2), id(3)]]);
  });

  it('delivers anyway once its oldest message has waited the bound, however long the requests go on', async () => {
    const activity = { busy: true };
    const { queue, recomputed } = queueYieldingTo(activity, 200);
    await queue.send({ kind: 'predictions.recompute', customerIds: [id(1)] });
    await expect.poll(() => recomputed, { timeout: 10_000 }).toEqual([[id(1)]]);
    expect(activity.busy).toBe(true);
  });

  it('a queue that is not told about requests delivers at once (the tests\' and the Worker\'s case)', async () => {
    const queue = new InProcessQueue('yield-test', { auto: true });
    const recomputed: string[][] = [];
    queue.handlers = { 'predictions.recompute': async (m) => void recomputed.push(m.customerIds) };
    await queue.send({ kind: 'predictions.recompute', customerIds: [id(1)] });
    await expect.poll(() => recomputed, { timeout: 10_000 }).toEqual([[id(1)]]);
  });

  it('the Node entry counts a request as in flight until the app has made its answer', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    server = await serveFetch(async () => {
      await held;
      return new Response('done');
    }, 0);
    expect(requestActivity.busy).toBe(false);
    const answer = fetch(server.url);
    await expect.poll(() => requestActivity.busy, { timeout: 10_000 }).toBe(true);
    release();
    expect(await (await answer).text()).toBe('done');
    await expect.poll(() => requestActivity.busy, { timeout: 10_000 }).toBe(false);
  });

  it('counts the process busy for a moment after its last request, so a stream of requests holds the queue back', () => {
    let now = 1_000_000;
    const activity = new RequestActivity(() => now);
    const end = activity.begin();
    now += 5_000;
    end();
    now += QUIET_MS - 1;
    expect(activity.busy).toBe(true);
    now += 1;
    expect(activity.busy).toBe(false);
  });

  it('a streamed answer (the live view) is not counted while its body is sent', async () => {
    let push!: ReadableStreamDefaultController<Uint8Array>;
    server = await serveFetch(async () => new Response(new ReadableStream<Uint8Array>({ start: (c) => void (push = c) })), 0);
    const res = await fetch(server.url);
    const reader = res.body!.getReader();
    push.enqueue(new TextEncoder().encode('first'));
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('first');
    await expect.poll(() => requestActivity.busy, { timeout: 10_000 }).toBe(false); // the body still open
    push.enqueue(new TextEncoder().encode('second'));
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('second');
    push.close();
  });
});
