import { GetCommand, PutCommand, QueryCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGetAll } from '../storage/batch.ts';
import type { Product } from './products.schemas.ts';

export interface Page<T> {
  items: T[];
  /** Opaque key of the last item; pass it back to continue. */
  last?: Record<string, unknown>;
}

export interface ProductRepository {
  get(id: string): Promise<Product | undefined>;
  put(product: Product): Promise<void>;
  list(options: { category?: string; limit: number; after?: Record<string, unknown> }): Promise<Page<Product>>;
  many(ids: readonly string[]): Promise<Map<string, Product>>;
}

const toProduct = (item: Record<string, unknown>) => item.product as Product;

export function dynamoProductRepository(doc: DynamoDBDocumentClient, table: string): ProductRepository {
  return {
    async get(id) {
      const res = await doc.send(new GetCommand({ TableName: table, Key: { productId: id } }));
      return res.Item ? toProduct(res.Item) : undefined;
    },
    async put(product) {
      await doc.send(new PutCommand({ TableName: table, Item: { productId: product.id, category: product.category, product } }));
    },
    async list({ category, limit, after }) {
      const res = category
        ? await doc.send(
            new QueryCommand({
              TableName: table,
              IndexName: 'byCategory',
              KeyConditionExpression: 'category = :c',
              ExpressionAttributeValues: { ':c': category },
              Limit: limit,
              ExclusiveStartKey: after,
            }),
          )
        : await doc.send(new ScanCommand({ TableName: table, Limit: limit, ExclusiveStartKey: after }));
      return { items: (res.Items ?? []).map(toProduct), ...(res.LastEvaluatedKey ? { last: res.LastEvaluatedKey } : {}) };
    },
    async many(ids) {
      const unique = [...new Set(ids)];
      if (unique.length === 0) return new Map();
      const items = await batchGetAll(doc, table, unique.map((productId) => ({ productId })));
      return new Map(items.map((i) => [i.productId as string, toProduct(i)]));
    },
  };
}
