import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { putIf } from '../storage/conditional.ts';
import { batchPageKey, batchPartition, insightKey } from '../storage/keys.ts';
import type { BatchCounts, BatchReport, InferenceRecord } from './insights.model.ts';

/** The pages of the daily analysis batches: counts only, under a partition of their own per batch. */
export interface BatchRepository {
  /** A page's counts, once (the first write wins); `of` is how many pages the batch has. */
  putPage(batchId: string, page: number, counts: BatchCounts, of: number, at: string): Promise<void>;
  report(batchId: string): Promise<BatchReport | undefined>;
  /** The batch's inference job (Bedrock batch inference), as last seen: counts and ids, nothing personal. */
  putInference(batchId: string, record: InferenceRecord): Promise<void>;
  inference(batchId: string): Promise<InferenceRecord | undefined>;
}

const InferenceItem = z.object({
  mode: z.enum(['batch', 'on_demand']),
  status: z.string(),
  jobArn: z.string().optional(),
  records: z.number().int(),
  submittedAt: z.string(),
  answered: z.number().int().default(0),
  invalid: z.number().int().default(0),
  onDemand: z.number().int().default(0),
  costUsd: z.number().default(0),
  finishedAt: z.string().optional(),
});
const inferenceKey = (batchId: string) => insightKey(batchPartition(batchId), 'inference');

const count = z.number().int().nonnegative().default(0);
const PageItem = z.object({ customers: count, enqueued: count, unchanged: count, inactive: count, noConsent: count, alreadyPending: count, last: z.boolean().default(false), of: count });

export class DynamoBatchRepository implements BatchRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async putPage(batchId: string, page: number, counts: BatchCounts, of: number, at: string) {
    await putIf(this.doc, { TableName: this.tableName, Item: { ...batchPageKey(batchId, page), ...counts, of, at }, ConditionExpression: 'attribute_not_exists(customerId)' });
  }

  async report(batchId: string): Promise<BatchReport | undefined> {
    const res = await this.doc.send(
      new QueryCommand({ TableName: this.tableName, KeyConditionExpression: 'customerId = :b', ExpressionAttributeValues: { ':b': batchPartition(batchId) }, ConsistentRead: true }),
    );
    const items = res.Items ?? [];
    const pages = items.filter((i) => String(i.itemKey).startsWith('page#')).map((i) => PageItem.parse(i));
    const inference = items.find((i) => i.itemKey === 'inference');
    if (pages.length === 0) return undefined;
    const sum = (k: keyof BatchCounts) => pages.reduce((s, p) => s + p[k], 0);
    const counts: BatchCounts = {
      customers: sum('customers'),
      enqueued: sum('enqueued'),
      unchanged: sum('unchanged'),
      inactive: sum('inactive'),
      noConsent: sum('noConsent'),
      alreadyPending: sum('alreadyPending'),
    };
    const considered = counts.enqueued + counts.unchanged + counts.alreadyPending;
    return {
      batchId,
      pages: pages.length,
      // Every page of the batch is in (pages written before the job model say `last` on the final one).
      finished: pages.some((p) => p.last) || pages.length >= Math.max(1, ...pages.map((p) => p.of)),
      ...counts,
      unchangedShare: considered === 0 ? 0 : counts.unchanged / considered,
      ...(inference ? { inference: InferenceItem.parse(inference) } : {}),
    };
  }

  async putInference(batchId: string, record: InferenceRecord) {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...inferenceKey(batchId), ...record } }));
  }

  async inference(batchId: string) {
    const item = (await this.doc.send(new GetCommand({ TableName: this.tableName, Key: inferenceKey(batchId), ConsistentRead: true }))).Item;
    return item ? InferenceItem.parse(item) : undefined;
  }
}
