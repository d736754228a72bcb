import { GetCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { PersonalData } from '../privacy/personal-data.ts';
import { batchGetAll } from '../storage/batch.ts';
import { putIf } from '../storage/conditional.ts';
import { customerKey } from '../storage/keys.ts';
import { erasePartition, partitionPages } from '../storage/partition.ts';
import { keyAttributes } from '../storage/tables.ts';
import { CustomerSchema, type Customer } from './customers.schemas.ts';

export class CustomerConflictError extends Error {
  constructor(readonly customerId: string) {
    super(`customer ${customerId} changed concurrently`);
  }
}

export interface VersionedCustomer {
  customer: Customer;
  version: number;
  /** Identifies the create request of an idempotent create. */
  requestHash?: string;
}

export interface CustomerRepository extends PersonalData {
  get(id: string): Promise<Customer | undefined>;
  /** The profile with its version, for a read-modify-write (strongly consistent). */
  getVersioned(id: string): Promise<VersionedCustomer | undefined>;
  /** Stores a new customer; throws CustomerConflictError if the id exists. */
  create(customer: Customer, requestHash?: string): Promise<void>;
  /** Replaces the profile only if it is still at `expectedVersion` (optimistic concurrency). */
  replace(customer: Customer, expectedVersion: number, requestHash?: string): Promise<void>;
  /** The subset of `ids` that exist. */
  existing(ids: readonly string[]): Promise<Set<string>>;
  /** The customers who objected to profiling (a filtered scan, for population jobs). */
  objectors(): Promise<Set<string>>;
  /** One page of the jurisdiction's customers (a scan, for batch jobs); the cursor is opaque. */
  scanPage(limit: number, cursor?: string): Promise<{ customers: Customer[]; nextCursor?: string }>;
  /** How many customers the jurisdiction has (a counting scan: how a job is cut into pages). */
  count(): Promise<number>;
  /** Segment `segment` of `total` of a parallel scan, whole: one job page, named by numbers, not ids. */
  scanSegment(segment: number, total: number): Promise<Customer[]>;
}

const CustomerItem = z.object({ customerId: z.string(), profile: CustomerSchema, version: z.number().int(), requestHash: z.string().optional() });

/** The stored item of a profile; also used by bulk loaders. */
export const customerItem = (c: Customer, version = 1, requestHash?: string) => ({ ...customerKey(c.id), profile: c, version, ...(requestHash ? { requestHash } : {}) });

export class DynamoCustomerRepository implements CustomerRepository {
  readonly table = 'customers' as const;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(id: string) {
    const res = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: customerKey(id) }));
    return res.Item ? CustomerItem.parse(res.Item).profile : undefined;
  }

  async getVersioned(id: string) {
    const res = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: customerKey(id), ConsistentRead: true }));
    if (!res.Item) return undefined;
    const item = CustomerItem.parse(res.Item);
    return { customer: item.profile, version: item.version, ...(item.requestHash ? { requestHash: item.requestHash } : {}) };
  }

  async create(customer: Customer, requestHash?: string) {
    const stored = await putIf(this.doc, { TableName: this.tableName, Item: customerItem(customer, 1, requestHash), ConditionExpression: 'attribute_not_exists(customerId)' });
    if (!stored) throw new CustomerConflictError(customer.id);
  }

  async replace(customer: Customer, expectedVersion: number, requestHash?: string) {
    const stored = await putIf(this.doc, {
      TableName: this.tableName,
      // Keeps the create request's hash: a put rewrites the item whole.
      Item: customerItem(customer, expectedVersion + 1, requestHash),
      ConditionExpression: 'version = :expected',
      ExpressionAttributeValues: { ':expected': expectedVersion },
    });
    if (!stored) throw new CustomerConflictError(customer.id);
  }

  async existing(ids: readonly string[]) {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Set<string>();
    // Strongly consistent: a customer created a moment ago must be found by the purchase that follows.
    const items = await batchGetAll(this.doc, this.tableName, unique.map(customerKey), ['customerId'], true);
    return new Set(items.map((i) => z.string().parse(i.customerId)));
  }

  async scanPage(limit: number, cursor?: string) {
    const res = await this.doc.send(new ScanCommand({ TableName: this.tableName, Limit: limit, ...(cursor ? { ExclusiveStartKey: customerKey(cursor) } : {}) }));
    const last = res.LastEvaluatedKey?.customerId as string | undefined;
    return { customers: (res.Items ?? []).map((i) => CustomerItem.parse(i).profile), ...(last ? { nextCursor: last } : {}) };
  }

  async count() {
    let n = 0;
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const res = await this.doc.send(new ScanCommand({ TableName: this.tableName, Select: 'COUNT', ExclusiveStartKey }));
      n += res.Count ?? 0;
      ExclusiveStartKey = res.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return n;
  }

  async scanSegment(segment: number, total: number) {
    const out: Customer[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const res = await this.doc.send(new ScanCommand({ TableName: this.tableName, Segment: segment, TotalSegments: total, ExclusiveStartKey }));
      for (const i of res.Items ?? []) out.push(CustomerItem.parse(i).profile);
      ExclusiveStartKey = res.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return out;
  }

  async objectors() {
    const out = new Set<string>();
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const res = await this.doc.send(
        new ScanCommand({ TableName: this.tableName, FilterExpression: 'attribute_exists(profile.profilingObjectedAt)', ProjectionExpression: 'customerId', ExclusiveStartKey }),
      );
      for (const i of res.Items ?? []) out.add(z.string().parse(i.customerId));
      ExclusiveStartKey = res.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return out;
  }

  async *exportOf(customerId: string): AsyncIterable<Customer> {
    for await (const page of partitionPages(this.doc, this.tableName, customerId)) yield* page.map((i) => CustomerItem.parse(i).profile);
  }

  eraseOf(customerId: string): Promise<number> {
    return erasePartition(this.doc, this.tableName, keyAttributes(this.table), customerId);
  }
}
