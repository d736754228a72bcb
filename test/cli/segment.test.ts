import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { printSegments, segmentFile } from '../../src/cli/segment.ts';
import { parseDay, readTransactions } from '../../src/cli/transactions.ts';
import { onlineRetailCsv } from '../support/datasets.ts';

it('segments the Online Retail customers into sensible groups: wholesalers apart from occasional buyers', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cadence-seg-'));
  const t = await readTransactions(await onlineRetailCsv());
  const out = join(dir, 'segments.csv');
  const r = await segmentFile(t, parseDay('2011-12-10')!, out);
  printSegments(r);
  expect(r.k).toBeGreaterThanOrEqual(5);
  expect(r.k).toBeLessThanOrEqual(7);
  const customers = new Set(t.map((x) => x.customerId));
  expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(customers.size + 1);
  // A small group that brings far more than its share of revenue, buying often (wholesalers)...
  const heavy = r.segments.reduce((a, b) => (b.revenueShare / b.share > a.revenueShare / a.share ? b : a));
  expect(heavy.revenueShare).toBeGreaterThan(3 * heavy.share);
  expect(heavy.centroid.purchaseDays).toBeGreaterThan(8);
  // ...and a large group of occasional buyers who bring little.
  const occasional = r.segments.reduce((a, b) => (b.centroid.purchaseDays! < a.centroid.purchaseDays! ? b : a));
  expect(occasional.share).toBeGreaterThan(0.2);
  expect(occasional.revenueShare).toBeLessThan(occasional.share / 3);
  expect(occasional.centroid.purchaseDays).toBeLessThan(2);
  expect(new Set(r.segments.map((s) => s.name)).size).toBe(r.k);
}, 120_000);
