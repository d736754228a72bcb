import { GetCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { putIf } from '../storage/conditional.ts';
import { experimentKey, surfaceClaimKey } from '../storage/keys.ts';
import { ExperimentSchema, type Experiment } from './experiments.schemas.ts';

/** Experiment definitions: global (not personal), replicated to every region. */
export interface ExperimentStore {
  get(key: string): Promise<Experiment | undefined>;
  /** Every definition (a scan of a small table). */
  list(): Promise<Experiment[]>;
  /** Stores when the stored version is `expectedVersion` (undefined: when none is stored); false otherwise. */
  put(experiment: Experiment, expectedVersion: number | undefined): Promise<boolean>;
  /** Claims a surface for an experiment; the other experiment's key when it holds the claim. */
  claimSurface(surface: string, key: string): Promise<string | undefined>;
  /** Gives the claim up, if this experiment holds it. */
  releaseSurface(surface: string, key: string): Promise<void>;
}

const DefinitionItem = z.object({ experimentKey: z.string(), kind: z.literal('definition'), definition: z.string(), version: z.number() });
const parse = (item: Record<string, unknown>) => ExperimentSchema.parse(JSON.parse(DefinitionItem.parse(item).definition));

export class DynamoExperimentStore implements ExperimentStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(key: string) {
    const item = (await this.doc.send(new GetCommand({ TableName: this.tableName, Key: experimentKey(key), ConsistentRead: true }))).Item;
    return item ? parse(item) : undefined;
  }

  async list() {
    const out: Experiment[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const res = await this.doc.send(new ScanCommand({ TableName: this.tableName, ExclusiveStartKey, FilterExpression: 'kind = :d', ExpressionAttributeValues: { ':d': 'definition' } }));
      out.push(...(res.Items ?? []).map(parse));
      ExclusiveStartKey = res.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return out.sort((a, b) => a.key.localeCompare(b.key));
  }

  put(experiment: Experiment, expectedVersion: number | undefined) {
    return putIf(this.doc, {
      TableName: this.tableName,
      // Definitions hold arbitrary JSON values: stored as text, parsed with the schema when read.
      Item: { ...experimentKey(experiment.key), kind: 'definition', definition: JSON.stringify(experiment), version: experiment.version, status: experiment.status },
      ...(expectedVersion === undefined
        ? { ConditionExpression: 'attribute_not_exists(experimentKey)' }
        : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': expectedVersion } }),
    });
  }

  async claimSurface(surface: string, key: string) {
    const claimed = await putIf(this.doc, {
      TableName: this.tableName,
      Item: { ...surfaceClaimKey(surface), kind: 'claim', holder: key },
      ConditionExpression: 'attribute_not_exists(experimentKey) OR holder = :none OR holder = :me',
      ExpressionAttributeValues: { ':none': '', ':me': key },
    });
    if (claimed) return undefined;
    const item = (await this.doc.send(new GetCommand({ TableName: this.tableName, Key: surfaceClaimKey(surface), ConsistentRead: true }))).Item;
    return z.string().parse(item?.holder ?? '') || undefined;
  }

  async releaseSurface(surface: string, key: string) {
    // A claim is emptied, not deleted: the Workers' IAM policy on global tables has no DeleteItem.
    await putIf(this.doc, {
      TableName: this.tableName,
      Item: { ...surfaceClaimKey(surface), kind: 'claim', holder: '' },
      ConditionExpression: 'holder = :me',
      ExpressionAttributeValues: { ':me': key },
    });
  }
}
