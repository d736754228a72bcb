import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { putIf, updateIf } from '../storage/conditional.ts';
import { TTL_ATTRIBUTE } from '../storage/keys.ts';
import { JobStatus, JobType, type JobFailure, type JobParams, type JobRecord, type PageOutcome } from './jobs.model.ts';

/** A job as stored: the record and the set of pages already counted. */
export type StoredJob = JobRecord & { donePages: ReadonlySet<number> };

export interface JobListQuery {
  type?: JobType;
  status?: JobStatus;
  limit: number;
  /** The last listed job's index key (from the previous page). */
  after?: { jobId: string; startedKey: string };
}

/** The jobs of one jurisdiction (its `jobs` table): records and page counts, nothing personal. */
export interface JobRepository {
  /** Stores a new job; false when one with that id exists (a repeated daily trigger). */
  create(job: JobRecord): Promise<boolean>;
  get(id: string): Promise<StoredJob | undefined>;
  /** queued → running with its plan; undefined when the job was not queued (cancelled, or planned already). */
  started(id: string, plan: { total: number; params: JobParams; result: Record<string, unknown> }, at: string): Promise<StoredJob | undefined>;
  /**
   * Counts a page once: one conditional write adds the page to the done set and its outcome to the
   * progress; undefined when the page was counted before (a redelivery).
   */
  countPage(id: string, page: number, outcome: PageOutcome, kept: readonly JobFailure[], at: string): Promise<StoredJob | undefined>;
  /** running → a final status; false when the job was not running (finished or cancelled meanwhile). */
  finish(id: string, status: JobStatus, at: string): Promise<boolean>;
  /** queued or running → failed, with the one failure that stopped it (its plan). */
  abandon(id: string, failure: JobFailure, at: string): Promise<void>;
  /** queued or running → cancelled; undefined when the job had finished. */
  cancel(id: string, at: string): Promise<StoredJob | undefined>;
  /** The sweep resumed the job: its activity clock restarts. */
  resumed(id: string, at: string): Promise<void>;
  list(query: JobListQuery): Promise<{ jobs: StoredJob[]; next?: { jobId: string; startedKey: string } }>;
}

/** Job records are kept this long, then expire (they are an operations log, not an archive). */
const RETENTION_DAYS = 90;
const LIST_KEY = 'job';

const Item = z.object({
  jobId: z.string(),
  startedKey: z.string(),
  type: JobType,
  jurisdiction: z.enum(['EU', 'ROW']),
  status: JobStatus,
  pagesTotal: z.number().int().nullable().default(null),
  pagesDone: z.number().int().default(0),
  donePages: z.set(z.number()).default(new Set()),
  itemsDone: z.number().int().default(0),
  itemsFailed: z.number().int().default(0),
  failures: z.array(z.object({ item: z.string(), code: z.string() })).default([]),
  failureCount: z.number().int().default(0),
  runner: z.enum(['queue', 'process']),
  params: z.record(z.string(), z.union([z.string(), z.number()])).default({}),
  result: z.record(z.string(), z.unknown()).default({}),
  createdAt: z.string(),
  startedAt: z.string().nullable().default(null),
  finishedAt: z.string().nullable().default(null),
  lastActivityAt: z.string(),
  resumes: z.number().int().default(0),
});

function fromItem(raw: Record<string, unknown>): StoredJob {
  const i = Item.parse(raw);
  return {
    id: i.jobId,
    type: i.type,
    jurisdiction: i.jurisdiction,
    status: i.status,
    progress: { done: i.pagesDone, total: i.pagesTotal },
    items: { done: i.itemsDone, failed: i.itemsFailed },
    failures: i.failures,
    failureCount: i.failureCount,
    runner: i.runner,
    params: i.params,
    result: i.result,
    createdAt: i.createdAt,
    startedAt: i.startedAt,
    finishedAt: i.finishedAt,
    lastActivityAt: i.lastActivityAt,
    resumes: i.resumes,
    donePages: i.donePages,
  };
}

