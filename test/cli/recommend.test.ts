import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCatalog } from '../../src/cli/catalog.ts';
import { evaluateRecs, type RecsEvaluation } from '../../src/cli/evaluate-recs.ts';
import { algorithmOrFail, fitOnTransactions, writeRecommendations } from '../../src/cli/recommend.ts';
import { groceryToCsv } from '../../src/cli/shop-datasets.ts';
import { parseDay, readTransactions, type Transaction } from '../../src/cli/transactions.ts';
import { onlineRetailCsv } from '../support/datasets.ts';

const dir = mkdtempSync(join(tmpdir(), 'cadence-recs-'));
const root = new URL('../../', import.meta.url).pathname;
const cadence = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'scripts/cadence.ts', ...args], { cwd: root, encoding: 'utf8' });

/** A reproducible half of the customers (FNV-1a of the id, seed 1): the full run's figures are in the README. */
const half = (rows: readonly Transaction[]) => {
  const keep = (id: string) => {
    let h = 0x811c9dc5 ^ 1;
    for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
    return h % 2 === 0;
  };
  return rows.filter((r) => keep(r.customerId));
};
const row = (r: RecsEvaluation, name: string) => r.lists.find((l) => l.name.startsWith(name))!;

describe('evaluate-recs on the shared Online Retail half (a fixed half of its customers)', () => {
  let result: RecsEvaluation;
  beforeAll(async () => {
    const rows = half(await readTransactions(await onlineRetailCsv()));
    result = evaluateRecs(rows, { asOfDay: parseDay('2011-09-01')!, endDay: parseDay('2011-09-30')!, k: 10 });
    // About 50 s alone on one core; the full suite on two shared cores has taken over 60 s.
  }, 180_000);

  it('beats both baselines on NDCG@10, with the paired interval above the better one', () => {
    const blend = row(result, 'replenish-blend-v1');
    const best = Math.max(row(result, 'popularity').ndcg, row(result, 'buy-again').ndcg);
    expect(blend.ndcg).toBeGreaterThan(1.05 * best);
    expect(blend.vsBaseline!.interval[0]).toBeGreaterThan(1);
    expect(result.inner?.customers).toBeGreaterThan(100);
  });

  it('reports every measure for every algorithm and both baselines', () => {
    expect(result.lists.map((l) => l.name.split(' ')[0])).toEqual(['replenish-blend-v1', 'replenish-blend-v1', 'replenish-v1', 'bought-together-v1', 'content-v1', 'popular-v1', 'popularity', 'buy-again']);
    for (const l of result.lists) {
      for (const v of [l.precision, l.recall, l.ndcg, l.hitRate, l.coverage, l.diversity]) expect(v).toBeGreaterThanOrEqual(0);
      expect(l.ndcgInterval[0]).toBeLessThanOrEqual(l.ndcg);
      expect(l.ndcgInterval[1]).toBeGreaterThanOrEqual(l.ndcg);
    }
  });
});

describe('recommend on the generated grocery shop', () => {
  it('writes k rows of customer_id,rank,product_id,score,reason for every customer with history', async () => {
    await groceryToCsv(join(dir, 'g.csv'), join(dir, 'g-catalog.csv'), { customers: 150, seed: 3 });
    const rows = await readTransactions(join(dir, 'g.csv'));
    const catalog = await readCatalog(join(dir, 'g-catalog.csv'));
    const asOfDay = parseDay('2025-11-01')!;
    const fitted = fitOnTransactions(rows, { asOfDay, k: 5, algorithm: algorithmOrFail('replenish-blend-v1'), catalog });
    const out = join(dir, 'recs.csv');
    const written = await writeRecommendations(fitted, 5, out);
    const customers = new Set(rows.filter((r) => r.day < asOfDay).map((r) => r.customerId));
    expect(written).toBe(5 * customers.size);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('customer_id,rank,product_id,score,reason');
    expect(lines[1]).toMatch(/^g\d{5},1,[a-z0-9.-]+,[\d.]+,(replenish_due|bought_together|similar|segment_favourite|popular)$/);
    expect(new Set(lines.slice(1).map((l) => l.split(',')[0]))).toEqual(customers);
  });
});

describe('the command line', () => {
  it('refuses a file without a product column with a clear message, exit code 2, no stack trace', () => {
    writeFileSync(join(dir, 'no-product.csv'), 'customer_id,timestamp,amount\na,2024-01-01,3\n');
    const r = cadence('recommend', '--transactions', join(dir, 'no-product.csv'), '--as-of', '2024-02-01', '--k', '10', '--out', join(dir, 'x.csv'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/the header lacks product_id: recommendations need customer_id,timestamp,amount,product_id/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 30_000);

  it('names the known algorithms when asked for an unknown one', () => {
    const r = cadence('recommend', '--transactions', join(dir, 'no-product.csv'), '--as-of', '2024-02-01', '--k', '10', '--out', join(dir, 'x.csv'), '--algorithm', 'magic-v9');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown algorithm "magic-v9" (known: replenish-blend-v1, replenish-v1, bought-together-v1, content-v1, popular-v1)');
  }, 30_000);
});
