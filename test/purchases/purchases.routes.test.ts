import { beforeAll, describe, expect, it } from 'vitest';
import { useApi } from '../support/api.ts';

let writer: string;
let reader: string;
const t = useApi();
beforeAll(async () => {
  writer = await t.stores.key(['purchases:write']);
  reader = await t.stores.key(['purchases:read']);
});

const newCustomer = async (country: string) =>
  (await t.api.call('POST', '/v1/customers', { key: t.stores.adminKey, body: { country } })).body.id as string;

const order = (customerId: string, orderId: string, day: number, lines: [string, number][] = [['coffee', 1]]) => ({
  orderId,
  customerId,
  purchasedAt: new Date(Date.UTC(2026, 5, day, 9)).toISOString(),
  lines: lines.map(([productId, quantity]) => ({ productId, quantity, unitPrice: 9.5, currency: 'EUR' })),
});

const post = (body: unknown, region?: string) => t.api.call('POST', '/v1/purchases', { key: writer, body, ...(region ? { region } : {}) });
const history = async (id: string, limit = 100) => {
  const res = await t.api.call('GET', `/v1/customers/${id}/purchases?limit=${limit}`, { key: reader });
  expect(res.status).toBe(200);
  return res.body.items as { orderId: string; lineId: string; purchasedAt: string; quantity: number }[];
};

