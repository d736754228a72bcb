import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planImport } from '../../src/cli/import-plan.ts';
import { ImportInterrupted, runImport } from '../../src/cli/import-run.ts';
import { useApi } from '../support/api.ts';

const ctx = useApi();
let server: ServerType;
let url: string;
let dir: string;

beforeAll(async () => {
  server = serve({ fetch: ctx.api.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  dir = mkdtempSync(join(tmpdir(), 'cadence-import-'));
});
afterAll(() => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * 24 customers (half German, so kept in the EU; half with no country, imported with --country US), three
 * orders each a week apart, two products per order; customer c0 bought espresso twice in one basket and
 * returned one; then the rows the import must set aside.
 */
function exportFile(name: string): { file: string; lines: number; bad: Record<string, number> } {
  const rows = ['customer_id,timestamp,amount,product_id,quantity,type,country'];
  for (let c = 0; c < 24; c++) {
    for (let o = 0; o < 3; o++) {
      const day = `2026-0${3 + o}-${String(10 + (c % 10)).padStart(2, '0')}`;
      const country = c % 2 === 0 ? 'DE' : '';
      rows.push(`c${c},${day},12.50,espresso,1,purchase,${country}`, `c${c},${day},3.00,milk,2,purchase,${country}`);
      if (c === 0 && o === 0) rows.push(`c0,${day},12.50,espresso,1,purchase,DE`);
    }
  }
  rows.push('c0,2026-03-20,12.50,espresso,1,return,DE');
  const bad: Record<string, number> = {};
  rows.push('c1,2026-04-01,not-a-number,milk,1,purchase,');
  bad.amount = rows.length;
  rows.push('c2,2026-04-01,5.00,tea,1,return,DE');
  bad.return_unmatched = rows.length;
  rows.push('c3,2099-01-01,5.00,tea,1,purchase,');
  bad.timestamp = rows.length;
  // Passes the file checks, refused by the API (at most 4 decimals): found by halving the request.
  rows.push('c4,2026-04-02,5.00,tea,0.123456,purchase,');
  bad.api = rows.length;
  const file = join(dir, name);
  writeFileSync(file, `${rows.join('\n')}\n`);
  return { file, lines: rows.length, bad };
}

const options = (statePath: string) => ({ url, key: ctx.admin, country: 'US', statePath, concurrency: 2 });

async function purchasesOf(shopId: string) {
  // The import's idempotent create names the same customer again: the id comes back, nothing new is made.
  const created = await ctx.api.call('POST', '/v1/customers', { key: ctx.admin, body: { country: shopId === 'c0' || Number(shopId.slice(1)) % 2 === 0 ? 'DE' : 'US' }, headers: { 'idempotency-key': `import:${shopId}` } });
  expect(created.status).toBe(200);
  const res = await ctx.api.call('GET', `/v1/customers/${created.body.id}/purchases?limit=100`, { key: ctx.admin });
  expect(res.status).toBe(200);
  return { id: created.body.id as string, items: res.body.items as { productId: string; quantity: number; type?: string; returnOf?: { orderId: string } }[] };
}

describe('cadence import', () => {
  it('loads an export, sets aside the rows the API would refuse with their line numbers, and a re-run adds nothing', async () => {
    const { file, bad } = exportFile('orders.csv');
    const plan = await planImport(file, { currency: 'EUR', nowMs: Date.now(), batchOrders: 10 });
    expect(plan.rejected.map((r) => [r.code, r.line])).toEqual([
      ['amount', bad.amount],
      ['return_unmatched', bad.return_unmatched],
      ['timestamp', bad.timestamp],
    ]);
    const state = join(dir, 'orders.state.json');
    const first = await runImport(plan, options(state));
    // 24 × 3 orders × 2 lines, the second espresso line, and one return line.
    expect(first).toMatchObject({ customersCreated: 24, created: 24 * 3 * 2 + 1 + 1, duplicates: 0, conflicts: [], batchesSkipped: 0, interrupted: false });
    expect(first.rejected.map((r) => r.line)).toEqual([bad.amount, bad.return_unmatched, bad.timestamp, bad.api]);
    expect(first.rejected.at(-1)!.code).toBe('request.invalid');

    const c0 = await purchasesOf('c0');
    expect(c0.id).toMatch(/^cus_eu_/);
    expect(c0.items.filter((p) => p.productId === 'espresso' && p.type === undefined)).toHaveLength(4);
    expect(c0.items.filter((p) => p.type === 'return')).toHaveLength(1);
    const c1 = await purchasesOf('c1');
    expect(c1.id).toMatch(/^cus_row_/);
    expect(c1.items).toHaveLength(6);

    // With its state: every batch is skipped. Without it: everything is sent again and answers duplicate.
    const again = await runImport(plan, options(state));
    expect(again).toMatchObject({ batchesSkipped: plan.batches.length, created: first.created, duplicates: 0 });
    const fresh = await runImport(plan, options(join(dir, 'other.state.json')));
    expect(fresh).toMatchObject({ customersCreated: 0, customersExisting: 24, created: 0, duplicates: first.created, batchesSkipped: 0 });
  });

  it('resumes after an interruption from the last landed batch, ending where one uninterrupted run ends', async () => {
    const { file } = exportFile('resume.csv');
    // The same rows under other customer ids, so this test's customers are its own.
    const csv = (await import('node:fs')).readFileSync(file, 'utf8').replace(/^c(\d+),/gm, 'r$1,');
    writeFileSync(file, csv);
    const plan = await planImport(file, { currency: 'EUR', nowMs: Date.now(), batchOrders: 8 });
    expect(plan.batches.length).toBeGreaterThan(5);
    const state = join(dir, 'resume.state.json');
    const abort = new AbortController();
    let progressCalls = 0;
    const cut = await runImport(plan, { ...options(state), concurrency: 1, signal: abort.signal, onProgress: () => ++progressCalls === 4 && abort.abort() });
    expect(cut.interrupted).toBe(true);
    expect(cut.created).toBeLessThan(24 * 6 + 2);
    expect(cut.created).toBeGreaterThan(0);
    const resumed = await runImport(plan, options(state));
    expect(resumed.interrupted).toBe(false);
    expect(resumed.batchesSkipped).toBe(3);
    // Each line created exactly once over the two runs: none resent, none lost.
    expect(resumed).toMatchObject({ created: 24 * 6 + 2, duplicates: 0, conflicts: [] });
    const r5 = await purchasesOf('r5');
    expect(r5.items).toHaveLength(6);
  });

  it('stops with its state kept when the service stays unreachable', async () => {
    const { file } = exportFile('down.csv');
    const plan = await planImport(file, { currency: 'EUR', nowMs: Date.now() });
    const state = join(dir, 'down.state.json');
    await expect(runImport(plan, { ...options(state), url: 'http://127.0.0.1:9', attempts: 2 })).rejects.toBeInstanceOf(ImportInterrupted);
    expect(existsSync(state)).toBe(true);
  });

  it('runs as `npm run cadence -- import` with a summary naming each refused line', async () => {
    const { file, bad } = exportFile('cli.csv');
    writeFileSync(file, (await import('node:fs')).readFileSync(file, 'utf8').replace(/^c(\d+),/gm, 'k$1,'));
    const run = promisify(execFile);
    const args = ['tsx', 'scripts/cadence.ts', 'import', '--transactions', file, '--url', url, '--key', ctx.admin, '--country', 'US'];
    const failed = await run('npx', args, { cwd: process.cwd() }).catch((err: { code: number; stderr: string }) => err);
    expect((failed as { code: number }).code).toBe(1); // some rows refused
    const stderr = (failed as { stderr: string }).stderr;
    expect(stderr).toContain(`created ${24 * 6 + 2}, duplicate 0, conflict 0, rejected 4`);
    expect(stderr).toContain(`rejected amount (1): amount "not-a-number" is not a non-negative number; lines ${bad.amount}`);
    expect(stderr).toContain(`lines ${bad.return_unmatched}`);
    expect(existsSync(`${file}.import-state.json`)).toBe(true);
    const missing = await run('npx', ['tsx', 'scripts/cadence.ts', 'import', '--transactions', join(dir, 'nope.csv'), '--url', url, '--key', ctx.admin]).catch((err: { code: number; stderr: string }) => err);
    expect((missing as { code: number }).code).not.toBe(0);
    expect((missing as { stderr: string }).stderr).toContain('nope.csv');
  }, 60_000);
});
