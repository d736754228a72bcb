import { F, type CandidateSet } from './candidates.ts';
import { FEATURES, type Feature, type Reason, type Weights } from './types.ts';

const NF = FEATURES.length;
/** Best sellers fill a list the other signals leave short, whatever the weights (a new customer's list). */
const FALLBACK = 1e-3;

export interface Scored {
  index: number;
  score: number;
}

/** Every candidate's blended score, best first (ties: the more popular, then the product id). */
export function scoreAll(set: CandidateSet, w: Weights): Scored[] {
  const wv = FEATURES.map((f) => w[f]);
  const out: Scored[] = [];
  for (let i = 0; i < set.products.length; i++) {
    let s = FALLBACK * set.x[i * NF + F.popular]!;
    for (let j = 0; j < NF; j++) s += wv[j]! * set.x[i * NF + j]!;
    if (s > 0) out.push({ index: i, score: s });
  }
  return out.sort((a, b) => b.score - a.score || set.x[b.index * NF + F.popular]! - set.x[a.index * NF + F.popular]! || set.products[a.index]!.localeCompare(set.products[b.index]!));
}

/** The top `k` product ids under weights `w` (used by the weight search, where speed matters). */
export function topK(set: CandidateSet, w: Weights, k: number): string[] {
  return scoreAll(set, w).slice(0, k).map((s) => set.products[s.index]!);
}

const REASON_OF: Record<Feature, Reason> = {
  due: 'replenish_due',
  frequency: 'replenish_due',
  recency: 'replenish_due',
  habit: 'replenish_due',
  cycle: 'replenish_due',
  repeat: 'replenish_due',
  together: 'bought_together',
  similar: 'similar',
  segment: 'segment_favourite',
  popular: 'popular',
  trending: 'popular',
};

/** The source that gave a candidate most of its score: its reason. */
export function reasonOf(set: CandidateSet, index: number, w: Weights): Reason {
  let best: Feature = 'popular';
  let bestValue = 0;
  for (const f of FEATURES) {
    const v = w[f] * set.x[index * NF + F[f]]!;
    if (v > bestValue) {
      best = f;
      bestValue = v;
    }
  }
  return REASON_OF[best];
}

export const feature = (set: CandidateSet, index: number, f: Feature) => set.x[index * NF + F[f]]!;
