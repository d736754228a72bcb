import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { batchGetAll } from '../storage/batch.ts';
import { deleteIf } from '../storage/conditional.ts';
import { expired, expiresAt, insightItemKeys, insightKey, TTL_ATTRIBUTE } from '../storage/keys.ts';
import { AnalysisAnswer } from './analysis.schema.ts';
import { FALLBACK_REASONS, type StoredAnalysis } from './insights.model.ts';

export const StoredAnalysisItem = z.object({
  customerId: z.string(),
  source: z.enum(['bedrock', 'statistical']),
  fallbackReason: z.enum(FALLBACK_REASONS).optional(),
  modelId: z.string().optional(),
  promptVersion: z.string(),
  computedAt: z.string(),
  lineCount: z.number().int(),
  jobId: z.string(),
  etag: z.string(),
  answer: AnalysisAnswer,
  basis: z.object({ categories: z.array(z.string()), intervals: z.record(z.string(), z.number()) }).optional(),
}) satisfies z.ZodType<StoredAnalysis>;

/** Each customer's current analysis (one item per customer in the insights table). */
export interface AnalysisRepository {
  get(customerId: string): Promise<StoredAnalysis | undefined>;
  put(a: StoredAnalysis): Promise<void>;
  /** Deletes the stored analysis if the model wrote it (consent withdrawn); a statistical one may stay. */
  deleteModelAnalysis(customerId: string): Promise<boolean>;
  /** Deletes the stored analysis whatever produced it (an objection to profiling). */
  delete(customerId: string): Promise<void>;
  /** Several customers' analyses at once (BatchGetItem). */
  many(customerIds: readonly string[]): Promise<Map<string, StoredAnalysis>>;
}

const key = (customerId: string) => insightKey(customerId, insightItemKeys.analysis);
const parse = (item: Record<string, unknown>) => StoredAnalysisItem.parse(item);

export class DynamoAnalysisRepository implements AnalysisRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** An analysis not renewed this long expires (TTL): active customers' are renewed at least weekly. */
    private readonly inactiveDays = 2 * 365,
  ) {}

  async get(customerId: string) {
    const item = (await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key(customerId), ConsistentRead: true }))).Item;
    return item && !expired(item, Date.now()) ? parse(item) : undefined;
  }

  async put(a: StoredAnalysis) {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...a, ...key(a.customerId), [TTL_ATTRIBUTE]: expiresAt(Date.parse(a.computedAt), this.inactiveDays) } }));
  }

  deleteModelAnalysis(customerId: string) {
    return deleteIf(this.doc, {
      TableName: this.tableName,
      Key: key(customerId),
      ConditionExpression: '#s = :b',
      ExpressionAttributeNames: { '#s': 'source' },
      ExpressionAttributeValues: { ':b': 'bedrock' },
    });
  }

  async delete(customerId: string) {
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: key(customerId) }));
  }

  async many(customerIds: readonly string[]) {
    const items = await batchGetAll(this.doc, this.tableName, [...new Set(customerIds)].map(key));
    return new Map(items.map((i) => {
      const a = parse(i);
      return [a.customerId, a] as const;
    }));
  }
}
