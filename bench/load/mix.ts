/**
 * The storefront mix the capacity and soak runs send: per customer, three predictions reads, two segment
 * reads, two recommendation reads and two experiment-variant lookups (90%), and one purchase posted by
 * the shop's feed (10%). EU customers enter at eu-central-1 and ROW customers at us-east-1, as anycast
 * would bring them. Order shuffled once (seeded), then sent in that order round and round.
 */
import { EDGE_REGION_HEADER } from '../../src/hosting/edge-router.ts';
import { prng, type DemoData } from '../../src/local/demo-data.ts';
import type { LoadKeys } from './stack.ts';
import type { Template } from './stats.ts';

export const MIX_WEIGHTS = { predictions: 3, segment: 2, recommendations: 2, variant: 2, purchase: 1 } as const;

const edgeOf = (customerId: string) => (customerId.startsWith('cus_eu_') ? 'eu-central-1' : 'us-east-1');

/** Customers with enough history to have predictions and a segment, alternating EU and ROW. */
export function pickCustomers(data: DemoData, count: number, skip = 0): string[] {
  const lines = new Map<string, number>();
  for (const l of data.lines) lines.set(l.customerId, (lines.get(l.customerId) ?? 0) + 1);
  const busy = data.customers.map((c) => c.id).filter((id) => (lines.get(id) ?? 0) >= 6);
  const eu = busy.filter((id) => id.startsWith('cus_eu_')).slice(skip);
  const row = busy.filter((id) => !id.startsWith('cus_eu_')).slice(skip);
  const out: string[] = [];
  for (let i = 0; out.length < count && (i < eu.length || i < row.length); i++) out.push(...[eu[i], row[i]].filter((x): x is string => x !== undefined));
  return out.slice(0, count);
}

/** A one-line order for a customer, in the currency and of a product the customer buys; `{n}` in the id. */
export function purchaseBody(data: DemoData, customerId: string, orderId = 'load-{n}'): string {
  const line = data.lines.find((l) => l.customerId === customerId)!;
  return JSON.stringify({
    orderId,
    customerId,
    purchasedAt: new Date(Date.now() - 60_000).toISOString(),
    lines: [{ lineId: 'a', productId: line.productId, quantity: 1, unitPrice: line.unitPrice, currency: line.currency }],
  });
}

export function storefrontMix(data: DemoData, customers: readonly string[], keys: LoadKeys): Template[] {
  const read = (kind: string, customerId: string, view: string): Template => ({
    kind,
    method: 'GET',
    path: `/v1/customers/${customerId}/${view}`,
    headers: { authorization: `Bearer ${keys.storefront}`, [EDGE_REGION_HEADER]: edgeOf(customerId) },
  });
  const out: Template[] = [];
  for (const c of customers) {
    for (let i = 0; i < MIX_WEIGHTS.predictions; i++) out.push(read('predictions', c, 'predictions'));
    for (let i = 0; i < MIX_WEIGHTS.segment; i++) out.push(read('segment', c, 'segment'));
    for (let i = 0; i < MIX_WEIGHTS.recommendations; i++) out.push(read('recommendations', c, 'recommendations'));
    for (let i = 0; i < MIX_WEIGHTS.variant; i++) out.push(read('variant', c, 'experiments/load-banner'));
    out.push({
      kind: 'purchase',
      method: 'POST',
      path: '/v1/purchases',
      headers: { authorization: `Bearer ${keys.ingest}`, 'content-type': 'application/json', [EDGE_REGION_HEADER]: edgeOf(c) },
      body: purchaseBody(data, c),
    });
  }
  return prng(7).shuffle(out);
}
