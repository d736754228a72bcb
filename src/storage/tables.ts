import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { PERSONAL_TABLE_KINDS, type Region, type TableKind } from '../regions/region.schema.ts';

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
      return {
        ...base,
        AttributeDefinitions: [
          { AttributeName: 'customerId', AttributeType: S },
          { AttributeName: 'itemKey', AttributeType: S },
        ],
        KeySchema: [
          { AttributeName: 'customerId', KeyType: 'HASH' },
          { AttributeName: 'itemKey', KeyType: 'RANGE' },
        ],
      };
    case 'recommendations':
      // One partition per customer (its entry), and the jurisdiction's aggregates under `agg#` partitions.
      return {
        ...base,
        AttributeDefinitions: [
          { AttributeName: 'customerId', AttributeType: S },
          { AttributeName: 'itemKey', AttributeType: S },
        ],
        KeySchema: [
          { AttributeName: 'customerId', KeyType: 'HASH' },
          { AttributeName: 'itemKey', KeyType: 'RANGE' },
        ],
      };
    case 'customers':
    case 'predictions':
    case 'segments':
      return hashOnly(base, 'customerId');
    case 'models':
      return hashOnly(base, 'modelKey');
    case 'apiKeys':
      return hashOnly(base, 'keyId');
  }
}

/** Personal tables are the ones the region schema marks so; every other table is global (non-personal). */
export const PERSONAL_TABLES: readonly TableKind[] = PERSONAL_TABLE_KINDS;
export const GLOBAL_TABLES: readonly TableKind[] = (['catalog', 'apiKeys', 'models'] as const).filter((k) => !PERSONAL_TABLES.includes(k));

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

export function personalTableDefinitions(region: Region): CreateTableCommandInput[] {
  return PERSONAL_TABLES.map((kind) => tableDefinition(kind, region.tables[kind]));
}

export function globalTableDefinitions(region: Region): CreateTableCommandInput[] {
  return GLOBAL_TABLES.map((kind) => tableDefinition(kind, region.tables[kind]));
}
