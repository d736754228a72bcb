import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import dynalite from 'dynalite';
import type { Jurisdiction } from '../regions/region.schema.ts';

export type StoreName = Jurisdiction | 'GLOBAL';
export const STORE_NAMES: readonly StoreName[] = ['EU', 'ROW', 'GLOBAL'];

export interface LocalStores {
  endpoints: Record<StoreName, string>;
  close(): Promise<void>;
}

/**
 * One embedded DynamoDB-compatible server (dynalite) per jurisdiction plus one for the global tables, as
 * production has separate tables per jurisdiction. With a data folder they persist across restarts.
 */
export async function startLocalStores(options: { dataDir?: string; basePort?: number } = {}): Promise<LocalStores> {
  const servers = await Promise.all(
    STORE_NAMES.map(async (name, i) => {
      let path: string | undefined;
      if (options.dataDir) {
        path = join(options.dataDir, 'dynamodb', name.toLowerCase());
        mkdirSync(path, { recursive: true });
      }
      const server = dynalite({ ...(path ? { path } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        // A base port fixes the stores' ports (EU, ROW, global: base, base + 1, base + 2); 0 picks free ones.
        server.listen(options.basePort ? options.basePort + i : 0, '127.0.0.1', () => resolve());
      });
      return [name, server] as const;
    }),
  );
  const endpoints = Object.fromEntries(
    servers.map(([name, server]) => [name, `http://127.0.0.1:${(server.address() as AddressInfo).port}`]),
  ) as Record<StoreName, string>;
  return {
    endpoints,
    async close() {
      await Promise.all(
        servers.map(([, server]) => new Promise<void>((resolve) => {
          server.closeAllConnections?.();
          server.close(() => resolve());
        })),
      );
    },
  };
}
