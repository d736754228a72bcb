import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { GLOBAL_TABLE_KINDS, JURISDICTION_TABLE_KINDS, PERSONAL_TABLE_KINDS, type Region, type TableKind } from '../regions/region.schema.ts';

/**
 * Key design, shared by the local stack, the tests and infra/ (which builds the same keys in CDK).
 * Personal tables are keyed by customer id so that export and erasure are one query per table.
 */
export type { TableKind };

const S = 'S' as const;

/** A table keyed by one string attribute. */
const hashOnly = (base: { TableName: string; BillingMode: 'PAY_PER_REQUEST' }, key: string): CreateTableCommandInput => ({
  ...base,
  AttributeDefinitions: [{ AttributeName: key, AttributeType: S }],
  KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
});

/** A table with one partition per customer (`customerId`, `itemKey`), and a global index if one is named. */
const byCustomer = (base: { TableName: string; BillingMode: 'PAY_PER_REQUEST' }, index?: { name: string; hash: string; range: string }): CreateTableCommandInput => ({
  ...base,
  AttributeDefinitions: [...new Set(['customerId', 'itemKey', ...(index ? [index.hash, index.range] : [])])].map((AttributeName) => ({ AttributeName, AttributeType: S })),
  KeySchema: [
    { AttributeName: 'customerId', KeyType: 'HASH' },
    { AttributeName: 'itemKey', KeyType: 'RANGE' },
  ],
  ...(index
    ? { GlobalSecondaryIndexes: [{ IndexName: index.name, KeySchema: [{ AttributeName: index.hash, KeyType: 'HASH' }, { AttributeName: index.range, KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } }] }
    : {}),
});

export function tableDefinition(kind: TableKind, name: string): CreateTableCommandInput {
  const base = { TableName: name, BillingMode: 'PAY_PER_REQUEST' as const };
  switch (kind) {
    case 'purchases':
      return {
        ...base,
        AttributeDefinitions: [
          { AttributeName: 'customerId', AttributeType: S },
          { AttributeName: 'lineKey', AttributeType: S },
          { AttributeName: 'timeKey', AttributeType: S },
        ],
        KeySchema: [
          { AttributeName: 'customerId', KeyType: 'HASH' },
          { AttributeName: 'lineKey', KeyType: 'RANGE' },
        ],
        LocalSecondaryIndexes: [
          {
            IndexName: 'byTime',
            KeySchema: [
              { AttributeName: 'customerId', KeyType: 'HASH' },
              { AttributeName: 'timeKey', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      };
    case 'catalog':
      return {
        ...base,
        AttributeDefinitions: [
          { AttributeName: 'productId', AttributeType: S },
          { AttributeName: 'category', AttributeType: S },
        ],
        KeySchema: [{ AttributeName: 'productId', KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byCategory',
            KeySchema: [
              { AttributeName: 'category', KeyType: 'HASH' },
              { AttributeName: 'productId', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      };
    case 'insights':
      // One partition per customer: the current analysis, its analysis jobs and its cost-ledger lines.
      return byCustomer(base);
    case 'recommendations':
      // One partition per customer (its entry), and the jurisdiction's aggregates under `agg#` partitions.
      return byCustomer(base);
    case 'exposures':
      // One partition per customer (exposures and attributed purchase lines); the index gathers one
      // experiment phase's items in the jurisdiction, customer by customer, for its sufficient statistics.
      return byCustomer(base, { name: 'byExperiment', hash: 'experimentPhase', range: 'customerId' });
    case 'events':
      // One partition per customer (outbox entries, consumed-event markers); the sparse index lists the
      // outbox entries still waiting for the stream, spread over a few partitions, oldest first.
      return byCustomer(base, { name: 'pending', hash: 'outboxShard', range: 'queuedKey' });
    case 'customers':
    case 'predictions':
    case 'segments':
      return hashOnly(base, 'customerId');
    case 'models':
      return hashOnly(base, 'modelKey');
    case 'privacy':
      return hashOnly(base, 'recordKey');
    case 'jobs':
      // One partition per job (the record, then nothing else); the index lists the jurisdiction's jobs, newest first.
      return {
        ...base,
        AttributeDefinitions: ['jobId', 'listKey', 'startedKey'].map((AttributeName) => ({ AttributeName, AttributeType: S })),
        KeySchema: [{ AttributeName: 'jobId', KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [{ IndexName: 'byStart', KeySchema: [{ AttributeName: 'listKey', KeyType: 'HASH' }, { AttributeName: 'startedKey', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } }],
      };
    case 'apiKeys':
      return hashOnly(base, 'keyId');
    case 'experiments':
      return hashOnly(base, 'experimentKey');
  }
}

/** The region schema says which tables are personal, which belong to one jurisdiction, which are global. */
export const PERSONAL_TABLES: readonly TableKind[] = PERSONAL_TABLE_KINDS;
export const JURISDICTION_TABLES: readonly TableKind[] = JURISDICTION_TABLE_KINDS;
export const GLOBAL_TABLES: readonly TableKind[] = GLOBAL_TABLE_KINDS;

/** The key attributes of a table (partition key first), from its definition. */
export const keyAttributes = (kind: TableKind): string[] => (tableDefinition(kind, 'x').KeySchema ?? []).map((k) => k.AttributeName!);

/** Creates the tables that do not exist yet and waits until they are ACTIVE. */
export async function ensureTables(client: DynamoDBClient, defs: readonly CreateTableCommandInput[]): Promise<void> {
  for (const def of defs) {
    try {
      await client.send(new CreateTableCommand(def));
    } catch (err) {
      if (!(err instanceof ResourceInUseException)) throw err;
    }
  }
  for (const def of defs) {
    for (let i = 0; ; i++) {
      try {
        const res = await client.send(new DescribeTableCommand({ TableName: def.TableName }));
        if (res.Table?.TableStatus === 'ACTIVE') break;
      } catch (err) {
        if (!(err instanceof ResourceNotFoundException)) throw err;
      }
      if (i > 200) throw new Error(`table ${def.TableName} did not become ACTIVE`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

/** Every table of the region's jurisdiction (personal and not), as the local stack creates them. */
export function jurisdictionTableDefinitions(region: Region): CreateTableCommandInput[] {
  return JURISDICTION_TABLES.map((kind) => tableDefinition(kind, region.tables[kind]));
}

export function globalTableDefinitions(region: Region): CreateTableCommandInput[] {
  return GLOBAL_TABLES.map((kind) => tableDefinition(kind, region.tables[kind]));
}
