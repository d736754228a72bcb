/**
 * The load suite's open-loop, constant-rate generator (wrk2 is not packaged here, and autocannon's
 * overallRate paces requests per connection, so a slow answer delays the next send: coordinated
 * omission). Request i is due at start + i / rate whatever happened before it; its latency is measured
 * from when it was due, so a server that falls behind sees its queueing counted. Keep-alive node:http,
 * up to `connections` sockets. Runs in a process of its own (bench/load.ts pins it to the second core);
 * reads a GeneratorSpec (JSON file named in argv[2]) and prints one GeneratorResult as JSON.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { summarize, type GeneratorResult, type GeneratorSpec, type Sample } from './stats.ts';

const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as GeneratorSpec;
// Idle sockets are closed after 4 s, before the server's 5 s keep-alive timeout: otherwise a request sent
// on a socket the server is closing at that moment fails with ECONNRESET (the keep-alive race, a client
// artifact that browsers and undici retry away).
const agent = new Agent({ keepAlive: true, maxSockets: spec.connections, timeout: 4000 });
const base = new URL(spec.url);
const interval = 1000 / spec.rate;
const total = Math.round(spec.rate * (spec.warmSeconds + spec.seconds));
const warmCount = Math.round(spec.rate * spec.warmSeconds);
const samples: Sample[] = [];
let finished = 0;
let start = 0;

function fire(i: number, due: number, done: () => void): void {
  const t = spec.requests[i % spec.requests.length]!;
  const body = t.body?.replaceAll('{n}', `${spec.runId}-${i}`);
  const record = (status: number, cause?: string) => {
    if (i >= warmCount) samples.push({ due: due - start, kind: t.kind, latencyMs: performance.now() - due, status, ...(cause ? { cause } : {}) });
    done();
  };
  const req = request(
    { host: base.hostname, port: base.port, path: t.path, method: t.method, agent, headers: { ...t.headers, ...(body ? { 'content-length': Buffer.byteLength(body) } : {}) } },
    (res) => {
      res.resume();
      res.once('end', () => record(res.statusCode ?? 0));
      res.once('error', (err: NodeJS.ErrnoException) => record(0, err.code ?? err.message));
    },
  );
  req.setTimeout(spec.timeoutMs, () => req.destroy(new Error('timeout')));
  req.once('error', (err: NodeJS.ErrnoException) => record(0, err.code ?? err.message));
  req.end(body);
}

await new Promise<void>((resolve) => {
  let i = 0;
  start = performance.now() + 20;
  const done = () => {
    if (++finished === total) resolve();
  };
  const tick = () => {
    const now = performance.now();
    while (i < total && start + i * interval <= now) {
      fire(i, start + i * interval, done);
      i++;
    }
    if (i < total) setTimeout(tick, 1);
  };
  tick();
});
agent.destroy();
const result: GeneratorResult = summarize(spec, samples);
process.stdout.write(JSON.stringify(result));
