import { GetCommand, PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { batchGetAll } from '../storage/batch.ts';
import { putIf } from '../storage/conditional.ts';
import { privacyRequestKey, suppressionKey } from '../storage/keys.ts';
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
}) satisfies z.ZodType<PrivacyRequest>;

/** The jurisdiction's privacy records: requests (the audit) and the suppression list. Keyed hashes only. */
export interface PrivacyRepository {
  /** Records a new request unless one with its id exists; false when it does. */
  createRequest(r: PrivacyRequest): Promise<boolean>;
  getRequest(id: string): Promise<PrivacyRequest | undefined>;
  putRequest(r: PrivacyRequest): Promise<void>;
  listRequests(status?: PrivacyRequest['status']): Promise<PrivacyRequest[]>;
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

  async suppress(hashes: readonly string[], at: string) {
    for (const hash of hashes) await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...suppressionKey(hash), at } }));
  }

  async suppressed(hashes: readonly string[]) {
    if (hashes.length === 0) return new Set<string>();
    const items = await batchGetAll(this.doc, this.tableName, [...new Set(hashes)].map(suppressionKey), undefined, true);
    return new Set(items.map((i) => String(i.recordKey).slice('suppress#'.length)));
  }
}
