import { GetCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGetAll } from '../storage/batch.ts';
import { putIf } from '../storage/conditional.ts';
import type { Customer } from './customers.schemas.ts';

export class CustomerConflictError extends Error {
  constructor(readonly customerId: string) {
    super(`customer ${customerId} changed concurrently`);
  }
}

export interface CustomerRepository {
  get(id: string): Promise<Customer | undefined>;
  /** The profile with its version, for a read-modify-write. */
  getVersioned(id: string): Promise<{ customer: Customer; version: number; requestHash?: string } | undefined>;
  /**
   * Stores a new customer; throws CustomerConflictError if the id exists. `requestHash` identifies the
   * create request (idempotent creates); getVersioned returns it.
   */
  create(customer: Customer, requestHash?: string): Promise<void>;
  /** Replaces the profile only if it is still at `expectedVersion` (optimistic concurrency). */
  replace(customer: Customer, expectedVersion: number, requestHash?: string): Promise<void>;
  /** The subset of `ids` that exist. */
  existing(ids: readonly string[]): Promise<Set<string>>;
  /** One page of the jurisdiction's customers (a scan, for batch jobs); the cursor is opaque. */
  scanPage(limit: number, cursor?: string): Promise<{ customers: Customer[]; nextCursor?: string }>;
}

/** The stored item of a profile; also used by bulk loaders. */
export const customerItem = (c: Customer, version = 1, requestHash?: string) => ({ customerId: c.id, profile: c, version, ...(requestHash ? { requestHash } : {}) });

export function dynamoCustomerRepository(doc: DynamoDBDocumentClient, table: string): CustomerRepository {
  return {
    async get(id) {
      const res = await doc.send(new GetCommand({ TableName: table, Key: { customerId: id } }));
      return res.Item?.profile as Customer | undefined;
    },
    async getVersioned(id) {
      const res = await doc.send(new GetCommand({ TableName: table, Key: { customerId: id }, ConsistentRead: true }));
      if (!res.Item) return undefined;
      return {
        customer: res.Item.profile as Customer,
        version: res.Item.version as number,
        ...(res.Item.requestHash ? { requestHash: res.Item.requestHash as string } : {}),
      };
    },
    async create(customer, requestHash) {
      if (!(await putIf(doc, { TableName: table, Item: customerItem(customer, 1, requestHash), ConditionExpression: 'attribute_not_exists(customerId)' }))) {
        throw new CustomerConflictError(customer.id);
      }
    },
    async replace(customer, expectedVersion, requestHash) {
      const stored = await putIf(doc, {
        TableName: table,
        // Keeps the create request's hash: a put rewrites the item whole.
        Item: customerItem(customer, expectedVersion + 1, requestHash),
        ConditionExpression: 'version = :expected',
        ExpressionAttributeValues: { ':expected': expectedVersion },
      });
      if (!stored) throw new CustomerConflictError(customer.id);
    },
    async existing(ids) {
      const unique = [...new Set(ids)];
      if (unique.length === 0) return new Set();
      // Strongly consistent: a customer created a moment ago must be found by the purchase that follows.
      const items = await batchGetAll(doc, table, unique.map((customerId) => ({ customerId })), ['customerId'], true);
      return new Set(items.map((i) => i.customerId as string));
    },
    async scanPage(limit, cursor) {
      const res = await doc.send(new ScanCommand({ TableName: table, Limit: limit, ...(cursor ? { ExclusiveStartKey: { customerId: cursor } } : {}) }));
      const last = res.LastEvaluatedKey?.customerId as string | undefined;
      return { customers: (res.Items ?? []).map((i) => i.profile as Customer), ...(last ? { nextCursor: last } : {}) };
    },
  };
}
