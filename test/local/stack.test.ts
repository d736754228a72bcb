import { describe, expect, it } from 'vitest';
import { startLocalStack } from '../../src/local/stack.ts';

/** `npm start` must work for a shop of any size, including none and one too small to segment. */
describe('the local stack (Node entry, in memory)', () => {
  it.each([0, 30])('starts with %i demo customers and says why there are no segments yet', async (demoCustomers) => {
    const stack = await startLocalStack({ mode: 'node', port: 0, demoCustomers, edgeRegion: 'us-east-1' });
    try {
      const health = await fetch(`${stack.url}/health`);
      expect(health.status).toBe(200);
      const segments = await fetch(`${stack.url}/v1/segments?jurisdiction=EU`, { headers: { authorization: `Bearer ${stack.adminKey}` } });
      expect([segments.status, ((await segments.json()) as { code: string }).code]).toEqual([404, 'segments.none']);
      if (demoCustomers > 0) {
        expect(stack.daily).toHaveLength(2);
        for (const d of stack.daily) expect(d.segments).toEqual({ none: expect.stringMatching(/too few|no customers/) });
      } else {
        expect(stack.daily).toEqual([]);
      }
    } finally {
      await stack.stop();
    }
  }, 60_000);
});
