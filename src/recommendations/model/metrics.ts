/** Top-k accuracy measures of one ranked list against the products the customer went on to buy. */

export function precisionAt(list: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  let hits = 0;
  for (const p of list.slice(0, k)) if (relevant.has(p)) hits++;
  return hits / k;
}

export function recallAt(list: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  if (relevant.size === 0) return 0;
  let hits = 0;
  for (const p of list.slice(0, k)) if (relevant.has(p)) hits++;
  return hits / relevant.size;
}

/** Binary-relevance NDCG@k: DCG over the ideal DCG of min(k, |relevant|) hits at the top. */
export function ndcgAt(list: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  if (relevant.size === 0) return 0;
  let dcg = 0;
  const top = list.slice(0, k);
  for (let i = 0; i < top.length; i++) if (relevant.has(top[i]!)) dcg += 1 / Math.log2(i + 2);
  let ideal = 0;
  for (let i = 0; i < Math.min(k, relevant.size); i++) ideal += 1 / Math.log2(i + 2);
  return dcg / ideal;
}

export function hitAt(list: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  return list.slice(0, k).some((p) => relevant.has(p)) ? 1 : 0;
}

/** Mean pairwise dissimilarity (1 - similarity) of a list's items; 0 for fewer than two. */
export function intraListDiversity(list: readonly string[], similarity: (a: string, b: string) => number): number {
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      sum += 1 - similarity(list[i]!, list[j]!);
      pairs++;
    }
  }
  return pairs === 0 ? 0 : sum / pairs;
}

/** A small fast generator for resampling (mulberry32), seeded: the same run gives the same intervals. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A percentile bootstrap over customers: the 95% interval of a mean, and of the ratio of two means on the
 * same resampled customers (a paired comparison, so a gain is judged with the customers it was measured on).
 */
export function bootstrap(a: readonly number[], b: readonly number[] = a, rounds = 1000, seed = 11): { mean: [number, number]; ratio: [number, number] } {
  const n = a.length;
  const random = rng(seed);
  const means: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let sa = 0;
    let sb = 0;
    for (let i = 0; i < n; i++) {
      const j = Math.floor(random() * n);
      sa += a[j]!;
      sb += b[j]!;
    }
    means.push(sa / Math.max(1, n));
    ratios.push(sb > 0 ? sa / sb : Number.NaN);
  }
  const q = (v: number[], p: number) => {
    const s = v.filter((x) => !Number.isNaN(x)).sort((x, y) => x - y);
    return s.length === 0 ? Number.NaN : s[Math.min(s.length - 1, Math.max(0, Math.floor(p * s.length)))]!;
  };
  return { mean: [q(means, 0.025), q(means, 0.975)], ratio: [q(ratios, 0.025), q(ratios, 0.975)] };
}
