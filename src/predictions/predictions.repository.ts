import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { PersonalData } from '../privacy/personal-data.ts';
import type { Jurisdiction } from '../regions/region.schema.ts';
import { batchGetAll } from '../storage/batch.ts';
import { putIf } from '../storage/conditional.ts';
import { expired, expiresAt, modelKeys, predictionKey, TTL_ATTRIBUTE } from '../storage/keys.ts';
import { erasePartition, partitionPages } from '../storage/partition.ts';
import { keyAttributes } from '../storage/tables.ts';
import type { PopulationModel } from './model/population.ts';
import { NO_CURRENCY } from './model/history.ts';
import { PredictionDataSchema, PredictionsViewSchema, type PredictionsView } from './predictions.schemas.ts';

/** Predictions stored before spend was kept per currency read as "no currency" until recomputed. */
const StoredView = PredictionsViewSchema.extend({
  data: PredictionDataSchema.extend({ currency: z.string().default(NO_CURRENCY), spendByCurrency: z.record(z.string(), z.number()).default({}) }),
});

/**
 * A customer's stored predictions: the served JSON as it goes on the wire (`body`, serialized once when
 * computed, validated then), with its validator. A read parses only this envelope, never the body.
 */
const StoredPredictionsSchema = z.object({
  customerId: z.string(),
  etag: z.string(),
  computedAt: z.string(),
  /** How many purchase lines it was computed from; lines are never removed, so more is newer. */
  lineCount: z.number().int(),
  /** The last purchase day (for retention: derived data of inactive customers expires). */
  lastPurchase: z.string(),
  body: z.string(),
});
export type StoredPredictions = z.infer<typeof StoredPredictionsSchema>;

const views = new WeakMap<StoredPredictions, PredictionsView>();
/** The predictions as an object, for code that works with them (parsed once per stored item). */
export function viewOf(stored: StoredPredictions): PredictionsView {
  let view = views.get(stored);
  if (!view) {
    view = JSON.parse(stored.body) as PredictionsView;
    views.set(stored, view);
  }
  return view;
}

/** An item written before bodies were stored serialized: its view map becomes the body, checked once. */
function fromItem(item: Record<string, unknown>): StoredPredictions {
  if (typeof item.body === 'string') return StoredPredictionsSchema.parse(item);
  const view = StoredView.parse(item.view);
  return StoredPredictionsSchema.parse({ ...item, lastPurchase: view.data.lastPurchase, body: JSON.stringify(view) });
}

export interface PredictionRepository extends PersonalData {
  get(customerId: string): Promise<StoredPredictions | undefined>;
  /**
   * Stores unless what is stored was computed from more lines: two overlapping recomputes, or a long refit
   * finishing after an ingest, cannot put older predictions over newer ones. False when it was older.
   */
  putIfNotOlder(p: StoredPredictions): Promise<boolean>;
  /** Several customers' predictions at once (BatchGetItem); absent ones are missing from the map. */
  many(customerIds: readonly string[]): Promise<Map<string, StoredPredictions>>;
}

export interface ModelRepository {
  get(jurisdiction: Jurisdiction): Promise<{ model: PopulationModel; fittedAt: string } | undefined>;
  put(jurisdiction: Jurisdiction, model: PopulationModel, fittedAt: string): Promise<void>;
}

export class DynamoPredictionRepository implements PredictionRepository {
  readonly table = 'predictions' as const;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Predictions of a customer inactive this long expire (TTL). */
    private readonly inactiveDays = 2 * 365,
    private readonly now: () => number = Date.now,
  ) {}

  async get(customerId: string) {
    const res = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: predictionKey(customerId) }));
    return res.Item && !expired(res.Item, this.now()) ? fromItem(res.Item) : undefined;
  }

  putIfNotOlder(p: StoredPredictions) {
    return putIf(this.doc, {
      TableName: this.tableName,
      Item: { ...p, ...predictionKey(p.customerId), [TTL_ATTRIBUTE]: expiresAt(Date.parse(p.lastPurchase), this.inactiveDays) },
      ConditionExpression: 'attribute_not_exists(customerId) OR lineCount <= :n',
      ExpressionAttributeValues: { ':n': p.lineCount },
    });
  }

  async many(customerIds: readonly string[]) {
    const items = await batchGetAll(this.doc, this.tableName, [...new Set(customerIds)].map(predictionKey));
    return new Map(items.map((i) => {
      const p = fromItem(i);
      return [p.customerId, p] as const;
    }));
  }

  async *exportOf(customerId: string): AsyncIterable<PredictionsView> {
    for await (const page of partitionPages(this.doc, this.tableName, customerId)) yield* page.map((i) => viewOf(fromItem(i)));
  }

  eraseOf(customerId: string): Promise<number> {
    return erasePartition(this.doc, this.tableName, keyAttributes(this.table), customerId);
  }
}

/** The stored form of a fit: JSON text (the per-product priors map can hold thousands of keys). */
const ModelItem = z.object({ modelKey: z.string(), model: z.string(), fittedAt: z.string() });
/** What a stored fit must have; fields added later are filled from the defaults by the service. */
const PopulationModelShape = z.looseObject({ version: z.string(), asOfDay: z.number(), customers: z.number(), bgnbd: z.object({ r: z.number(), alpha: z.number(), a: z.number(), b: z.number() }) });

/** Population parameters live in a global table: aggregates are not personal data. */
export class DynamoModelRepository implements ModelRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(jurisdiction: Jurisdiction) {
    const res = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: modelKeys.population(jurisdiction) }));
    if (!res.Item) return undefined;
    const item = ModelItem.parse(res.Item);
    return { model: PopulationModelShape.parse(JSON.parse(item.model)) as unknown as PopulationModel, fittedAt: item.fittedAt };
  }

  async put(jurisdiction: Jurisdiction, model: PopulationModel, fittedAt: string) {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...modelKeys.population(jurisdiction), model: JSON.stringify(model), fittedAt } }));
  }
}
