import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Jurisdiction } from '../regions/region.schema.ts';
import { batchGetAll } from '../storage/batch.ts';
import { putIf } from '../storage/conditional.ts';
import type { PopulationModel } from './model/population.ts';
import type { PredictionsView } from './predictions.schemas.ts';

/** A customer's stored predictions: the served JSON as is, with its validator. */
export interface StoredPredictions {
  customerId: string;
  etag: string;
  computedAt: string;
  /** How many purchase lines it was computed from; lines are never removed, so more is newer. */
  lineCount: number;
  view: PredictionsView;
}

export interface PredictionRepository {
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

export function dynamoPredictionRepository(doc: DynamoDBDocumentClient, table: string): PredictionRepository {
  return {
    async get(customerId) {
      const res = await doc.send(new GetCommand({ TableName: table, Key: { customerId } }));
      return res.Item as StoredPredictions | undefined;
    },
    putIfNotOlder: (p) =>
      putIf(doc, {
        TableName: table,
        Item: p,
        ConditionExpression: 'attribute_not_exists(customerId) OR lineCount <= :n',
        ExpressionAttributeValues: { ':n': p.lineCount },
      }),
    async many(customerIds) {
      const items = await batchGetAll(doc, table, [...new Set(customerIds)].map((customerId) => ({ customerId })));
      return new Map(items.map((i) => [i.customerId as string, i as unknown as StoredPredictions]));
    },
  };
}

/** Population parameters live in a global table: aggregates are not personal data. */
export function dynamoModelRepository(doc: DynamoDBDocumentClient, table: string): ModelRepository {
  const key = (j: Jurisdiction) => `${j}#population`;
  return {
    async get(jurisdiction) {
      const res = await doc.send(new GetCommand({ TableName: table, Key: { modelKey: key(jurisdiction) } }));
      return res.Item ? { model: JSON.parse(res.Item.model as string) as PopulationModel, fittedAt: res.Item.fittedAt as string } : undefined;
    },
    async put(jurisdiction, model, fittedAt) {
      // Stored as JSON text: the per-product priors map can hold thousands of keys.
      await doc.send(new PutCommand({ TableName: table, Item: { modelKey: key(jurisdiction), model: JSON.stringify(model), fittedAt } }));
    },
  };
}
