import { describe, expect, it } from 'vitest';
import { useApi } from '../support/api.ts';
import { coffeeOrder, drainQueues } from '../support/queues.ts';

/** Decision 141, through the API: the refit's accuracy snapshot rows are exported and erased with the customer, in the EU store. */
describe("a customer's rows in the production-accuracy snapshots", () => {
  const t = useApi();
  const drain = () => drainQueues(t.api.queues);
  const order = coffeeOrder;
  const snapshotRows = async (store: 'EU' | 'ROW') =>
    (await t.stores.scanAll(store)).filter((i) => String(i.customerId).startsWith('accuracy#snapshot#')).flatMap((i) => JSON.parse(String(i.rows)) as { ref: string }[]);
  // The day's directory (decision 151): which page holds each reference.
  const directoryRefs = async () => (await t.stores.scanAll('EU')).filter((i) => i.refs !== undefined && String(i.customerId).startsWith('accuracy#dir#')).flatMap((i) => Object.keys(i.refs as object));

  it('are in the export, and gone from every kept snapshot after the erasure', async () => {
    const ids: string[] = [];
    for (const email of ['anna@example.com', 'bert@example.com']) {
      const id = await t.newCustomer({ country: 'DE', displayName: 'Anna', contact: { email }, consents: { profiling: true } });
      await t.api.call('POST', '/v1/purchases', { key: t.admin, body: { orders: [order(id, 'o1', 40), order(id, 'o2', 26), order(id, 'o3', 12)] } });
      ids.push(id);
    }
    await drain();
    expect((await t.api.call('POST', '/v1/ops/refit?jurisdiction=EU', { key: t.admin })).status).toBeLessThan(300);
    await drain();

    const exported = await t.api.call('GET', `/v1/customers/${ids[0]}/export`, { key: t.admin, region: 'us-east-1' });
    const held = (exported.body.sections.predictions as { kind?: string; row?: { ref: string } }[]).filter((r) => r.kind === 'snapshotRow');
    expect(held).toHaveLength(1);
    const ref = held[0]!.row!.ref;
    expect((await snapshotRows('EU')).map((r) => r.ref)).toContain(ref);
    expect(await directoryRefs()).toContain(ref);
    // EU data stays in the EU store.
    expect(await snapshotRows('ROW')).not.toContainEqual(expect.objectContaining({ ref }));

    const erase = await t.api.call('DELETE', `/v1/customers/${ids[0]}`, { key: t.admin });
    expect(erase.status).toBe(202);
    await drain();
    const done = await t.api.call('GET', `/v1/privacy-requests/${erase.body.id}`, { key: t.admin });
    expect(done.body).toMatchObject({ status: 'completed', remaining: { predictions: 0 } });
    const rows = await snapshotRows('EU');
    expect(rows.map((r) => r.ref)).not.toContain(ref);
    expect(await directoryRefs()).not.toContain(ref);
    // The other customer's row stays.
    expect(rows.length).toBeGreaterThan(0);
  });
});
