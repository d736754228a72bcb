import { describe, expect, it } from 'vitest';
import { auc, resampledAuc } from '../../../src/predictions/model/auc.ts';
import { prng } from '../../../src/shared/random.ts';

describe('resampled AUC', () => {
  it("equals the rank-sum AUC of each resample written out, ties counted half", () => {
    const rnd = prng(5);
    const n = 300;
    // Scores on a coarse grid, so ties are common; outcomes correlated with the score.
    const score = Array.from({ length: n }, () => Math.round(rnd.next() * 20) / 20);
    const outcome = score.map((s) => rnd.next() < 0.2 + 0.6 * s);
    const scorer = resampledAuc(score, outcome);
    expect(scorer(new Int32Array(n).fill(1))).toBeCloseTo(auc(score, outcome), 12);
    for (let trial = 0; trial < 20; trial++) {
      const counts = new Int32Array(n);
      const s: number[] = [];
      const o: boolean[] = [];
      for (let i = 0; i < n; i++) {
        const k = Math.floor(rnd.next() * n);
        counts[k]!++;
        s.push(score[k]!);
        o.push(outcome[k]!);
      }
      expect(scorer(counts)).toBeCloseTo(auc(s, o), 12);
    }
  });

  it('is undefined (NaN) for a resample with one class only', () => {
    const scorer = resampledAuc([0.1, 0.9], [false, true]);
    expect(scorer(Int32Array.from([2, 0]))).toBeNaN();
    expect(scorer(Int32Array.from([1, 1]))).toBe(1);
  });
});
