import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KinesisEventStream } from '../../src/streaming/kinesis.ts';
import { StreamUnavailable } from '../../src/streaming/stream.ts';

/**
 * A stream endpoint that accepts connections and never answers (a black-holed route), reached with the
 * production client's own settings (no test handler): a PutRecords gives up within its attempts' deadlines
 * (decision 156) and says the stream is unavailable, so the purchase it serves moves its events to the outbox.
 */
describe('Kinesis that never answers', () => {
  let server: Server;
  const sockets: Socket[] = [];
  let endpoint = '';
  beforeAll(async () => {
    server = createServer((socket) => void sockets.push(socket)); // reads nothing, writes nothing
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  it('fails a put as StreamUnavailable after its bounded attempts instead of waiting for the socket', async () => {
    const stream = new KinesisEventStream('cadence-eu-events', { region: 'eu-central-1', endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const err = await stream.put([{ partitionKey: 'k', data: '{}' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamUnavailable);
    expect(sockets.length).toBeGreaterThan(0); // it did reach the endpoint: the bound is the deadline's, not a refusal's
  }, 20_000);
});
