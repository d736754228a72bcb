import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient, type QueryCommandInput, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { batchGetAll } from '../storage/batch.ts';
import { deleteIf, putIf, updateIf } from '../storage/conditional.ts';
import type { AnalysisAnswer } from './analysis.schema.ts';

/** Why an analysis is statistical rather than the model's. */
export type FallbackReason = 'no_consent' | 'unconfigured' | 'over_budget' | 'circuit_open' | 'unavailable' | 'timeout' | 'invalid_answer' | 'refused';

/** A customer's current analysis, as stored and served. */
export interface StoredAnalysis {
  customerId: string;
  source: 'bedrock' | 'statistical';
  fallbackReason?: FallbackReason;
  modelId?: string;
  promptVersion: string;
  computedAt: string;
  /** The purchase lines the analysis saw: more lines since then make it stale. */
  lineCount: number;
  jobId: string;
  etag: string;
  answer: AnalysisAnswer;
  /** What the analysis saw, to tell a material change in a later purchase: categories and regular intervals. */
  basis?: { categories: string[]; intervals: Record<string, number> };
}

export type JobStatus = 'queued' | 'running' | 'done' | 'failed';
export type JobReason = 'on_demand' | 'stale' | 'batch' | 'pattern_change';

export interface AnalysisJob {
  jobId: string;
  customerId: string;
  kind: 'insights.analyze';
  reason: JobReason;
  status: JobStatus;
  attempts: number;
  createdAt: string;
  updatedAt: string;
  /** While running: until when this claim holds; a worker that died lets the job be claimed again after it. */
  leaseUntil?: number;
  result?: { source: StoredAnalysis['source']; fallbackReason?: FallbackReason; costUsd: number; skipped?: 'unchanged' | 'customer_gone' | 'no_purchases' };
  error?: string;
}

/** One line of the cost ledger: one Bedrock call sequence (answer plus a repair, if any) for one job. */
export interface LedgerLine {
  customerId: string;
  jobId: string;
  at: string;
  modelId: string;
  region: string;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  pricePerMillion: { input: number; output: number };
  costUsd: number;
  outcome: 'answer' | FallbackReason;
  /** The model's answer until the analysis is stored: a redelivered job uses it instead of calling again. */
  pendingAnswer?: AnalysisAnswer;
}

export type ClaimResult = { claimed: true; job: AnalysisJob } | { claimed: false; job: AnalysisJob | undefined };

export interface InsightsRepository {
  getAnalysis(customerId: string): Promise<StoredAnalysis | undefined>;
  putAnalysis(a: StoredAnalysis): Promise<void>;
  /** Deletes the stored analysis if the model wrote it (consent withdrawn); a statistical one may stay. */
  deleteModelAnalysis(customerId: string): Promise<boolean>;
  /** Marks a refresh as in flight, unless one younger than `staleBefore` already is; the pending job id either way. */
  markPending(customerId: string, jobId: string, at: number, staleBefore: number): Promise<{ marked: boolean; jobId: string }>;
  clearPending(customerId: string, jobId: string): Promise<void>;
  createJob(job: AnalysisJob): Promise<boolean>;
  getJob(customerId: string, jobId: string): Promise<AnalysisJob | undefined>;
  /** Takes a queued job, or a running one whose lease ran out, for `leaseMs`. */
  claimJob(customerId: string, jobId: string, now: number, leaseMs: number): Promise<ClaimResult>;
  /** Puts a claimed job back (it will be delivered again). */
  /** Puts back the claim taken at `attempt` (a later claim is left alone). */
  releaseJob(customerId: string, jobId: string, attempt: number, now: number): Promise<void>;
  /** Ends the claim taken at `attempt`; false when the claim was no longer this delivery's. */
  finishJob(customerId: string, jobId: string, attempt: number, now: number, result: AnalysisJob['result']): Promise<boolean>;
  /** Marks a job failed unless it finished (the dead-letter consumer). */
  failJob(customerId: string, jobId: string, now: number, error: string): Promise<void>;
  /** Keeps a pending marker alive while its job is retried or paced. */
  touchPending(customerId: string, jobId: string, at: number): Promise<void>;
  /** Records the job's Bedrock call once (one line per job): false when it was recorded before. */
  putLedger(line: LedgerLine): Promise<boolean>;
  getLedger(customerId: string, jobId: string): Promise<(LedgerLine & { counted: { day: boolean; month: boolean } }) | undefined>;
  /** Marks the line as added to the day's or month's totals. */
  markCounted(customerId: string, jobId: string, period: 'day' | 'month'): Promise<void>;
  /** Drops the answer kept on the ledger line once the analysis is stored. */
  dropPendingAnswer(customerId: string, jobId: string): Promise<void>;
  /** Drops every model answer kept on the customer's ledger lines (consent withdrawn). */
  dropAllPendingAnswers(customerId: string): Promise<void>;
  ledgerOf(customerId: string): Promise<LedgerLine[]>;
  /** Several customers' analyses at once (BatchGetItem). */
  analysesOf(customerIds: readonly string[]): Promise<Map<string, StoredAnalysis>>;
  batchPageDone(batchId: string, page: number): Promise<boolean>;
  putBatchPage(batchId: string, page: number, counts: BatchCounts, last: boolean, at: string): Promise<void>;
  batchReport(batchId: string): Promise<BatchReport | undefined>;
}

