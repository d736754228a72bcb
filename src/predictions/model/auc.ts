/** Area under the ROC curve by the rank-sum (Mann-Whitney) statistic, ties counted half. */
export function auc(score: readonly number[], outcome: readonly boolean[]): number {
  const order = score.map((s, i) => [s, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(score.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]![1]] = rank;
    i = j + 1;
  }
  const positives = outcome.filter(Boolean).length;
  const negatives = outcome.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  const rankSum = ranks.reduce((s, r, i) => s + (outcome[i] ? r : 0), 0);
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * The AUC of many resamples of one scored sample, each given as how often it drew every item: sorted once,
 * then O(n) per resample (pairs positive above negative, ties half — the rank-sum statistic of the
 * resample itself, without sorting it again).
 */
export function resampledAuc(score: readonly number[], outcome: readonly boolean[]): (counts: Int32Array) => number {
  const order = score.map((_, i) => i).sort((i, j) => score[i]! - score[j]!);
  const groupEnd: number[] = [];
  for (let i = 0; i < order.length; i++) if (i + 1 === order.length || score[order[i + 1]!] !== score[order[i]!]) groupEnd.push(i + 1);
  return (counts) => {
    let negativesBelow = 0;
    let pairs = 0;
    let positives = 0;
    let start = 0;
    for (const end of groupEnd) {
      let pos = 0;
      let neg = 0;
      for (let k = start; k < end; k++) {
        const i = order[k]!;
        if (outcome[i]) pos += counts[i]!;
        else neg += counts[i]!;
      }
      pairs += pos * (negativesBelow + neg / 2);
      negativesBelow += neg;
      positives += pos;
      start = end;
    }
    return positives === 0 || negativesBelow === 0 ? Number.NaN : pairs / (positives * negativesBelow);
  };
}
