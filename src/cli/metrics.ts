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

// AUC is also what the model's inner time split chooses by: it lives with the model.
export { auc } from '../predictions/model/auc.ts';

export const median = (values: readonly number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
