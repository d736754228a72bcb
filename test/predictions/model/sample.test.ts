import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CustomerSample, hashId } from '../../../src/predictions/model/sample.ts';

/** Lines of `customers` customers, `perCustomer` each, as [customerId, line number] pairs. */
const linesOf = (customers: number, perCustomer: number) =>
  Array.from({ length: customers * perCustomer }, (_, i) => [`cus_${Math.floor(i / perCustomer)}`, i % perCustomer] as const);

const sampleOf = (size: number, lines: readonly (readonly [string, number])[]) => {
  const s = new CustomerSample<number>(size);
  for (const [id, n] of lines) s.add(id, n);
  return s;
};

describe('the refit sample (decision 129)', () => {
  it('keeps exactly `size` whole customers of a larger population, the smallest hashed ids', () => {
    const lines = linesOf(5000, 3);
    const s = sampleOf(400, lines);
    const kept = s.result();
    expect(kept.size).toBe(400);
    expect(s.customers).toBe(5000);
    expect(s.items).toBe(15_000);
    for (const items of kept.values()) expect(items.sort()).toEqual([0, 1, 2]);
    const expected = [...new Set(lines.map(([id]) => id))].sort((a, b) => hashId(a) - hashId(b)).slice(0, 400);
    expect([...kept.keys()].sort()).toEqual(expected.sort());
  });

  it('is the same sample whatever order the scan delivers the lines in', () => {
    const lines = linesOf(600, 4);
    const reference = [...sampleOf(50, lines).result().keys()].sort();
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const shuffled = [...lines];
        let r = seed;
        for (let i = shuffled.length - 1; i > 0; i--) {
          r = (Math.imul(r, 1103515245) + 12345) | 0;
          const j = (r >>> 0) % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        const kept = sampleOf(50, shuffled).result();
        expect([...kept.keys()].sort()).toEqual(reference);
        for (const items of kept.values()) expect(items).toHaveLength(4);
      }),
      { numRuns: 30 },
    );
  });

  it('keeps everybody when the population is not larger than the sample', () => {
    const s = sampleOf(100, linesOf(100, 2));
    expect(s.result().size).toBe(100);
    expect(s.customers).toBe(100);
  });

  it('spreads ids evenly (a sample is not biased toward ids of one shape)', () => {
    const hashes = Array.from({ length: 20_000 }, (_, i) => hashId(`cus_${i}`));
    const low = hashes.filter((h) => h < 0.1).length;
    expect(low).toBeGreaterThan(1800);
    expect(low).toBeLessThan(2200);
  });
});
