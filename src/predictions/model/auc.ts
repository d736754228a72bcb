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
