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
/** Ledger lines of erased customers, kept for the accounts without anything that names them. */
export const anonymousLedgerKey = (month: string, lineKey: string) => insightKey(`ledger-anon#${month}`, `line#${lineKey}`);
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
// The privacy table of a jurisdiction: requests and the suppression list, by keyed hash.
export const privacyRequestKey = (requestId: string) => ({ recordKey: `request#${requestId}` });
export const suppressionKey = (keyedHash: string) => ({ recordKey: `suppress#${keyedHash}` });
/**
 * The exposures table holds, per customer, one exposure per experiment phase (the first lookup's) and the
 * purchase lines attributed to it; `experimentPhase` (the index's key) gathers a phase's items.
 */
export const exposureItemKeys = {
  exposure: (experimentKey: string, phase: number) => `exp#${experimentKey}#${phase}`,
  exposurePrefix: 'exp#',
  conversionPrefix: 'conv#',
  conversion: (experimentKey: string, phase: number, orderId: string, lineId: string) => `conv#${experimentKey}#${phase}#${purchaseLineKey(orderId, lineId)}`,
} as const;
export const exposureKey = (customerId: string, itemKey: string) => ({ customerId, itemKey });
export const experimentPhaseKey = (experimentKey: string, phase: number) => `${experimentKey}#${phase}`;

// Global tables (replicated everywhere; nothing personal).
export const productKey = (productId: string) => ({ productId });
export const apiKeyKey = (keyId: string) => ({ keyId });

/** An experiment definition by its key; keys have no `#`, so the per-surface claims below cannot collide. */
export const experimentKey = (key: string) => ({ experimentKey: key });
/** Which experiment runs on a surface (at most one at a time): a claim item in the experiments table. */
export const surfaceClaimKey = (surface: string) => ({ experimentKey: `surface#${surface}` });

/** The models table: population fits, segment definitions and runs, AI spend counters. */
export const modelKeys = {
  population: (j: Jurisdiction) => ({ modelKey: `${j}#population` }),
  currentSegments: (j: Jurisdiction) => ({ modelKey: `${j}#segments` }),
  segmentNames: (j: Jurisdiction) => ({ modelKey: `${j}#segment-names` }),
  segmentDefinition: (runId: string) => ({ modelKey: `def#${runId}` }),
  segmentRun: (runId: string) => ({ modelKey: `run#${runId}` }),
  costs: (period: string, regionId: string) => ({ modelKey: `costs#${period}#${regionId}` }),
  /** Which jurisdiction an idempotency key created its customer in (a hash of the key, nothing personal). */
  idempotency: (keyHash: string) => ({ modelKey: `idem#${keyHash}` }),
} as const;

/**
 * Production accuracy in the jurisdiction's predictions table, under partitions that name no customer:
 * a day's snapshot in pages (keyed references, not ids), the directory saying which page holds a reference,
 * and the day's tally (aggregates only).
 */
export const accuracyKeys = {
  snapshotPage: (day: string, page: number) => ({ customerId: `accuracy#snapshot#${day}#${page}` }),
  tally: (day: string) => ({ customerId: `accuracy#tally#${day}` }),
  /** A refit page's customers' purchase days by reference, until the refit's scoring has read them. */
  days: (day: string, page: number) => ({ customerId: `accuracy#days#${day}#${page}` }),
  /** The day's directory from reference to snapshot page (decision 151): its head, then its buckets. */
  directory: (day: string) => ({ customerId: `accuracy#dir#${day}` }),
  directoryBucket: (day: string, bucket: number) => ({ customerId: `accuracy#dir#${day}#${bucket}` }),
} as const;

/** The TTL attribute of every table that expires items (epoch seconds, as DynamoDB TTL wants). */
export const TTL_ATTRIBUTE = 'expiresAt';
export const expiresAt = (fromMs: number, days: number) => Math.floor(fromMs / 1000) + days * 86_400;
/** TTL deletes lazily (within days): an item past its expiry is treated as gone on read. */
export const expired = (item: Record<string, unknown>, nowMs: number) => typeof item[TTL_ATTRIBUTE] === 'number' && (item[TTL_ATTRIBUTE] as number) * 1000 <= nowMs;

/**
 * The events table: a customer's partition holds their outbox entries and consumed-event markers; the
 * live aggregates and shard checkpoints have partitions of their own that name no customer.
 */
export const eventItemKeys = {
  outbox: (eventId: string) => `outbox#${eventId}`,
  seen: (eventId: string) => `seen#${eventId}`,
  order: (orderId: string) => `order#${orderId}`,
  /** When the consumer last counted this customer as a buyer of the product (trending's minimum support). */
  buyer: (productId: string) => `buyer#${productId}`,
};
export const eventKey = (customerId: string, itemKey: string) => ({ customerId, itemKey });
export const livePartition = (jurisdiction: string) => `live#${jurisdiction}`;
export const liveBucketKey = (jurisdiction: string, minute: string, shardId: string) => eventKey(livePartition(jurisdiction), `${minute}#${shardId}`);
/** A day's live counts (customers who became due), one item per shard. */
export const liveDayKey = (jurisdiction: string, day: string, shardId: string) => eventKey(`liveday#${jurisdiction}`, `${day}#${shardId}`);
export const checkpointKey = (stream: string, shardId: string) => eventKey(`checkpoint#${stream}`, shardId);
