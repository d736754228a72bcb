import type { Jurisdiction } from '../regions/region.schema.ts';

/**
 * Every item key of every table, as pure functions (dynamodb-toolbox's habit): a repository never spells
 * a key itself, and a test holds each one to its table's key schema. Personal items are keyed by the
 * customer id, so a customer's export or erasure is one query per table.
 */

// Personal tables (one set per jurisdiction).
export const customerKey = (customerId: string) => ({ customerId });

/** A purchase line lands on the same item however often it is sent: the key is derived from the line. */
export const purchaseLineKey = (orderId: string, lineId: string) => `${orderId}#${lineId}`;
export const purchaseKey = (customerId: string, orderId: string, lineId: string) => ({ customerId, lineKey: purchaseLineKey(orderId, lineId) });
/** The sort key of the `byTime` index: newest first is a reverse query. */
export const purchaseTimeKey = (purchasedAt: string, orderId: string, lineId: string) => `${purchasedAt}#${orderId}#${lineId}`;

export const predictionKey = (customerId: string) => ({ customerId });
export const assignmentKey = (customerId: string) => ({ customerId });

/** The insights table holds several kinds of item per customer, told apart by `itemKey`. */
export const insightItemKeys = {
  analysis: 'analysis',
  pending: 'pending',
  job: (jobId: string) => `job#${jobId}`,
  ledger: (jobId: string) => `ledger#${jobId}`,
  ledgerPrefix: 'ledger#',
} as const;
export const insightKey = (customerId: string, itemKey: string) => ({ customerId, itemKey });
/**
 * A daily analysis batch's pages are counts, not personal data; they share the insights table under a
 * partition of their own so that a batch's report is one query.
 */
export const batchPartition = (batchId: string) => `batch#${batchId}`;
export const batchPageKey = (batchId: string, page: number) => insightKey(batchPartition(batchId), `page#${String(page).padStart(6, '0')}`);

/** A customer's precomputed recommendations: one item in the customer's partition of the recommendations table. */
export const recommendationKey = (customerId: string) => ({ customerId, itemKey: 'entry' });
/**
 * The jurisdiction's recommendation aggregates (counts with a support of at least five customers) live
 * beside the entries, in the jurisdiction's own table, under partitions that name no customer: one per
 * build (`agg#<buildId>`, chunks of the aggregates), and a pointer to the current build.
 */
export const aggregateKeys = {
  current: { customerId: 'agg#current', itemKey: 'current' },
  buildPartition: (buildId: string) => `agg#${buildId}`,
  chunk: (buildId: string, chunk: string) => ({ customerId: `agg#${buildId}`, itemKey: chunk }),
} as const;

// Global tables (replicated everywhere; nothing personal).
export const productKey = (productId: string) => ({ productId });
export const apiKeyKey = (keyId: string) => ({ keyId });

/** The models table: population fits, segment definitions and runs, AI spend counters. */
export const modelKeys = {
  population: (j: Jurisdiction) => ({ modelKey: `${j}#population` }),
  currentSegments: (j: Jurisdiction) => ({ modelKey: `${j}#segments` }),
  segmentDefinition: (runId: string) => ({ modelKey: `def#${runId}` }),
  segmentRun: (runId: string) => ({ modelKey: `run#${runId}` }),
  costs: (period: string, regionId: string) => ({ modelKey: `costs#${period}#${regionId}` }),
  /** Which jurisdiction an idempotency key created its customer in (a hash of the key, nothing personal). */
  idempotency: (keyHash: string) => ({ modelKey: `idem#${keyHash}` }),
} as const;
