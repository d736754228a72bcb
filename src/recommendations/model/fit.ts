import type { CustomerHistory } from '../../predictions/model/history.ts';
import type { Aggregates } from './aggregates.ts';
import type { Algorithm } from './algorithms.ts';
import type { CustomerContext, SourceContext } from './candidates.ts';
import { innerSplitWeights, prepareAt, type Snapshot, type TrainingOptions } from './training.ts';

/** An algorithm ready to rank a population: its sources as of a day and the weights it uses. */
export interface FittedRecommender {
  algorithm: Algorithm;
  src: SourceContext;
  contexts: CustomerContext[];
  aggregates: Aggregates;
  /** The inner split that chose the weights (absent: the algorithm's own weights). */
  inner?: { customers: number; cuts: number[]; days: number; ndcg: number; startNdcg: number };
}

/**
 * Fits an algorithm on a population as of `asOfDay`: for an algorithm with free weights, the inner time
 * split of the population's own history chooses them; then the sources are built on everything before
 * `asOfDay`, and the weights are kept with the aggregates (what a deployment stores and serves from).
 * `segmentOf` gives the customers' current segments (a deployment's); without it the segmenter makes them.
 * `innerOn` are the customers the inner split learns from (a deployment leaves out those who objected).
 */
export function fitRecommender(
  snapshots: readonly Snapshot[],
  asOfDay: number,
  algorithm: Algorithm,
  o: TrainingOptions,
  segmentOf?: (customerId: string) => string | undefined,
  innerOn: readonly Snapshot[] = snapshots,
): FittedRecommender {
  const histories = new Map<string, CustomerHistory>(innerOn.map((s) => [s.customerId, s.history]));
  const inner = algorithm.fit.length > 0 ? innerSplitWeights(histories, asOfDay, algorithm, o) : undefined;
  const { src, contexts, aggregates } = prepareAt(snapshots, asOfDay, o, segmentOf);
  aggregates.weights = { ...(inner?.weights ?? algorithm.weights) };
  aggregates.weightsSource = inner ? 'inner_split' : 'default';
  if (inner) aggregates.innerNdcg = inner.ndcg;
  return {
    algorithm,
    src,
    contexts,
    aggregates,
    ...(inner ? { inner: { customers: inner.customers, cuts: inner.cuts, days: inner.days, ndcg: inner.ndcg, startNdcg: inner.startNdcg } } : {}),
  };
}
