import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KinesisEventStream } from '../../src/streaming/kinesis.ts';
import { StreamUnavailable } from '../../src/streaming/stream.ts';
import { startBlackHole, type BlackHole } from '../support/black-hole.ts';

/**
 * A stream endpoint that accepts connections and never answers (a black-holed route), reached with the
 * production client's own settings (no test handler): a PutRecords gives up within its attempts' deadlines
 * (decision 156) and says the stream is unavailable, so the purchase it serves moves its events to the outbox.
 */
describe('Kinesis that never answers', () => {
  let hole: BlackHole;
  beforeAll(async () => void (hole = await startBlackHole()));
  afterAll(async () => hole?.close());

  it('fails a put as StreamUnavailable after its bounded attempts instead of waiting for the socket', async () => {
    const stream = new KinesisEventStream('cadence-eu-events', { region: 'eu-central-1', endpoint: hole.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const err = await stream.put([{ partitionKey: 'k', data: '{}' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamUnavailable);
    expect(hole.connections()).toBeGreaterThan(0); // it did reach the endpoint: the bound is the deadline's, not a refusal's
  }, 20_000);
});