export interface BatchCounts {
  customers: number;
  enqueued: number;
  unchanged: number;
  inactive: number;
  noConsent: number;
  alreadyPending: number;
}

export interface BatchReport extends BatchCounts {
  batchId: string;
  pages: number;
  finished: boolean;
  /** Share of the active, consenting customers skipped because nothing changed since their analysis. */
  unchangedShare: number;
}

const ANALYSIS = 'analysis';
/**
 * A daily batch's pages are counts, not personal data; they share this table under a partition of their
 * own (`batch#<id>`) so that a batch's report is one query.
 */
const batchPartition = (batchId: string) => `batch#${batchId}`;
const pageKey = (page: number) => `page#${String(page).padStart(6, '0')}`;
const PENDING = 'pending';
const jobKey = (jobId: string) => `job#${jobId}`;
const ledgerKey = (jobId: string) => `ledger#${jobId}`;

export function dynamoInsightsRepository(doc: DynamoDBDocumentClient, table: string): InsightsRepository {
  const strip = <T>(item: Record<string, unknown> | undefined): T | undefined => {
    if (!item) return undefined;
    const { itemKey: _, ...rest } = item;
    return rest as T;
  };
  const getItem = async (customerId: string, itemKey: string) => (await doc.send(new GetCommand({ TableName: table, Key: { customerId, itemKey }, ConsistentRead: true }))).Item;

  /** A conditional update of a job record; `#s` is its status and `:at` the time, always. */
  const jobUpdate = (
    customerId: string,
    jobId: string,
    now: number,
    u: Pick<UpdateCommandInput, 'UpdateExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues' | 'ReturnValues'> & { ConditionExpression: string },
  ) =>
    updateIf(doc, {
      TableName: table,
      Key: { customerId, itemKey: jobKey(jobId) },
      ...u,
      ExpressionAttributeNames: { '#s': 'status', ...u.ExpressionAttributeNames },
      ExpressionAttributeValues: { ':at': new Date(now).toISOString(), ...u.ExpressionAttributeValues },
    });

  /** Every ledger line of a customer (all pages). */
  async function ledgerItems(customerId: string, extra: Pick<QueryCommandInput, 'FilterExpression' | 'ProjectionExpression'> = {}) {
    const out: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const res = await doc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'customerId = :c AND begins_with(itemKey, :p)',
          ExpressionAttributeValues: { ':c': customerId, ':p': 'ledger#' },
          ExclusiveStartKey: start,
          ...extra,
        }),
      );
      out.push(...(res.Items ?? []));
      start = res.LastEvaluatedKey;
    } while (start);
    return out;
  }

  return {
    async getAnalysis(customerId) {
      return strip<StoredAnalysis>(await getItem(customerId, ANALYSIS));
    },
    async putAnalysis(a) {
      await doc.send(new PutCommand({ TableName: table, Item: { ...a, itemKey: ANALYSIS } }));
    },
    deleteModelAnalysis: (customerId) =>
      deleteIf(doc, { TableName: table, Key: { customerId, itemKey: ANALYSIS }, ConditionExpression: '#s = :b', ExpressionAttributeNames: { '#s': 'source' }, ExpressionAttributeValues: { ':b': 'bedrock' } }),
    async markPending(customerId, jobId, at, staleBefore) {
      const marked = await putIf(doc, {
        TableName: table,
        Item: { customerId, itemKey: PENDING, jobId, at },
        ConditionExpression: 'attribute_not_exists(customerId) OR #at < :stale',
        ExpressionAttributeNames: { '#at': 'at' },
        ExpressionAttributeValues: { ':stale': staleBefore },
      });
      if (marked) return { marked, jobId };
      const current = await getItem(customerId, PENDING);
      return { marked: false, jobId: (current?.jobId as string | undefined) ?? jobId };
    },
    async clearPending(customerId, jobId) {
      await deleteIf(doc, { TableName: table, Key: { customerId, itemKey: PENDING }, ConditionExpression: 'jobId = :j', ExpressionAttributeValues: { ':j': jobId } });
    },
    async createJob(job) {
      return putIf(doc, { TableName: table, Item: { ...job, itemKey: jobKey(job.jobId) }, ConditionExpression: 'attribute_not_exists(customerId)' });
    },
    async getJob(customerId, jobId) {
      return strip<AnalysisJob>(await getItem(customerId, jobKey(jobId)));
    },
    async claimJob(customerId, jobId, now, leaseMs) {
      const claimed = await jobUpdate(customerId, jobId, now, {
        UpdateExpression: 'SET #s = :running, attempts = attempts + :one, leaseUntil = :lease, updatedAt = :at',
        ConditionExpression: 'attribute_exists(customerId) AND (#s = :queued OR (#s = :running AND leaseUntil < :now))',
        ExpressionAttributeValues: { ':running': 'running', ':queued': 'queued', ':one': 1, ':lease': now + leaseMs, ':now': now },
        ReturnValues: 'ALL_NEW',
      });
      if (claimed) return { claimed: true, job: strip<AnalysisJob>(claimed)! };
      return { claimed: false, job: strip<AnalysisJob>(await getItem(customerId, jobKey(jobId))) };
    },
    async releaseJob(customerId, jobId, attempt, now) {
      await jobUpdate(customerId, jobId, now, {
        UpdateExpression: 'SET #s = :queued, updatedAt = :at REMOVE leaseUntil',
        ConditionExpression: '#s = :running AND attempts = :n',
        ExpressionAttributeValues: { ':queued': 'queued', ':running': 'running', ':n': attempt },
      });
    },
    async finishJob(customerId, jobId, attempt, now, result) {
      const done = await jobUpdate(customerId, jobId, now, {
        UpdateExpression: 'SET #s = :done, updatedAt = :at, #r = :r REMOVE leaseUntil',
        // The claim is still ours (not expired and taken by another delivery), and the customer was not erased.
        ConditionExpression: '#s = :running AND attempts = :n',
        ExpressionAttributeNames: { '#r': 'result' },
        ExpressionAttributeValues: { ':done': 'done', ':running': 'running', ':n': attempt, ':r': result },
      });
      return done !== undefined;
    },
    async failJob(customerId, jobId, now, error) {
      await jobUpdate(customerId, jobId, now, {
        UpdateExpression: 'SET #s = :failed, updatedAt = :at, #e = :e REMOVE leaseUntil',
        // Never over a finished job, nor under a delivery that holds a live claim.
        ConditionExpression: 'attribute_exists(customerId) AND #s <> :done AND (#s <> :running OR leaseUntil < :now)',
        ExpressionAttributeNames: { '#e': 'error' },
        ExpressionAttributeValues: { ':failed': 'failed', ':done': 'done', ':running': 'running', ':now': now, ':e': error },
      });
    },
    async touchPending(customerId, jobId, at) {
      await updateIf(doc, {
        TableName: table,
        Key: { customerId, itemKey: PENDING },
        UpdateExpression: 'SET #at = :at',
        ConditionExpression: 'jobId = :j',
        ExpressionAttributeNames: { '#at': 'at' },
        ExpressionAttributeValues: { ':at': at, ':j': jobId },
      });
    },
    putLedger: (line) =>
      putIf(doc, { TableName: table, Item: { ...line, itemKey: ledgerKey(line.jobId), countedDay: false, countedMonth: false }, ConditionExpression: 'attribute_not_exists(customerId)' }),
    async getLedger(customerId, jobId) {
      const item = await getItem(customerId, ledgerKey(jobId));
      if (!item) return undefined;
      const { countedDay, countedMonth, ...rest } = item;
      return { ...strip<LedgerLine>(rest)!, counted: { day: countedDay === true, month: countedMonth === true } };
    },
    async markCounted(customerId, jobId, period) {
      await doc.send(
        new UpdateCommand({
          TableName: table,
          Key: { customerId, itemKey: ledgerKey(jobId) },
          UpdateExpression: `SET ${period === 'day' ? 'countedDay' : 'countedMonth'} = :t`,
          ExpressionAttributeValues: { ':t': true },
        }),
      );
    },
    async dropPendingAnswer(customerId, jobId) {
      await updateIf(doc, { TableName: table, Key: { customerId, itemKey: ledgerKey(jobId) }, UpdateExpression: 'REMOVE pendingAnswer', ConditionExpression: 'attribute_exists(customerId)' });
    },
    async dropAllPendingAnswers(customerId) {
      for (const item of await ledgerItems(customerId, { FilterExpression: 'attribute_exists(pendingAnswer)', ProjectionExpression: 'itemKey' })) {
        await doc.send(new UpdateCommand({ TableName: table, Key: { customerId, itemKey: item.itemKey }, UpdateExpression: 'REMOVE pendingAnswer' }));
      }
    },
    async analysesOf(customerIds) {
      const items = await batchGetAll(doc, table, [...new Set(customerIds)].map((customerId) => ({ customerId, itemKey: ANALYSIS })));
      return new Map(items.map((i) => [i.customerId as string, strip<StoredAnalysis>(i)!]));
    },
    async batchPageDone(batchId, page) {
      return (await getItem(batchPartition(batchId), pageKey(page))) !== undefined;
    },
    async putBatchPage(batchId, page, counts, last, at) {
      await putIf(doc, {
        TableName: table,
        Item: { customerId: batchPartition(batchId), itemKey: pageKey(page), ...counts, last, at },
        ConditionExpression: 'attribute_not_exists(customerId)',
      });
    },
    async batchReport(batchId) {
      const res = await doc.send(
        new QueryCommand({ TableName: table, KeyConditionExpression: 'customerId = :b', ExpressionAttributeValues: { ':b': batchPartition(batchId) }, ConsistentRead: true }),
      );
      const pages = res.Items ?? [];
      if (pages.length === 0) return undefined;
      const sum = (k: keyof BatchCounts) => pages.reduce((s, p) => s + ((p[k] as number | undefined) ?? 0), 0);
      const counts: BatchCounts = {
        customers: sum('customers'),
        enqueued: sum('enqueued'),
        unchanged: sum('unchanged'),
        inactive: sum('inactive'),
        noConsent: sum('noConsent'),
        alreadyPending: sum('alreadyPending'),
      };
      const considered = counts.enqueued + counts.unchanged + counts.alreadyPending;
      return { batchId, pages: pages.length, finished: pages.some((p) => p.last === true), ...counts, unchangedShare: considered === 0 ? 0 : counts.unchanged / considered };
    },
    async ledgerOf(customerId) {
      return (await ledgerItems(customerId)).map((item) => {
        const { countedDay: _, countedMonth: __, pendingAnswer: ___, ...line } = item;
        return strip<LedgerLine>(line)!;
      });
    },
  };
}
