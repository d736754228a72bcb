/** Accuracy measures for backtests: plain functions over arrays. */

export function rmse(predicted: readonly number[], actual: readonly number[]): number {
  return Math.sqrt(predicted.reduce((s, p, i) => s + (p - actual[i]!) ** 2, 0) / Math.max(1, predicted.length));
}

export function mae(predicted: readonly number[], actual: readonly number[]): number {
  return predicted.reduce((s, p, i) => s + Math.abs(p - actual[i]!), 0) / Math.max(1, predicted.length);
}

export const sum = (values: readonly number[]) => values.reduce((s, v) => s + v, 0);

/** Brier score of probabilities against 0/1 outcomes. */
export function brier(probability: readonly number[], outcome: readonly boolean[]): number {
  return probability.reduce((s, p, i) => s + (p - (outcome[i] ? 1 : 0)) ** 2, 0) / Math.max(1, probability.length);
}

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

export const median = (values: readonly number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
