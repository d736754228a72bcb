import { afterAll, beforeAll } from 'vitest';
import { client, type Client, type ClientOptions } from './app.ts';
import { startDynaliteStores, type TestStores } from './stores.ts';

export interface ApiContext {
  /** Real dynalite stores (EU, ROW, global) with Cadence's tables and an admin key. */
  stores: TestStores;
  /** All four region apps in process behind the edge router. */
  api: Client;
  /** The stores' admin key. */
  readonly admin: string;
  /** Creates a customer (by country, entering at us-east-1) and returns its id. */
  newCustomer(body?: Record<string, unknown>): Promise<string>;
}

/**
 * The set-up most suites share, registered once: stores started before the suite and closed after it,
 * and the in-process regions on them. Options may be a function, read when the suite starts.
 */
export function useApi(options: ClientOptions | (() => ClientOptions) = {}): ApiContext {
  const ctx: ApiContext = {
    stores: undefined as unknown as TestStores,
    api: undefined as unknown as Client,
    get admin() {
      return ctx.stores.adminKey;
    },
    async newCustomer(body = { country: 'DE' }) {
      const res = await ctx.api.call('POST', '/v1/customers', { key: ctx.stores.adminKey, body });
      if (res.status !== 201) throw new Error(`customer not created: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.id as string;
    },
  };
  beforeAll(async () => {
    ctx.stores = await startDynaliteStores();
    ctx.api = client(ctx.stores, typeof options === 'function' ? options() : options);
  });
  afterAll(async () => ctx.stores?.close());
  return ctx;
}
