import { createServer, type Socket } from 'node:net';

/**
 * A TCP endpoint that accepts connections and never reads or answers: a hung server or a black-holed route,
 * as a dependency can be in production. `connections` says whether anything reached it.
 */
export interface BlackHole {
  endpoint: string;
  connections(): number;
  close(): Promise<void>;
}

export async function startBlackHole(): Promise<BlackHole> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    connections: () => sockets.length,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
