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

describe('the local stack with Bedrock pointed at a local runtime stand-in', () => {
  it('starts s3rver and the Bedrock control-plane stand-in for batch inference, and stops them', async () => {
    const { startConverseServer } = await import('../support/converse-server.ts');
    const converse = await startConverseServer();
    const lines: string[] = [];
    const stack = await startLocalStack({
      mode: 'node',
      port: 0,
      demoCustomers: 0,
      edgeRegion: 'us-east-1',
      aiEnv: { BEDROCK_ACCESS_KEY_ID: 'local', BEDROCK_SECRET_ACCESS_KEY: 'local', BEDROCK_ENDPOINT: converse.endpoint },
      log: (l) => lines.push(l),
    });
    try {
      const line = lines.find((l) => l.startsWith('batch inference:'));
      expect(line).toBeDefined();
      const control = /control-plane stand-in at (\S+)/.exec(line!)![1]!;
      // The stand-in speaks the control plane's protocol: an unknown job is a ResourceNotFoundException.
      const res = await fetch(`${control}/model-invocation-job/nope`);
      expect([res.status, res.headers.get('x-amzn-errortype')]).toEqual([404, 'ResourceNotFoundException']);
      expect((await fetch(`${stack.url}/health`)).status).toBe(200);
    } finally {
      await stack.stop();
      await converse.close();
    }
  }, 60_000);
});
