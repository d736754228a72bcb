import stdlibHyp2f1 from '@stdlib/math-base-special-hyp2f1';
import { describe, expect, it } from 'vitest';
import { deadOddsOf, expectedPurchasesOf, hyp2f1 } from '../../../src/predictions/model/bgnbd.ts';
import { prng } from '../../../src/shared/random.ts';
import { expectedPurchases as referenceExpected } from './reference/bgnbd.ts';

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

describe("BG/NBD's expected purchases through Euler's transformation (decision 140)", () => {
  it('agree with the direct series of the frozen implementation to 1e-9 over a spread of populations and customers', () => {
    const rnd = prng(7);
    // Log-uniform draws: parameters and histories over several orders of magnitude, and the three horizons served.
    const draw = (lo: number, hi: number) => Math.exp(Math.log(lo) + rnd.next() * (Math.log(hi) - Math.log(lo)));
    let worst = 0;
    let transformed = 0;
    for (let i = 0; i < 3000; i++) {
      const p = { r: draw(0.01, 50), alpha: draw(0.1, 100), a: draw(0.05, 20), b: draw(0.1, 100) };
      const x = Math.floor(draw(1, 60)) - 1;
      const T = draw(0.1, 300) + x / 10;
      const tx = x === 0 ? 0 : T * rnd.next();
      const t = [30 / 7, 90 / 7, 273 / 7][i % 3]!;
      const want = referenceExpected(p, { x, tx, T }, t);
      const got = expectedPurchasesOf(p, x, T, t, deadOddsOf(p, x, tx, T));
      if (p.a + p.b - 1 - p.r > 0 && t / (p.alpha + T + t) <= 0.6) transformed++;
      worst = Math.max(worst, Math.abs(got - want) / Math.max(1, Math.abs(want)));
    }
    expect(transformed).toBeGreaterThan(1000);
    expect(worst).toBeLessThan(1e-9);
  });
});
