import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { putIf, updateIf } from '../storage/conditional.ts';
import { insightItemKeys, insightKey } from '../storage/keys.ts';
import { AnalysisAnswer } from './analysis.schema.ts';
import { FALLBACK_REASONS, type CountedLedgerLine, type LedgerLine } from './insights.model.ts';
import type { PseudonymousInput } from './prompt.ts';

export const LedgerItem = z.object({
  customerId: z.string(),
  jobId: z.string(),
  at: z.string(),
  modelId: z.string(),
  region: z.string(),
  calls: z.number().int(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  cacheReadTokens: z.number().int().optional(),
  cacheWriteTokens: z.number().int().optional(),
  mode: z.enum(['on_demand', 'batch']).optional(),
  inferenceJob: z.string().optional(),
  pricePerMillion: z.object({ input: z.number(), output: z.number(), cacheRead: z.number().optional(), cacheWrite: z.number().optional() }),
  costUsd: z.number(),
  outcome: z.union([z.literal('answer'), z.enum(FALLBACK_REASONS)]),
  pendingAnswer: AnalysisAnswer.optional(),
  input: z.custom<PseudonymousInput>((v) => typeof v === 'object' && v !== null).optional(),
  countedDay: z.boolean().default(false),
  countedMonth: z.boolean().default(false),
});

/**
 * The cost ledger: one line per job that called the model, in the customer's partition (it names the
 * customer, so it is personal and stays in the jurisdiction). The totals it feeds are in the global table.
 */
export interface LedgerRepository {
  /** Records the job's Bedrock call once (one line per job): false when it was recorded before. */
  put(line: LedgerLine): Promise<boolean>;
  get(customerId: string, jobId: string): Promise<CountedLedgerLine | undefined>;
  /** Marks the line as added to the day's or month's totals. */
  markCounted(customerId: string, jobId: string, period: 'day' | 'month'): Promise<void>;
  /** Drops the answer kept on the line once the analysis is stored. */
  dropPendingAnswer(customerId: string, jobId: string): Promise<void>;
  /** Drops every model answer kept on the customer's lines (consent withdrawn). */
  dropAllPendingAnswers(customerId: string): Promise<void>;
  /** Every line of the customer, without kept answers. */
  of(customerId: string): Promise<LedgerLine[]>;
}

const key = (customerId: string, jobId: string) => insightKey(customerId, insightItemKeys.ledger(jobId));

function toLine(item: Record<string, unknown>): CountedLedgerLine {
  const { countedDay, countedMonth, ...line } = LedgerItem.parse(item);
  return { ...line, counted: { day: countedDay, month: countedMonth } };
}

export class DynamoLedgerRepository implements LedgerRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Every ledger line of a customer (all pages). */
  private async items(customerId: string, extra: Pick<QueryCommandInput, 'FilterExpression' | 'ProjectionExpression'> = {}) {
    const out: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const res = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'customerId = :c AND begins_with(itemKey, :p)',
          ExpressionAttributeValues: { ':c': customerId, ':p': insightItemKeys.ledgerPrefix },
          ExclusiveStartKey: start,
          ...extra,
        }),
      );
      out.push(...(res.Items ?? []));
      start = res.LastEvaluatedKey;
    } while (start);
    return out;
  }

  put(line: LedgerLine) {
    return putIf(this.doc, {
      TableName: this.tableName,
      Item: { ...line, ...key(line.customerId, line.jobId), countedDay: false, countedMonth: false },
      ConditionExpression: 'attribute_not_exists(customerId)',
    });
  }

  async get(customerId: string, jobId: string) {
    const item = (await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key(customerId, jobId), ConsistentRead: true }))).Item;
    return item ? toLine(item) : undefined;
  }

  async markCounted(customerId: string, jobId: string, period: 'day' | 'month') {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key(customerId, jobId),
        UpdateExpression: `SET ${period === 'day' ? 'countedDay' : 'countedMonth'} = :t`,
        ExpressionAttributeValues: { ':t': true },
      }),
    );
  }

  async dropPendingAnswer(customerId: string, jobId: string) {
    await updateIf(this.doc, { TableName: this.tableName, Key: key(customerId, jobId), UpdateExpression: 'REMOVE pendingAnswer', ConditionExpression: 'attribute_exists(customerId)' });
  }

  async dropAllPendingAnswers(customerId: string) {
    for (const item of await this.items(customerId, { FilterExpression: 'attribute_exists(pendingAnswer)', ProjectionExpression: 'itemKey' })) {
      await this.doc.send(new UpdateCommand({ TableName: this.tableName, Key: insightKey(customerId, z.string().parse(item.itemKey)), UpdateExpression: 'REMOVE pendingAnswer' }));
    }
  }

  async of(customerId: string) {
    return (await this.items(customerId)).map((item) => {
      const { counted: _, pendingAnswer: __, ...line } = toLine(item);
      return line;
    });
  }
}
