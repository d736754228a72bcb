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
});
