import { createServer, type Server } from 'node:http';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '../../src/storage/client.ts';
import { StoreUnavailable } from '../../src/storage/errors.ts';

/**
 * The store client's retries (decision 157), through the real SDK client against a server that answers in
 * DynamoDB's JSON protocol from a script: throttling is retried past two attempts, any other failure is not.
 */
describe('store client retries', () => {
  let server: Server;
  let endpoint = '';
  const script: ('throttle' | 'fail' | 'ok')[] = [];
  let requests = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        requests++;
        const next = script.shift() ?? 'fail';
        const [status, body] =
          next === 'ok' ? [200, { Item: { pk: { S: 'a' } } }] : next === 'throttle' ? [400, { __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException', message: 'slow down' }] : [500, { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'broken' }];
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => new Promise((r) => server.close(r)));
  const get = () => documentClient({ region: 'eu-central-1', endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }).send(new GetCommand({ TableName: 'tbl', Key: { pk: 'a' } }));

  it('retries throttling up to its attempts, and answers once the store takes the call', async () => {
    [requests, script.length] = [0, 0];
    script.push('throttle', 'throttle', 'ok');
    expect((await get()).Item).toEqual({ pk: 'a' });
    expect(requests).toBe(3);
  }, 20_000);

  it('tries a failing store twice, not five times, then reports it unavailable', async () => {
    [requests, script.length] = [0, 0];
    const err = await get().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailable);
    expect(requests).toBe(2);
  }, 20_000);
});
