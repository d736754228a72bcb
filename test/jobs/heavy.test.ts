import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PRIVACY_KEY } from '../support/app.ts';
import { useApi } from '../support/api.ts';

/**
 * The heavy-job entry point (decision 99) as a local process, the same module the Lambda function runs:
 * it plans and runs every page itself and writes the same job record the API shows.
 */
const t = useApi();
const root = new URL('../../', import.meta.url).pathname;

describe('a heavy job as a process', () => {
  it('refits the jurisdiction in its own process, tracked like any job; a re-run with the same key finds it done', async () => {
    const id = await t.newCustomer({ country: 'FR' });
    const orders = [0, 12, 25, 37].map((d) => ({ orderId: `h${d}`, customerId: id, purchasedAt: new Date(Date.now() - (40 - d) * 86_400_000).toISOString(), lines: [{ productId: 'tea', quantity: 1, unitPrice: 4, currency: 'EUR' }] }));
    expect((await t.api.call('POST', '/v1/purchases', { key: t.admin, body: { orders } })).status).toBeLessThan(300);
    const env = { ...process.env, CADENCE_REGION: 'eu-central-1', CADENCE_PRIVACY_KEY: PRIVACY_KEY, DYNAMODB_ENDPOINT: t.stores.endpoints.EU, DYNAMODB_GLOBAL_ENDPOINT: t.stores.endpoints.GLOBAL };
    const run = () => promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/heavy.ts', 'predictions.refit', 'heavy-1'], { cwd: root, env });
    const { stdout } = await run();
    expect(stdout).toContain('"status": "succeeded"');
    const job = (await t.api.call('GET', '/v1/ops/jobs/eu-refit-heavy-1', { key: t.admin })).body;
    expect(job).toMatchObject({ type: 'predictions.refit', status: 'succeeded', runner: 'process', items: { done: 1 }, result: { customers: 1 } });
    await run();
    expect((await t.api.call('GET', '/v1/ops/jobs/eu-refit-heavy-1', { key: t.admin })).body).toEqual(job);
  }, 60_000);

  it('runs the segmentation in its own process (the Lambda schedule\'s job), after which customers have a segment', async () => {
    // Enough customers for the largest k (at least 5 per segment), each with a different pace and basket.
    const ids: string[] = [];
    const orders: unknown[] = [];
    for (let c = 0; c < 40; c++) {
      const id = await t.newCustomer({ country: 'DE' });
      ids.push(id);
      const gap = 5 + (c % 10) * 4;
      for (let n = 0; n < 4; n++) orders.push({ orderId: `s${c}-${n}`, customerId: id, purchasedAt: new Date(Date.now() - (3 + (3 - n) * gap) * 86_400_000).toISOString(), lines: [{ productId: c % 2 ? 'tea' : 'coffee', quantity: 1 + (c % 3), unitPrice: 4 + c, currency: 'EUR' }] });
    }
    for (let i = 0; i < orders.length; i += 80) expect((await t.api.call('POST', '/v1/purchases', { key: t.admin, body: { orders: orders.slice(i, i + 80) } })).status).toBeLessThan(300);
    const env = { ...process.env, CADENCE_REGION: 'eu-central-1', CADENCE_PRIVACY_KEY: PRIVACY_KEY, DYNAMODB_ENDPOINT: t.stores.endpoints.EU, DYNAMODB_GLOBAL_ENDPOINT: t.stores.endpoints.GLOBAL };
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/heavy.ts', 'segments.run', 'heavy-2'], { cwd: root, env });
    expect(stdout).toContain('"status": "succeeded"');
    expect((await t.api.call('GET', '/v1/ops/jobs/eu-segments-heavy-2', { key: t.admin })).body).toMatchObject({ type: 'segments.run', status: 'succeeded', runner: 'process' });
    const segment = await t.api.call('GET', `/v1/customers/${ids[0]}/segment`, { key: t.admin });
    expect(segment.status).toBe(200);
  }, 90_000);
});
