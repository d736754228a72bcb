/** Baseline: a bare Hono route on the same Node server adapter, answering the same JSON from memory. */
import { Hono } from 'hono';
import { serveFetch } from '../../src/node.ts';

const body = process.env.BENCH_BODY ?? '{}';
const app = new Hono();
app.get('*', (c) => c.body(body, 200, { 'content-type': 'application/json' }));
const server = await serveFetch((req) => Promise.resolve(app.fetch(req)), 0);
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
process.on('SIGTERM', () => process.exit(0));
