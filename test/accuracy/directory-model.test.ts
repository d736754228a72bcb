import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bucketCount, bucketOf, bucketsOf, REFS_PER_BUCKET, vouches } from '../../src/accuracy/model/directory.ts';
import { ROWS_PER_PAGE } from '../../src/accuracy/accuracy.repository.ts';

/** Decision 151, the pure part: buckets sized from the day's customers stay far below DynamoDB's 400 KB an item. */
describe('the directory buckets', () => {
  it('hold about REFS_PER_BUCKET references each, a bucket of a 1,000,000-customer day tens of KB', () => {
    expect(bucketCount(0)).toBe(1);
    expect(bucketCount(1_000_000)).toBe(500);
    // A day of 200,000 customers in pages of ROWS_PER_PAGE, references as the snapshot makes them (16 hex chars of an HMAC).
    const customers = 200_000;
    const refsByPage = Array.from({ length: Math.ceil(customers / ROWS_PER_PAGE) }, (_, p) =>
      Array.from({ length: Math.min(ROWS_PER_PAGE, customers - p * ROWS_PER_PAGE) }, () => randomBytes(8).toString('hex')));
    const buckets = [...bucketsOf(refsByPage, bucketCount(customers))];
    const sizes = buckets.map((b) => Object.keys(b).length);
    expect(sizes.reduce((s, n) => s + n, 0)).toBe(customers);
    expect(Math.min(...sizes)).toBeGreaterThan(REFS_PER_BUCKET * 0.85);
    expect(Math.max(...sizes)).toBeLessThan(REFS_PER_BUCKET * 1.15);
    // As JSON (more than DynamoDB's own count of a map's bytes), the largest bucket is below an eighth of 400 KB.
    expect(Math.max(...buckets.map((b) => JSON.stringify(b).length))).toBeLessThan(50_000);
    // Each reference is in its own bucket, naming its page.
    const [ref] = refsByPage[37]!;
    expect(buckets[bucketOf(ref!, buckets.length)]![ref!]).toBe(37);
  });

  it('vouch only when indexed at the generation the pages last moved to', () => {
    expect(vouches(undefined)).toBe(false);
    expect(vouches({ generation: 4 })).toBe(false);
    expect(vouches({ generation: 4, indexed: 4, buckets: 2, pages: 2 })).toBe(true);
    expect(vouches({ generation: 5, indexed: 4, buckets: 2, pages: 2 })).toBe(false);
  });
});
