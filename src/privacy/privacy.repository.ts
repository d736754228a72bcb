import { DeleteCommand, GetCommand, PutCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { batchGetAll } from '../storage/batch.ts';
import { putIf, updateIf } from '../storage/conditional.ts';
import { expiresAt, privacyRequestKey, suppressionKey, TTL_ATTRIBUTE } from '../storage/keys.ts';
import type { PrivacyRequest } from './privacy.model.ts';

const RequestItem = z.object({
  id: z.string(),
  type: z.literal('erasure'),
  jurisdiction: z.enum(['EU', 'ROW']),
  subject: z.string(),
  status: z.enum(['received', 'running', 'completed', 'failed']),
  requestedBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  erased: z.record(z.string(), z.number()),
  remaining: z.record(z.string(), z.number()),
  attempts: z.number().int(),
  error: z.string().optional(),
  jobId: z.string().optional(),
}) satisfies z.ZodType<PrivacyRequest>;

/** The jurisdiction's privacy records: requests (the audit) and the suppression list. Keyed hashes only. */
export interface PrivacyRepository {
  /** Records a new request unless one with its id exists; false when it does. */
  createRequest(r: PrivacyRequest): Promise<boolean>;
  getRequest(id: string): Promise<PrivacyRequest | undefined>;
  putRequest(r: PrivacyRequest): Promise<void>;
  listRequests(status?: PrivacyRequest['status']): Promise<PrivacyRequest[]>;
  /** received → running (the first page of the request's job); nothing when it is running or finished already. */
  markRunning(id: string, at: string): Promise<void>;
  /** Adds a page's count to the items erased from one table (one atomic update: pages run concurrently). */
  addErased(id: string, table: string, n: number, at: string): Promise<void>;
  /**
   * Whom a running erasure job erases: the customer id, kept under the request id (in the customer's
   * jurisdiction) only while the job runs, so neither the job record nor its pages name the customer.
   */
  putSubject(requestId: string, customerId: string, at: string): Promise<void>;
  subjectOf(requestId: string): Promise<string | undefined>;
  forgetSubject(requestId: string): Promise<void>;
  /** Adds keyed hashes to the suppression list (idempotent). */
  suppress(hashes: readonly string[], at: string): Promise<void>;
  /** Which of these keyed hashes are suppressed. */
  suppressed(hashes: readonly string[]): Promise<Set<string>>;
}

export class DynamoPrivacyRepository implements PrivacyRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  createRequest(r: PrivacyRequest) {
    return putIf(this.doc, { TableName: this.tableName, Item: { ...r, ...privacyRequestKey(r.id) }, ConditionExpression: 'attribute_not_exists(recordKey)' });
  }

  async getRequest(id: string) {
    const item = (await this.doc.send(new GetCommand({ TableName: this.tableName, Key: privacyRequestKey(id), ConsistentRead: true }))).Item;
    return item ? RequestItem.parse(item) : undefined;
  }

  async putRequest(r: PrivacyRequest) {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...r, ...privacyRequestKey(r.id) } }));
  }

  async listRequests(status?: PrivacyRequest['status']) {
    // Requests are rare (a shop's erasures per month); a filtered scan of the small table is enough.
    const out: PrivacyRequest[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const res = await this.doc.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: status ? 'begins_with(recordKey, :p) AND #s = :s' : 'begins_with(recordKey, :p)',
          ExpressionAttributeValues: { ':p': 'request#', ...(status ? { ':s': status } : {}) },
          ...(status ? { ExpressionAttributeNames: { '#s': 'status' } } : {}),
          ExclusiveStartKey,
        }),
      );
      out.push(...(res.Items ?? []).map((i) => RequestItem.parse(i)));
      ExclusiveStartKey = res.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async markRunning(id: string, at: string) {
    await updateIf(this.doc, {
      TableName: this.tableName,
      Key: privacyRequestKey(id),
      UpdateExpression: 'SET #s = :running, updatedAt = :at',
      ConditionExpression: '#s = :received',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':running': 'running', ':received': 'received', ':at': at },
    });
  }

  async addErased(id: string, table: string, n: number, at: string) {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: privacyRequestKey(id),
        UpdateExpression: 'SET erased.#t = if_not_exists(erased.#t, :zero) + :n, updatedAt = :at',
        ConditionExpression: 'attribute_exists(recordKey)',
        ExpressionAttributeNames: { '#t': table },
        ExpressionAttributeValues: { ':zero': 0, ':n': n, ':at': at },
      }),
    );
  }

  async putSubject(requestId: string, customerId: string, at: string) {
    // A safety net: the job deletes it when it ends; DynamoDB's TTL takes one left by a job that never ended.
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { recordKey: `erasing#${requestId}`, customerId, at, [TTL_ATTRIBUTE]: expiresAt(Date.parse(at), 30) } }));
  }

  async subjectOf(requestId: string) {
    const item = (await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { recordKey: `erasing#${requestId}` }, ConsistentRead: true }))).Item;
    return item ? z.string().parse(item.customerId) : undefined;
  }

  async forgetSubject(requestId: string) {
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { recordKey: `erasing#${requestId}` } }));
  }

  async suppress(hashes: readonly string[], at: string) {
    for (const hash of hashes) await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...suppressionKey(hash), at } }));
  }

  async suppressed(hashes: readonly string[]) {
    if (hashes.length === 0) return new Set<string>();
    const items = await batchGetAll(this.doc, this.tableName, [...new Set(hashes)].map(suppressionKey), undefined, true);
    return new Set(items.map((i) => String(i.recordKey).slice('suppress#'.length)));
  }
}