describe('POST /v1/purchases', () => {
  it('stores one order and says which lines were new', async () => {
    const c = await newCustomer('DE');
    const res = await post(order(c, 'A1', 3, [['coffee', 1], ['milk', 2]]));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ created: 2, duplicates: 0, conflicts: 0 });
    expect(res.body.results.map((r: { lineId: string; status: string }) => `${r.lineId}:${r.status}`)).toEqual(['coffee:created', 'milk:created']);
  });

  it('stores a re-sent line once and reports it as a duplicate, also within one batch', async () => {
    const c = await newCustomer('US');
    await post(order(c, 'B1', 1));
    const res = await post({ orders: [order(c, 'B1', 1), order(c, 'B2', 2), order(c, 'B2', 2)] });
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual(['duplicate', 'created', 'duplicate']);
    expect(await history(c)).toHaveLength(2);
  });

  it('stores each line exactly once when the same batch arrives concurrently, and exactly one send reports it created', async () => {
    const c = await newCustomer('FR');
    const batch = { orders: Array.from({ length: 30 }, (_, i) => order(c, `C${i}`, 1 + (i % 28))) };
    const answers = await Promise.all(Array.from({ length: 5 }, () => post(batch)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(answers.reduce((n, a) => n + a.body.created, 0)).toBe(30);
    expect(answers.reduce((n, a) => n + a.body.duplicates, 0)).toBe(4 * 30);
    expect(await history(c)).toHaveLength(30);
  });

  it('accepts out-of-order arrival and lists newest first with cursor pagination', async () => {
    const c = await newCustomer('AU');
    const days = [12, 3, 27, 8, 19, 1, 23, 15, 5, 30, 10, 2];
    for (const d of days) await post(order(c, `D${d}`, d));
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const res = await t.api.call('GET', `/v1/customers/${c}/purchases?limit=5${cursor ? `&cursor=${cursor}` : ''}`, { key: reader });
      pages.push(res.body.items.map((i: { orderId: string }) => i.orderId));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(pages.flat()).toEqual([...days].sort((a, b) => b - a).map((d) => `D${d}`));
    expect(pages[0]).toHaveLength(5);
    const defaults = await t.api.call('GET', `/v1/customers/${c}/purchases`, { key: reader });
    expect(defaults.body.items).toHaveLength(12); // default limit 20
  });

  it('refuses a changed line under an existing order and line id, and keeps what was stored', async () => {
    const c = await newCustomer('DE');
    await post(order(c, 'E1', 4, [['coffee', 1]]));
    const res = await post({ orders: [order(c, 'E1', 4, [['coffee', 3]]), order(c, 'E2', 5)] });
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual(['conflict', 'created']);
    expect((await history(c)).find((p) => p.orderId === 'E1')?.quantity).toBe(1);
  });

  it('splits a batch mixing EU and ROW customers: each part is stored in its own jurisdiction, answers in request order', async () => {
    const eu = await newCustomer('DE');
    const row = await newCustomer('US');
    for (const region of ['us-east-1', 'eu-central-1']) {
      const res = await post({ orders: [order(eu, `M-${region}-1`, 1), order(row, `M-${region}-2`, 2), order(eu, `M-${region}-3`, 3)] }, region);
      expect(res.status).toBe(200);
      expect(res.body.results.map((r: { customerId: string; status: string }) => [r.customerId, r.status])).toEqual([
        [eu, 'created'],
        [row, 'created'],
        [eu, 'created'],
      ]);
    }
    const euItems = (await t.stores.scanAll('EU')).filter((i) => i.orderId);
    const rowItems = (await t.stores.scanAll('ROW')).filter((i) => i.orderId);
    expect(euItems.filter((i) => String(i.orderId).startsWith('M-')).every((i) => i.customerId === eu)).toBe(true);
    expect(rowItems.filter((i) => String(i.orderId).startsWith('M-')).every((i) => i.customerId === row)).toBe(true);
    expect(await history(eu)).toHaveLength(4);
    expect(await history(row)).toHaveLength(2);
  });

  it('refuses the whole batch, in both jurisdictions, when any customer does not exist', async () => {
    const eu = await newCustomer('DE');
    const row = await newCustomer('US');
    const ghost = 'cus_eu_zzzzzzzzzzzzzzzzzzzz';
    for (const region of ['us-east-1', 'eu-west-1']) {
      const res = await post({ orders: [order(row, 'G1', 1), order(eu, 'G2', 1), order(ghost, 'G3', 1)] }, region);
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('purchases.unknownCustomer');
      expect(res.body.customerIds).toEqual([ghost]);
    }
    expect(await history(eu)).toHaveLength(0);
    expect(await history(row)).toHaveLength(0);
  });

  it('takes a batch of 500 orders and 2,000 lines', async () => {
    const c = await newCustomer('US');
    const orders = Array.from({ length: 500 }, (_, i) => order(c, `BIG${i}`, 1 + (i % 28), [['a', 1], ['b', 1], ['c', 1], ['d', 1]]));
    const res = await post({ orders });
    expect(res.status).toBe(200);
    expect(res.body.created).toBe(2000);
    let count = 0;
    let cursor: string | null = null;
    do {
      const page = await t.api.call('GET', `/v1/customers/${c}/purchases?limit=100${cursor ? `&cursor=${cursor}` : ''}`, { key: reader });
      count += page.body.items.length;
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(count).toBe(2000);
  });
});

describe('GET /v1/customers/:id/purchases', () => {
  it('answers 404 for a customer that does not exist and 400 for a forged cursor', async () => {
    const res = await t.api.call('GET', '/v1/customers/cus_row_zzzzzzzzzzzzzzzzzzzz/purchases', { key: reader });
    expect([res.status, res.body.code]).toEqual([404, 'customers.notFound']);
    const c = await newCustomer('US');
    const forged = Buffer.from(JSON.stringify({ t: 'x', customerId: 'cus_eu_zzzzzzzzzzzzzzzzzzzz' })).toString('base64url');
    for (const cursor of [forged, 'not-base64!', Buffer.from('{"t":"nope"}').toString('base64url')]) {
      const r = await t.api.call('GET', `/v1/customers/${c}/purchases?cursor=${cursor}`, { key: reader });
      expect([r.status, r.body.code]).toEqual([400, 'request.invalidCursor']);
    }
  });

  it("lets a customer token read its own history and nobody else's", async () => {
    const mine = await newCustomer('NL');
    const other = await newCustomer('NL');
    await post(order(mine, 'T1', 1));
    await post(order(other, 'T2', 1));
    const token = (await t.api.call('POST', `/v1/customers/${mine}/tokens`, { key: t.stores.adminKey, body: {} })).body.token;
    const own = await t.api.call('GET', `/v1/customers/${mine}/purchases`, { key: token });
    expect(own.body.items.map((i: { orderId: string }) => i.orderId)).toEqual(['T1']);
    const theirs = await t.api.call('GET', `/v1/customers/${other}/purchases`, { key: token });
    expect([theirs.status, theirs.body.code]).toEqual([404, 'customers.notFound']);
    expect(JSON.stringify(theirs.body)).not.toContain('T2');
  });
});

describe('predictions after a bulk ingest', () => {
  it('recomputes a checkout before answering, and a bulk sync of many customers through the queue', async () => {
    const ids = await Promise.all(Array.from({ length: 25 }, () => newCustomer('DE')));
    const body = { orders: ids.map((id, i) => ({ orderId: `bulk-${i}`, customerId: id, purchasedAt: new Date().toISOString(), lines: [{ productId: 'tea', quantity: 1, unitPrice: 3, currency: 'EUR' }] })) };
    const res = await post(body);
    expect([res.status, res.body.predictionsUpdated, res.body.predictionsQueued]).toEqual([200, 0, 25]);
    expect((await t.api.call('GET', `/v1/customers/${ids[0]}/predictions`, { key: t.stores.adminKey })).body.code).toBe('predictions.notFound');
    for (const q of new Set(t.api.queues.values())) await q.drain();
    for (const id of ids) expect((await t.api.call('GET', `/v1/customers/${id}/predictions`, { key: t.stores.adminKey })).status).toBe(200);
    const one = await post(order(ids[0]!, 'checkout', 0, [['coffee', 1]]));
    expect([one.body.predictionsUpdated, one.body.predictionsQueued]).toEqual([1, undefined]);
  });
});

/** More than 20 customers in a request: lines are written in batches and checked by a read after. */
describe('a bulk sync', () => {
  const statuses = (res: { body: { results: { status: string }[] } }) => res.body.results.map((r) => r.status);
  const bulkOf = (ids: string[], prefix: string) => ({
    orders: ids.flatMap((id, i) => [order(id, `${prefix}-${i}-a`, 2 + (i % 20), [['coffee', 1], ['milk', 2]]), order(id, `${prefix}-${i}-b`, 9 + (i % 15), [['coffee', 1]])]),
  });

  it('stores each line once, answers duplicates and conflicts line by line, and a conflicting resend changes nothing', async () => {
    const ids = await Promise.all(Array.from({ length: 22 }, () => newCustomer('DE')));
    const body = bulkOf(ids, 'S');
    const withRepeat = { orders: [...body.orders, body.orders[0]!] };
    const first = await post(withRepeat);
    expect(first.status).toBe(200);
    expect(first.body.predictionsQueued).toBe(22);
    expect(statuses(first)).toEqual([...Array(66).fill('created'), 'duplicate', 'duplicate']);
    expect(statuses(await post(body))).toEqual(Array(66).fill('duplicate'));
    const changed = structuredClone(body);
    changed.orders[3]!.lines[0]!.quantity = 7;
    const again = await post(changed);
    expect([again.status, again.body.conflicts, again.body.duplicates]).toEqual([200, 1, 65]);
    expect((await history(ids[1]!)).find((l) => l.orderId === 'S-1-b')!.quantity).toBe(1);
  });

  it('sent five times at once and out of order, leaves the lines and predictions exactly as one send does', async () => {
    const once = await Promise.all(Array.from({ length: 22 }, () => newCustomer('FR')));
    const often = await Promise.all(Array.from({ length: 22 }, () => newCustomer('FR')));
    await post(bulkOf(once, 'P'));
    const shuffled = (seed: number) => {
      const orders = [...bulkOf(often, 'P').orders];
      for (let i = orders.length - 1; i > 0; i--) {
        const j = (i * 7 + seed) % (i + 1);
        [orders[i], orders[j]] = [orders[j]!, orders[i]!];
      }
      return { orders };
    };
    const answers = await Promise.all([1, 2, 3, 4, 5].map((seed) => post(shuffled(seed))));
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(a.body.conflicts).toBe(0);
    }
    expect(answers.reduce((n, a) => n + a.body.created, 0)).toBeGreaterThanOrEqual(66);
    for (const q of new Set(t.api.queues.values())) await q.drain();
    const comparable = async (id: string) => {
      const res = await t.api.call('GET', `/v1/customers/${id}/predictions`, { key: t.stores.adminKey });
      expect(res.status).toBe(200);
      const { customerId: _id, computedAt: _at, ...rest } = res.body;
      return rest;
    };
    for (let i = 0; i < once.length; i++) {
      expect((await history(often[i]!)).length).toBe(3);
      expect(await comparable(often[i]!)).toEqual(await comparable(once[i]!));
    }
  });
});
