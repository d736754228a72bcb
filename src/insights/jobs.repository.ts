import { GetCommand, type DynamoDBDocumentClient, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { deleteIf, putIf, updateIf } from '../storage/conditional.ts';
import { insightItemKeys, insightKey } from '../storage/keys.ts';
import { FALLBACK_REASONS, type AnalysisJob } from './insights.model.ts';

export const AnalysisJobItem = z.object({
  jobId: z.string(),
  customerId: z.string(),
  kind: z.literal('insights.analyze'),
  reason: z.enum(['on_demand', 'stale', 'batch', 'pattern_change']),
  status: z.enum(['queued', 'running', 'done', 'failed']),
  attempts: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  leaseUntil: z.number().optional(),
  result: z
    .object({
      source: z.enum(['bedrock', 'statistical']),
      fallbackReason: z.enum(FALLBACK_REASONS).optional(),
      costUsd: z.number(),
      skipped: z.enum(['unchanged', 'customer_gone', 'no_purchases', 'objected']).optional(),
    })
    .optional(),
  error: z.string().optional(),
}) satisfies z.ZodType<AnalysisJob>;

export type ClaimResult = { claimed: true; job: AnalysisJob } | { claimed: false; job: AnalysisJob | undefined };

/** Analysis jobs, and the one marker per customer that says a refresh is in flight. */
export interface JobRepository {
  /** Marks a refresh as in flight, unless one younger than `staleBefore` already is; the pending job id either way. */
  markPending(customerId: string, jobId: string, at: number, staleBefore: number): Promise<{ marked: boolean; jobId: string }>;
  clearPending(customerId: string, jobId: string): Promise<void>;
  /** Keeps a pending marker alive while its job is retried or paced. */
  touchPending(customerId: string, jobId: string, at: number): Promise<void>;
  create(job: AnalysisJob): Promise<boolean>;
  get(customerId: string, jobId: string): Promise<AnalysisJob | undefined>;
  /** Takes a queued job, or a running one whose lease ran out, for `leaseMs`. */
  claim(customerId: string, jobId: string, now: number, leaseMs: number): Promise<ClaimResult>;
  /** Puts back the claim taken at `attempt` (a later claim is left alone); the job will be delivered again. */
  release(customerId: string, jobId: string, attempt: number, now: number): Promise<void>;
  /** Ends the claim taken at `attempt`; false when the claim was no longer this delivery's. */
  finish(customerId: string, jobId: string, attempt: number, now: number, result: AnalysisJob['result']): Promise<boolean>;
  /** Marks a job failed unless it finished (the dead-letter consumer). */
  fail(customerId: string, jobId: string, now: number, error: string): Promise<void>;
}

type Update = Pick<UpdateCommandInput, 'UpdateExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues' | 'ReturnValues'> & { ConditionExpression: string };
const pendingKey = (customerId: string) => insightKey(customerId, insightItemKeys.pending);
const jobKey = (customerId: string, jobId: string) => insightKey(customerId, insightItemKeys.job(jobId));
const parseJob = (item: Record<string, unknown> | undefined) => (item ? AnalysisJobItem.parse(item) : undefined);

export class DynamoJobRepository implements JobRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private async getItem(key: Record<string, string>) {
    return (await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }))).Item;
  }

  /** A conditional update of a job record; `#s` is its status and `:at` the time, always. */
  private update(customerId: string, jobId: string, now: number, u: Update) {
    return updateIf(this.doc, {
      TableName: this.tableName,
      Key: jobKey(customerId, jobId),
      ...u,
      ExpressionAttributeNames: { '#s': 'status', ...u.ExpressionAttributeNames },
      ExpressionAttributeValues: { ':at': new Date(now).toISOString(), ...u.ExpressionAttributeValues },
    });
  }

  async markPending(customerId: string, jobId: string, at: number, staleBefore: number) {
    const marked = await putIf(this.doc, {
      TableName: this.tableName,
      Item: { ...pendingKey(customerId), jobId, at },
      ConditionExpression: 'attribute_not_exists(customerId) OR #at < :stale',
      ExpressionAttributeNames: { '#at': 'at' },
      ExpressionAttributeValues: { ':stale': staleBefore },
    });
    if (marked) return { marked, jobId };
    const current = await this.getItem(pendingKey(customerId));
    return { marked: false, jobId: z.string().optional().parse(current?.jobId) ?? jobId };
  }

  async clearPending(customerId: string, jobId: string) {
    await deleteIf(this.doc, { TableName: this.tableName, Key: pendingKey(customerId), ConditionExpression: 'jobId = :j', ExpressionAttributeValues: { ':j': jobId } });
  }

  async touchPending(customerId: string, jobId: string, at: number) {
    await updateIf(this.doc, {
      TableName: this.tableName,
      Key: pendingKey(customerId),
      UpdateExpression: 'SET #at = :at',
      ConditionExpression: 'jobId = :j',
      ExpressionAttributeNames: { '#at': 'at' },
      ExpressionAttributeValues: { ':at': at, ':j': jobId },
    });
  }

  create(job: AnalysisJob) {
    return putIf(this.doc, { TableName: this.tableName, Item: { ...job, ...jobKey(job.customerId, job.jobId) }, ConditionExpression: 'attribute_not_exists(customerId)' });
  }

  async get(customerId: string, jobId: string) {
    return parseJob(await this.getItem(jobKey(customerId, jobId)));
  }

  async claim(customerId: string, jobId: string, now: number, leaseMs: number): Promise<ClaimResult> {
    const claimed = await this.update(customerId, jobId, now, {
      UpdateExpression: 'SET #s = :running, attempts = attempts + :one, leaseUntil = :lease, updatedAt = :at',
      ConditionExpression: 'attribute_exists(customerId) AND (#s = :queued OR (#s = :running AND leaseUntil < :now))',
      ExpressionAttributeValues: { ':running': 'running', ':queued': 'queued', ':one': 1, ':lease': now + leaseMs, ':now': now },
      ReturnValues: 'ALL_NEW',
    });
    if (claimed) return { claimed: true, job: parseJob(claimed)! };
    return { claimed: false, job: await this.get(customerId, jobId) };
  }

  async release(customerId: string, jobId: string, attempt: number, now: number) {
    await this.update(customerId, jobId, now, {
      UpdateExpression: 'SET #s = :queued, updatedAt = :at REMOVE leaseUntil',
      ConditionExpression: '#s = :running AND attempts = :n',
      ExpressionAttributeValues: { ':queued': 'queued', ':running': 'running', ':n': attempt },
    });
  }

  async finish(customerId: string, jobId: string, attempt: number, now: number, result: AnalysisJob['result']) {
    const done = await this.update(customerId, jobId, now, {
      UpdateExpression: 'SET #s = :done, updatedAt = :at, #r = :r REMOVE leaseUntil',
      // The claim is still ours (not expired and taken by another delivery), and the customer was not erased.
      ConditionExpression: '#s = :running AND attempts = :n',
      ExpressionAttributeNames: { '#r': 'result' },
      ExpressionAttributeValues: { ':done': 'done', ':running': 'running', ':n': attempt, ':r': result },
    });
    return done !== undefined;
  }

  async fail(customerId: string, jobId: string, now: number, error: string) {
    await this.update(customerId, jobId, now, {
      UpdateExpression: 'SET #s = :failed, updatedAt = :at, #e = :e REMOVE leaseUntil',
      // Never over a finished job, nor under a delivery that holds a live claim.
      ConditionExpression: 'attribute_exists(customerId) AND #s <> :done AND (#s <> :running OR leaseUntil < :now)',
      ExpressionAttributeNames: { '#e': 'error' },
      ExpressionAttributeValues: { ':failed': 'failed', ':done': 'done', ':running': 'running', ':now': now, ':e': error },
    });
  }
}
