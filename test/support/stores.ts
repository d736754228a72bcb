import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Region } from '../../src/regions/region.schema.ts';
import { regions } from '../../regions/index.ts';
import { generateApiKey, type Scope } from '../../src/auth/api-keys.ts';
import type { RateLimitSetting } from '../../src/ratelimit/limits.ts';
import { createLocalTables, homeRegion, localConnection, registerApiKey } from '../../src/local/bootstrap.ts';
import { startLocalStores, type StoreName } from '../../src/local/dynamo-stores.ts';
import { documentClient } from '../../src/storage/client.ts';
import { GLOBAL_TABLES, JURISDICTION_TABLES } from '../../src/storage/tables.ts';

export interface TestStores {
  endpoints: Record<StoreName, string>;
  adminKey: string;
  /** Registers a key with these scopes (and rate limit) and returns it. */
  key(scopes: Scope[], rateLimit?: RateLimitSetting): Promise<string>;
  /** Every item of every table in one store (for residency and "nothing changed" checks). */
  scanAll(store: StoreName): Promise<Record<string, unknown>[]>;
  /** Writes one item into a table of the jurisdiction's home region (to set up a state the API cannot reach). */
  put(store: Exclude<StoreName, 'GLOBAL'>, table: keyof Region['tables'], item: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

export async function withTables(endpoints: Record<StoreName, string>, close: () => Promise<void>): Promise<TestStores> {
  await createLocalTables(endpoints);
  const adminKey = generateApiKey();
  await registerApiKey(endpoints.GLOBAL, adminKey, 'test admin', ['admin']);
  return {
    endpoints,
    adminKey,
    async key(scopes, rateLimit) {
      const key = generateApiKey();
      await registerApiKey(endpoints.GLOBAL, key, 'test', scopes, rateLimit);
      return key;
    },
    async scanAll(store) {
      const doc = documentClient(localConnection(endpoints[store]));
      const tables =
        store === 'GLOBAL'
          ? GLOBAL_TABLES.map((k) => regions[0]!.tables[k])
          : JURISDICTION_TABLES.map((k) => homeRegion(store).tables[k]);
      const items: Record<string, unknown>[] = [];
      for (const TableName of tables) {
        let ExclusiveStartKey: Record<string, unknown> | undefined;
        do {
          const res = await doc.send(new ScanCommand({ TableName, ExclusiveStartKey }));
          items.push(...(res.Items ?? []).map((i) => ({ ...i, _table: TableName })));
          ExclusiveStartKey = res.LastEvaluatedKey;
        } while (ExclusiveStartKey);
      }
      return items;
    },
    async put(store, table, item) {
      await documentClient(localConnection(endpoints[store])).send(new PutCommand({ TableName: homeRegion(store).tables[table], Item: item }));
    },
    close,
  };
}

/** Three in-memory dynalite servers (EU, ROW, global) with Cadence's tables. */
export async function startDynaliteStores(): Promise<TestStores> {
  const stores = await startLocalStores();
  return withTables(stores.endpoints, stores.close);
}

export const motoAvailable = spawnSync('sh', ['-c', 'command -v moto_server'], { encoding: 'utf8' }).status === 0;

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** moto_server instances (one per store), when the machine has moto installed (CI does). */
export async function startMotoStores(): Promise<TestStores> {
  const procs: ChildProcess[] = [];
  const endpoints = {} as Record<StoreName, string>;
  for (const name of ['EU', 'ROW', 'GLOBAL'] as const) {
    const port = await freePort();
    const proc = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    procs.push(proc);
    endpoints[name] = `http://127.0.0.1:${port}`;
  }
  for (const url of Object.values(endpoints)) {
    for (let i = 0; ; i++) {
      try {
        await fetch(url);
        break;
      } catch {
        if (i > 150) throw new Error(`moto_server at ${url} did not start`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
  return withTables(endpoints, async () => {
    for (const p of procs) p.kill();
  });
}
