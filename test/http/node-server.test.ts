import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { serveFetch } from '../../src/node.ts';

describe('the Node server', () => {
  it('listens on loopback by default, and drops a request whose body never arrives instead of waiting minutes', async () => {
    const server = await serveFetch(async (req) => new Response(await req.text()), 0, undefined, { requestMs: 1_000 });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const { port } = new URL(server.url);
      const started = Date.now();
      const answer = await new Promise<string>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1', () => {
          socket.write('POST /v1/purchases HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"only":"20 bytes"}');
        });
        let text = '';
        socket.on('data', (d) => (text += d.toString()));
        socket.on('close', () => resolve(text));
      });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      await server.close();
    }
  });
});
