import type { CandidateSet } from './candidates.ts';
import { FEATURES, type Feature, type Weights } from './types.ts';

const NF = FEATURES.length;

/** One customer of the inner split: their candidates as of the inner cut, and what they bought after it. */
export interface TrainingCase {
  set: CandidateSet;
  relevant: ReadonlySet<string>;
}

interface Prepared {
  x: Float64Array;
  n: number;
  hit: Uint8Array;
  ideal: number;
}

const GRID = [0, 0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1, 1.5, 2, 3, 5, 8, 13, 20];
const PASSES = 3;

function prepare(cases: readonly TrainingCase[], k: number): Prepared[] {
  return cases.map(({ set, relevant }) => {
    let ideal = 0;
    for (let i = 0; i < Math.min(k, relevant.size); i++) ideal += 1 / Math.log2(i + 2);
    return { x: set.x, n: set.products.length, hit: Uint8Array.from(set.products, (p) => (relevant.has(p) ? 1 : 0)), ideal };
  });
}

/** Mean NDCG@k of the cases under weights `w` (top k by a partial selection, no full sort). */
function meanNdcg(prepared: readonly Prepared[], w: Weights, k: number): number {
  const wv = FEATURES.map((f) => w[f]);
  const fallback = 1e-3;
  const popular = FEATURES.indexOf('popular');
  const topScore = new Float64Array(k);
  const topHit = new Uint8Array(k);
  let total = 0;
  for (const c of prepared) {
    let filled = 0;
    for (let i = 0; i < c.n; i++) {
      let s = fallback * c.x[i * NF + popular]!;
      for (let j = 0; j < NF; j++) s += wv[j]! * c.x[i * NF + j]!;
      if (s <= 0 || (filled === k && s <= topScore[k - 1]!)) continue;
      let pos = filled < k ? filled++ : k - 1;
      while (pos > 0 && topScore[pos - 1]! < s) {
        topScore[pos] = topScore[pos - 1]!;
        topHit[pos] = topHit[pos - 1]!;
        pos--;
      }
      topScore[pos] = s;
      topHit[pos] = c.hit[i]!;
    }
    let dcg = 0;
    for (let i = 0; i < filled; i++) if (topHit[i]) dcg += 1 / Math.log2(i + 2);
    total += c.ideal > 0 ? dcg / c.ideal : 0;
  }
  return total / Math.max(1, prepared.length);
}

/**
 * The ranker's weights, chosen on an inner time split: coordinate ascent over a grid, each weight in turn,
 * keeping a change only when it raises the mean NDCG@k of the split's customers. Only features listed in
 * `free` move; the others keep their value in `start` (an algorithm that uses fewer sources).
 */
export function searchWeights(cases: readonly TrainingCase[], k: number, start: Weights, free: readonly Feature[] = FEATURES): { weights: Weights; ndcg: number; startNdcg: number } {
  const prepared = prepare(cases, k);
  let best = { ...start };
  const startNdcg = meanNdcg(prepared, best, k);
  let bestScore = startNdcg;
  for (let pass = 0; pass < PASSES; pass++) {
    let improved = false;
    for (const f of free) {
      for (const v of GRID) {
        if (v === best[f]) continue;
        const trial = { ...best, [f]: v };
        const score = meanNdcg(prepared, trial, k);
        if (score > bestScore + 1e-6) {
          best = trial;
          bestScore = score;
          improved = true;
        }
      }
    }
    if (!improved) break;
  }
  return { weights: best, ndcg: bestScore, startNdcg };
}
