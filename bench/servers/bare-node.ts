/**
 * Baseline: a bare node:http server answering each path with the same bytes (and the same kind of headers)
 * Cadence answers it with, from memory. The bench sends it the very requests it sends Cadence (one server
 * per credential kind, which it ignores). What writing the bytes costs on this machine, nothing more.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const bodies = new Map(Object.entries(JSON.parse(process.env.BENCH_BODIES ?? '{}') as Record<string, string>).map(([path, body]) => [path, Buffer.from(body)]));
const server = createServer((req, res) => {
  const body = bodies.get(req.url ?? '');
  if (!body) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', etag: '"0123456789abcdef01234567"', 'cache-control': 'private, max-age=60', age: '0', 'cadence-served-by': 'bench' });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`));
process.on('SIGTERM', () => process.exit(0));
