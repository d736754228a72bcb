import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A DynamoDB protocol proxy that does what real DynamoDB does under load: for the first `rounds` batch
 * calls for each batch operation, it processes only half of the entries and returns the rest as UnprocessedItems / UnprocessedKeys.
 */
export async function startThrottlingProxy(target: string, rounds: number): Promise<{ endpoint: string; batchCalls: () => number; close: () => Promise<void> }> {
  const throttled: Record<string, number> = {};
  let batchCalls = 0;
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const op = String(req.headers['x-amz-target'] ?? '').split('.')[1];
      let body = Buffer.concat(chunks).toString('utf8');
      let withheld: { kind: 'items' | 'keys'; table: string; entries: unknown[] } | undefined;
      if (op === 'BatchWriteItem' || op === 'BatchGetItem') {
        batchCalls++;
        const parsed = JSON.parse(body) as { RequestItems: Record<string, unknown> };
        const [table, value] = Object.entries(parsed.RequestItems)[0]!;
        if ((throttled[op] ?? 0) < rounds) {
          throttled[op] = (throttled[op] ?? 0) + 1;
          if (op === 'BatchWriteItem') {
            const entries = value as unknown[];
            const keep = Math.ceil(entries.length / 2);
            withheld = { kind: 'items', table, entries: entries.slice(keep) };
            parsed.RequestItems[table] = entries.slice(0, keep);
          } else {
            const v = value as { Keys: unknown[] };
            const keep = Math.ceil(v.Keys.length / 2);
            withheld = { kind: 'keys', table, entries: v.Keys.slice(keep) };
            parsed.RequestItems[table] = { ...v, Keys: v.Keys.slice(0, keep) };
          }
          body = JSON.stringify(parsed);
        }
      }
      const headers = { ...req.headers, host: upstream.host, 'content-length': String(Buffer.byteLength(body)) };
      const up = httpRequest({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers }, (upRes) => {
        const out: Buffer[] = [];
        upRes.on('data', (c: Buffer) => out.push(c));
        upRes.on('end', () => {
          let text = Buffer.concat(out).toString('utf8');
          if (withheld && withheld.entries.length > 0 && upRes.statusCode === 200) {
            const parsed = JSON.parse(text) as Record<string, Record<string, unknown>>;
            if (withheld.kind === 'items') parsed.UnprocessedItems = { [withheld.table]: withheld.entries };
            else parsed.UnprocessedKeys = { [withheld.table]: { Keys: withheld.entries } };
            text = JSON.stringify(parsed);
          }
          const h = { ...upRes.headers };
          delete h['x-amz-crc32'];
          h['content-length'] = String(Buffer.byteLength(text));
          res.writeHead(upRes.statusCode ?? 500, h);
          res.end(text);
        });
      });
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    batchCalls: () => batchCalls,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
