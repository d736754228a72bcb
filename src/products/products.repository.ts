import { GetCommand, PutCommand, QueryCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { batchGetAll } from '../storage/batch.ts';
import { productKey } from '../storage/keys.ts';
import { ProductSchema, type Product } from './products.schemas.ts';

export interface Page<T> {
  items: T[];
  /** Opaque key of the last item; pass it back to continue. */
  last?: Record<string, unknown>;
}

/** The catalog: global, non-personal, replicated to every region. */
export interface ProductRepository {
  get(id: string): Promise<Product | undefined>;
  /** Stores the product; whether it replaced one. */
  put(product: Product): Promise<{ replaced: boolean }>;
  list(options: { category?: string; limit: number; after?: Record<string, unknown> }): Promise<Page<Product>>;
  many(ids: readonly string[]): Promise<Map<string, Product>>;
}

const ProductItem = z.object({ productId: z.string(), category: z.string(), product: ProductSchema });
const toProduct = (item: Record<string, unknown>) => ProductItem.parse(item).product;

export class DynamoProductRepository implements ProductRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(id: string) {
    const res = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: productKey(id) }));
    return res.Item ? toProduct(res.Item) : undefined;
  }

  async put(product: Product) {
    const res = await this.doc.send(
      new PutCommand({ TableName: this.tableName, Item: { ...productKey(product.id), category: product.category, product }, ReturnValues: 'ALL_OLD' }),
    );
    return { replaced: res.Attributes !== undefined };
  }

  async list({ category, limit, after }: { category?: string; limit: number; after?: Record<string, unknown> }) {
    const res = category
      ? await this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: 'byCategory',
            KeyConditionExpression: 'category = :c',
            ExpressionAttributeValues: { ':c': category },
            Limit: limit,
            ExclusiveStartKey: after,
          }),
        )
      : await this.doc.send(new ScanCommand({ TableName: this.tableName, Limit: limit, ExclusiveStartKey: after }));
    return { items: (res.Items ?? []).map(toProduct), ...(res.LastEvaluatedKey ? { last: res.LastEvaluatedKey } : {}) };
  }

  async many(ids: readonly string[]) {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map<string, Product>();
    const items = await batchGetAll(this.doc, this.tableName, unique.map(productKey));
    return new Map(items.map((i) => [z.string().parse(i.productId), toProduct(i)]));
  }
}
