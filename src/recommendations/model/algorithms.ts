import { DEFAULT_WEIGHTS } from './aggregates.ts';
import { FEATURES, type Feature, type Weights } from './types.ts';

/**
 * A named, versioned way of ranking: which signals it blends, where its weights start, and which of them
 * an inner time split may move. A new version is a new name, so an experiment's variants stay comparable.
 */
export interface Algorithm {
  name: string;
  description: string;
  weights: Weights;
  /** Weights chosen by the inner time split (empty: fixed). */
  fit: readonly Feature[];
  /** Uses nothing of the customer's own (a customer who objected to profiling may get it). */
  personal: boolean;
}

const only = (w: Partial<Weights>): Weights => Object.fromEntries(FEATURES.map((f) => [f, w[f] ?? 0])) as Weights;

export const ALGORITHMS: readonly Algorithm[] = [
  {
    name: 'replenish-blend-v1',
    description: 'replenishment due, own favourites, bought together, similar, segment favourites and best sellers, weighted by an inner time split',
    weights: DEFAULT_WEIGHTS,
    fit: FEATURES,
    personal: true,
  },
  { name: 'replenish-v1', description: "the customer's own consumables by how due they are, then how often bought", weights: only({ due: 1, frequency: 0.3, recency: 0.1 }), fit: [], personal: true },
  { name: 'bought-together-v1', description: 'what is bought with the customer\u2019s latest products (cosine, min. support 5)', weights: only({ together: 1 }), fit: [], personal: true },
  { name: 'content-v1', description: 'catalog products like the customer\u2019s latest ones (category, name, price band, pack)', weights: only({ similar: 1 }), fit: [], personal: true },
  { name: 'popular-v1', description: 'best sellers of the last 90 days by distinct buyers, trending ones a little ahead', weights: only({ popular: 1, trending: 0.1 }), fit: [], personal: false },
];

export const DEFAULT_ALGORITHM = 'replenish-blend-v1';
export const NON_PERSONAL_ALGORITHM = 'popular-v1';

export const algorithmNamed = (name: string): Algorithm | undefined => ALGORITHMS.find((a) => a.name === name);
export const ALGORITHM_NAMES = ALGORITHMS.map((a) => a.name);
