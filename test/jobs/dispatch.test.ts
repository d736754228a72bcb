import { describe, expect, it } from 'vitest';
import { InProcessQueue } from '../../src/jobs/queue.ts';

const id = (n: number) => `cus_eu_${String(n).padStart(20, '0')}`;

describe('queue dispatch: a batch\'s recomputes run as one', () => {
  it('recomputes each customer of a batch once, and acknowledges every message it merged', async () => {
    const queue = new InProcessQueue('dispatch-test', { batchSize: 10 });
    const calls: string[][] = [];
    const purged: string[] = [];
    queue.handlers = { 'predictions.recompute': async (m) => void calls.push(m.customerIds), 'insights.purge': async (m) => void purged.push(m.customerId) };
    await queue.send({ kind: 'predictions.recompute', customerIds: [id(1), id(2)] });
    await queue.send({ kind: 'insights.purge', customerId: id(9) });
    await queue.send({ kind: 'predictions.recompute', customerIds: [id(2), id(3)] });
    await queue.send({ kind: 'predictions.recompute', customerIds: [id(1)] });
    await queue.drain();
    expect(calls).toEqual([[id(1), id(2), id(3)]]);
    expect(purged).toEqual([id(9)]);
    expect(queue.size).toBe(0);
    expect(queue.deadLetters).toEqual([]);
  });

  it('retries every merged message when the recompute fails, and dead-letters each after its retries', async () => {
    const queue = new InProcessQueue('dispatch-test', { batchSize: 10, maxRetries: 2 });
    let attempts = 0;
    queue.handlers = {
      'predictions.recompute': async () => {
        attempts++;
        throw new Error('store down');
      },
    };
    await queue.send({ kind: 'predictions.recompute', customerIds: [id(1)] });
    await queue.send({ kind: 'predictions.recompute', customerIds: [id(2)] });
    await queue.drain();
    expect(attempts).toBe(3); // the first delivery and two retries, each for both messages at once
    expect(queue.deadLetters.map((d) => d.body)).toEqual([
      { kind: 'predictions.recompute', customerIds: [id(1)] },
      { kind: 'predictions.recompute', customerIds: [id(2)] },
    ]);
  });

  it('leaves a lone recompute and a malformed one as they are', async () => {
    const queue = new InProcessQueue('dispatch-test', { batchSize: 10 });
    const calls: string[][] = [];
    queue.handlers = { 'predictions.recompute': async (m) => void calls.push(m.customerIds) };
    await queue.send({ kind: 'predictions.recompute', customerIds: [id(4)] });
    await queue.send({ kind: 'predictions.recompute', customerIds: ['not-an-id'] } as never);
    await queue.drain();
    expect(calls).toEqual([[id(4)]]);
    expect(queue.deadLetters.map((d) => d.reason)).toEqual(['malformed message']);
  });
});
