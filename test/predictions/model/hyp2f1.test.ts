import stdlibHyp2f1 from '@stdlib/math-base-special-hyp2f1';
import { describe, expect, it } from 'vitest';
import { hyp2f1 } from '../../../src/predictions/model/bgnbd.ts';

describe("BG/NBD's 2F1", () => {
  it('agrees with the general routine to 1e-12 (relative) over the arguments BG/NBD gives it', () => {
    let worst = 0;
    for (const a of [0.05, 0.3, 1, 4.2, 25, 300]) {
      for (const b of [0.2, 1.5, 7, 80, 3000]) {
        for (const cShift of [-0.9, 0, 2.5, 40]) {
          const c = Math.max(0.05, a + b + cShift);
          for (const z of [0, 1e-6, 0.01, 0.1, 0.3, 0.45, 0.6, 0.75, 0.9]) {
            const want = stdlibHyp2f1(a, b, c, z);
            if (!Number.isFinite(want)) continue;
            const got = hyp2f1(a, b, c, z);
            worst = Math.max(worst, Math.abs(got - want) / Math.max(1, Math.abs(want)));
          }
        }
      }
    }
    expect(worst).toBeLessThan(1e-12);
  });
});