export class DynamoJobRepository implements JobRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(job: JobRecord) {
    const item = {
      jobId: job.id,
      listKey: LIST_KEY,
      startedKey: `${job.createdAt}#${job.id}`,
      type: job.type,
      jurisdiction: job.jurisdiction,
      status: job.status,
      pagesTotal: job.progress.total,
      runner: job.runner,
      params: job.params,
      result: job.result,
      createdAt: job.createdAt,
      lastActivityAt: job.lastActivityAt,
      [TTL_ATTRIBUTE]: Math.floor(Date.parse(job.createdAt) / 1000) + RETENTION_DAYS * 86_400,
    };
    return putIf(this.doc, { TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(jobId)' });
  }

  async get(id: string) {
    const res = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { jobId: id }, ConsistentRead: true }));
    return res.Item ? fromItem(res.Item) : undefined;
  }

  private async update(id: string, input: { UpdateExpression: string; ConditionExpression: string; names?: Record<string, string>; values: Record<string, unknown> }) {
    const names = { ...(`${input.UpdateExpression} ${input.ConditionExpression}`.includes('#s') ? { '#s': 'status' } : {}), ...input.names };
    const attrs = await updateIf(this.doc, {
      TableName: this.tableName,
      Key: { jobId: id },
      UpdateExpression: input.UpdateExpression,
      ConditionExpression: input.ConditionExpression,
      // DynamoDB refuses a name no expression uses, and an empty map.
      ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
      ExpressionAttributeValues: input.values,
      ReturnValues: 'ALL_NEW',
    });
    return attrs ? fromItem(attrs) : undefined;
  }

  started(id: string, plan: { total: number; params: JobParams; result: Record<string, unknown> }, at: string) {
    return this.update(id, {
      UpdateExpression: 'SET #s = :running, pagesTotal = :total, params = :params, #r = :result, startedAt = :at, lastActivityAt = :at',
      ConditionExpression: '#s = :queued',
      names: { '#r': 'result' },
      values: { ':running': 'running', ':queued': 'queued', ':total': plan.total, ':params': plan.params, ':result': plan.result, ':at': at },
    });
  }

  countPage(id: string, page: number, outcome: PageOutcome, kept: readonly JobFailure[], at: string) {
    return this.update(id, {
      UpdateExpression:
        'ADD donePages :pageSet, pagesDone :one, itemsDone :done, itemsFailed :failed, failureCount :failureCount SET failures = list_append(if_not_exists(failures, :empty), :failures), lastActivityAt = :at',
      // The page joins the done set in the same write that adds its counts: a redelivered page adds nothing.
      ConditionExpression: 'attribute_exists(jobId) AND NOT contains(donePages, :page)',
      values: {
        ':pageSet': new Set([page]),
        ':page': page,
        ':one': 1,
        ':done': outcome.done,
        ':failed': outcome.failed,
        ':failureCount': outcome.failures.length,
        // Only the failures under the cap are kept; the count has them all.
        ':failures': kept,
        ':empty': [],
        ':at': at,
      },
    });
  }

  async finish(id: string, status: JobStatus, at: string) {
    const done = await this.update(id, {
      UpdateExpression: 'SET #s = :status, finishedAt = :at',
      ConditionExpression: '#s = :running',
      values: { ':status': status, ':running': 'running', ':at': at },
    });
    return done !== undefined;
  }

  async abandon(id: string, failure: JobFailure, at: string) {
    await this.update(id, {
      UpdateExpression: 'SET #s = :failed, finishedAt = :at, failures = :failures, failureCount = :one',
      ConditionExpression: '#s IN (:queued, :running)',
      values: { ':failed': 'failed', ':queued': 'queued', ':running': 'running', ':at': at, ':failures': [failure], ':one': 1 },
    });
  }

  cancel(id: string, at: string) {
    return this.update(id, {
      UpdateExpression: 'SET #s = :cancelled, finishedAt = :at',
      ConditionExpression: '#s IN (:queued, :running)',
      values: { ':cancelled': 'cancelled', ':queued': 'queued', ':running': 'running', ':at': at },
    });
  }

  async resumed(id: string, at: string) {
    await this.update(id, { UpdateExpression: 'SET lastActivityAt = :at ADD resumes :one', ConditionExpression: '#s = :running', values: { ':at': at, ':one': 1, ':running': 'running' } });
  }

  async list(query: JobListQuery) {
    const jobs: StoredJob[] = [];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':list': LIST_KEY };
    const filters: string[] = [];
    if (query.type) {
      names['#t'] = 'type';
      values[':type'] = query.type;
      filters.push('#t = :type');
    }
    if (query.status) {
      names['#s'] = 'status';
      values[':status'] = query.status;
      filters.push('#s = :status');
    }
    let start: Record<string, unknown> | undefined = query.after && { ...query.after, listKey: LIST_KEY };
    // A filtered page may come back short: read on until the page is full or the index ends (bounded).
    for (let round = 0; round < 20 && jobs.length < query.limit; round++) {
      const res = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'byStart',
          KeyConditionExpression: 'listKey = :list',
          ...(filters.length > 0 ? { FilterExpression: filters.join(' AND '), ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: values,
          ScanIndexForward: false,
          Limit: filters.length > 0 ? 100 : query.limit - jobs.length,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of res.Items ?? []) {
        if (jobs.length === query.limit) return { jobs, next: { jobId: jobs.at(-1)!.id, startedKey: `${jobs.at(-1)!.createdAt}#${jobs.at(-1)!.id}` } };
        jobs.push(fromItem(item));
      }
      start = res.LastEvaluatedKey;
      if (!start) return { jobs };
    }
    const last = jobs.at(-1);
    return last ? { jobs, next: { jobId: last.id, startedKey: `${last.createdAt}#${last.id}` } } : { jobs };
  }
}
